"""save is deterministic: saving one unchanged net again writes the same bytes (spec and weights file)."""

from __future__ import annotations

import json
import struct

from netgraph import LinearLayer, NetGraph, load, net_initialize, save


def test_repeated_saves_write_identical_files(tmp_path):
    net = net_initialize(NetGraph({"a": LinearLayer(4), "b": LinearLayer(2)}, [("a", "b")], Input=3), seed=0)
    seen = set()
    for _ in range(10):
        save(net, tmp_path / "m.yaml")
        files = sorted(tmp_path.iterdir())
        seen.add(tuple((f.name, f.read_bytes()) for f in files))
    assert len(seen) == 1
    (weights,) = [f for f in tmp_path.iterdir() if f.suffix == ".safetensors"]
    blob = weights.read_bytes()
    (length,) = struct.unpack("<Q", blob[:8])
    assert length % 8 == 0
    assert list(json.loads(blob[8:8 + length])["__metadata__"]) == ["format", "netgraph", "spec"]
    assert load(tmp_path / "m.yaml") == net
