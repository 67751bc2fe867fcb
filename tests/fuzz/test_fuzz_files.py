"""Random corruption of saved nets: ``load`` lets only NetGraphError escape (and never runs what it reads)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, strategies as st

import netgraph
from netgraph import LinearLayer, NetChain, net_initialize
from tests.fuzz._oracle import check_parity, only_our_errors

pytestmark = pytest.mark.fuzz


@st.composite
def corruptions(draw: Any) -> list[tuple[int, int, bytes]]:
    """1-4 edits (offset fraction in [0, 1000), bytes to cut, bytes to insert)."""
    return draw(st.lists(st.tuples(st.integers(0, 999), st.integers(0, 16), st.binary(max_size=8)),
                         min_size=1, max_size=4))


def _corrupt(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    for fraction, cut, insert in edits:
        at = len(data) * fraction // 1000
        data = data[:at] + insert + data[at + cut:]
    return data


@given(corruptions(), st.booleans())
def test_corrupted_saves_are_refused_or_loaded(tmp_path_factory, edits, truncate_instead):
    folder = tmp_path_factory.mktemp("saved")
    path = netgraph.save(net_initialize(NetChain([LinearLayer(3), "Tanh", LinearLayer(2)], input=4), seed=0),
                         folder / "net")
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    victim = files[edits[0][0] % len(files)]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) * edits[0][0] // 1000] if truncate_instead else _corrupt(data, edits))
    net = only_our_errors(lambda: netgraph.load(path))
    if net is not None:
        check_parity(net)
