"""Saved nets detect tampering, saves refuse non-regular targets and leave nothing when they fail,
hostile weights headers are refused before they are read, and 'file:' references stay in their folder."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors.torch import save_file

import netgraph.spec.saving as saving
from netgraph import LinearLayer, NetGraph, SpecError, load, net_initialize, save
from netgraph.core.limits import current_limits
from tests.subprocess_env import checkout_env

ROOT = Path(__file__).resolve().parent.parent
HASHED = re.compile(r"m\.[0-9a-f]{64}\.safetensors")


def _net(seed: int = 0) -> NetGraph:
    return net_initialize(NetGraph({"lin": LinearLayer(4)}, [], Input=3), seed=seed)


def _weights(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.safetensors"))


def test_the_weights_file_is_named_by_its_sha256_and_the_spec_names_it(tmp_path):
    save(_net(), tmp_path / "m.yaml")
    (weights,) = _weights(tmp_path)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    assert weights.name == f"m.{digest}.safetensors"
    assert f"\narrays: {weights.name}\n" in (tmp_path / "m.yaml").read_text()


def test_every_flipped_byte_of_the_weights_is_a_spec_error_naming_the_file(tmp_path):
    save(_net(), tmp_path / "m.yaml")
    (weights,) = _weights(tmp_path)
    original = weights.read_bytes()
    positions = random.Random(0).sample(range(len(original)), 40) + [len(original) - 1, 0, 8]
    for position in positions:
        damaged = bytearray(original)
        damaged[position] ^= 0x01
        weights.write_bytes(bytes(damaged))
        with pytest.raises(SpecError) as info:
            load(tmp_path / "m.yaml")
        assert weights.name in str(info.value), position
    weights.write_bytes(original[:-4] + struct.pack("<f", 0.5))  # a changed weight, still a valid file
    with pytest.raises(SpecError, match=r"m\.yaml:2:9: .*does not match the SHA-256 in its name"):
        load(tmp_path / "m.yaml")
    weights.write_bytes(original)
    assert load(tmp_path / "m.yaml") == _net()


def test_nets_saved_by_the_previous_version_load_without_a_hash(tmp_path):
    net = _net()
    save_file({"lin.Weights": net.layers["lin"].weights, "lin.Biases": net.layers["lin"].biases},
              tmp_path / "m.safetensors")
    (tmp_path / "m.yaml").write_text("netgraph: 1\narrays: m.safetensors\nlayers:\n  lin: {type: LinearLayer, "
                                     "output: 4}\ninputs:\n  Input: 3\n")
    assert load(tmp_path / "m.yaml") == net
    save(_net(seed=5), tmp_path / "m.yaml")  # the old file was named by the old spec: it goes
    assert [bool(HASHED.fullmatch(p.name)) for p in _weights(tmp_path)] == [True]


def test_a_save_removes_unreferenced_weights_and_temporaries_of_its_own_spec_only(tmp_path):
    save(_net(1), tmp_path / "m.yaml")
    (first,) = _weights(tmp_path)
    planted = [tmp_path / f".m.yaml.{'a' * 12}.tmp", tmp_path / f".m.{'b' * 64}.safetensors.{'c' * 12}.tmp",
               tmp_path / f"m.{'d' * 64}.safetensors"]
    kept = [tmp_path / f"other.{'d' * 64}.safetensors", tmp_path / "m.safetensors", tmp_path / ".notes.tmp",
            tmp_path / f".other.yaml.{'a' * 12}.tmp"]
    for p in planted + kept:
        p.write_bytes(b"x")
    save(_net(2), tmp_path / "m.yaml")
    (second,) = [p for p in _weights(tmp_path) if HASHED.fullmatch(p.name)]
    assert second != first and not first.exists()
    assert sorted(tmp_path.iterdir()) == sorted([tmp_path / "m.yaml", second, *kept])
    assert load(tmp_path / "m.yaml") == _net(2)


def test_a_save_keeps_weights_that_a_copy_of_the_spec_still_names(tmp_path):
    save(_net(1), tmp_path / "m.yaml")
    (first,) = _weights(tmp_path)
    for copy in ("m_v1.yaml", "m.yaml~"):  # a copy kept as a version, an editor's backup
        (tmp_path / copy).write_bytes((tmp_path / "m.yaml").read_bytes())
    save(_net(2), tmp_path / "m.yaml")
    assert first.exists() and len(_weights(tmp_path)) == 2
    assert load(tmp_path / "m_v1.yaml") == _net(1) and load(tmp_path / "m.yaml") == _net(2)
    (tmp_path / "m_v1.yaml").unlink()
    (tmp_path / "m.yaml~").unlink()
    save(_net(3), tmp_path / "m.yaml")  # no copy names the older files now: both go
    assert len(_weights(tmp_path)) == 1 and not first.exists() and load(tmp_path / "m.yaml") == _net(3)


@pytest.mark.parametrize("other", ["m", "m.json", "m.spec"])
def test_a_save_keeps_weights_that_a_spec_of_the_same_stem_under_another_suffix_names(tmp_path, other):
    """save(net, "m") writes m.<sha>.safetensors, as save(net, "m.yaml") does: a later save of m.yaml removed the
    weights of m (a name without '.yaml'), which then no longer loaded."""
    save(_net(1), tmp_path / other)
    save(_net(2), tmp_path / "m.yaml")
    save(_net(3), tmp_path / "m.yaml")  # its own older weights go; the other spec's stay
    assert len(_weights(tmp_path)) == 2
    assert load(tmp_path / other) == _net(1) and load(tmp_path / "m.yaml") == _net(3)
    save(_net(4), tmp_path / other)
    assert len(_weights(tmp_path)) == 2 and load(tmp_path / other) == _net(4) and load(tmp_path / "m.yaml") == _net(3)


@pytest.mark.parametrize("up", [1, 2])
def test_a_save_keeps_weights_that_a_spec_in_a_folder_above_names(tmp_path, up):
    """A spec may name weights in a folder below its own (arrays: sub/m.<sha>.safetensors): a save into that
    folder keeps them, as it keeps those a spec beside it names."""
    sub = tmp_path.joinpath(*["sub"] * up)
    sub.mkdir(parents=True)
    save(_net(1), sub / "m.yaml")
    (first,) = _weights(sub)
    prefix = "sub/" * up
    text = (sub / "m.yaml").read_text().replace(f"arrays: {first.name}", f"arrays: {prefix}{first.name}")
    (tmp_path / "model.yaml").write_text(text)
    save(_net(2), sub / "m.yaml")
    assert first.exists() and load(tmp_path / "model.yaml") == _net(1) and load(sub / "m.yaml") == _net(2)
    (tmp_path / "model.yaml").unlink()
    save(_net(3), sub / "m.yaml")  # no spec names the older files now: they go
    assert not first.exists() and len(_weights(sub)) == 1


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_save_never_replaces_a_device_a_folder_or_a_link_to_one(tmp_path):
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "link.yaml").symlink_to(tmp_path / "folder.yaml")
    (tmp_path / "dev.yaml").symlink_to("/dev/null")
    before = sorted(tmp_path.iterdir())
    for target in ["/dev/null", tmp_path / "folder.yaml", tmp_path / "link.yaml", tmp_path / "dev.yaml"]:
        with pytest.raises(SpecError, match="not a regular file.*nothing was changed"):
            save(_net(), target)
    assert sorted(tmp_path.iterdir()) == before and Path("/dev/null").is_char_device()
    assert (tmp_path / "link.yaml").is_symlink() and (tmp_path / "dev.yaml").is_symlink()


def test_a_failed_save_writes_nothing(tmp_path):
    with pytest.raises(SpecError, match=r"save\(net, .*missing.*failed"):
        save(_net(), tmp_path / "missing" / "m.yaml")
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o500)
    try:
        if os.access(tmp_path / "ro", os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        with pytest.raises(SpecError, match="failed"):
            save(_net(), tmp_path / "ro" / "m.yaml")
    finally:
        os.chmod(tmp_path / "ro", 0o700)
    assert list((tmp_path / "ro").iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["ro"]


def test_a_failed_spec_write_removes_the_weights_it_wrote(tmp_path, monkeypatch):
    real = saving.atomic_write

    def fail_on_spec(path, data):
        if Path(path).suffix == ".yaml":
            raise OSError(28, "No space left on device", str(path))
        return real(path, data)
    monkeypatch.setattr(saving, "atomic_write", fail_on_spec)
    with pytest.raises(SpecError, match="No space left on device"):
        save(_net(), tmp_path / "m.yaml")
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_spec_is_refused_before_its_weights_are_written(tmp_path):
    """The read-only spec was refused only after the weights were written: the weights file an earlier save of the
    same arrays left was replaced (a new file, its hard link to a backup broken) by a save that says nothing changed."""
    save(_net(), tmp_path / "m.yaml")
    (weights,) = _weights(tmp_path)
    os.link(weights, tmp_path / "backup.bin")  # as a snapshot or DVC cache shares the file's data
    os.chmod(tmp_path / "m.yaml", 0o444)
    with pytest.raises(SpecError, match="read-only.*nothing was changed"):
        save(_net(), tmp_path / "m.yaml")
    assert _weights(tmp_path) == [weights] and os.path.samefile(weights, tmp_path / "backup.bin")

_HOSTILE = """
import resource, sys, time
from pathlib import Path
import netgraph
net = netgraph.load(sys.argv[1] + "/good.yaml")  # warm up: everything loading needs is imported
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for name in ("huge_header", "huge_data"):
    start = time.perf_counter()
    try:
        netgraph.load(f"{sys.argv[1]}/{name}.yaml")
    except netgraph.SpecError as exc:
        print(name, round(time.perf_counter() - start, 3), str(exc).replace(chr(10), " "))
print("grew_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def _sparse(path: Path, head: bytes, size: int) -> None:
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)


def test_hostile_3gb_weights_headers_are_refused_fast_without_reading_them(tmp_path):
    save(_net(), tmp_path / "good.yaml")
    spec = (tmp_path / "good.yaml").read_text().splitlines()
    size = 3 * 2**30
    _sparse(tmp_path / "huge_header.safetensors", struct.pack("<Q", size - 8), size)
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    _sparse(tmp_path / "huge_data.safetensors", struct.pack("<Q", len(header)) + header, size)
    for name in ("huge_header", "huge_data"):
        (tmp_path / f"{name}.yaml").write_text("\n".join([spec[0], f"arrays: {name}.safetensors", *spec[2:]]))
    run = subprocess.run([sys.executable, "-c", _HOSTILE, str(tmp_path)], capture_output=True, text=True,
                         timeout=300, env=checkout_env())
    lines = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    assert set(lines) == {"huge_header", "huge_data", "grew_kb"}, run.stdout + run.stderr
    limit = current_limits().header_bytes
    assert f"has a {size - 8}-byte header, more than the header_bytes limit ({limit}; netgraph.limits(header_bytes=" \
        in lines["huge_header"]
    assert f"{size} bytes, its header describes {8 + len(header) + 8}" in lines["huge_data"]
    for name in ("huge_header", "huge_data"):
        assert f"{name}.safetensors" in lines[name] and float(lines[name].split()[0]) <= 2.0
    assert int(lines["grew_kb"]) <= 200 * 1024


def _spec_with(reference: str) -> str:
    return f"netgraph: 1\nlayers:\n  inner: {{file: {reference}}}\ninputs: {{Input: 3}}\n"


def test_file_references_stay_in_the_spec_folder_unless_the_caller_allows_more(tmp_path):
    secret = "TOKEN-3f9a not a spec at all"
    (tmp_path / "secret.txt").write_text(secret)
    (tmp_path / "part.yaml").write_text("netgraph: 1\nlayers:\n  lin: {type: LinearLayer, output: 2}\n")
    specs = tmp_path / "specs"
    (specs / "parts").mkdir(parents=True)
    (specs / "parts" / "block.yaml").write_text((tmp_path / "part.yaml").read_text())
    (specs / "escape.lnk").symlink_to(tmp_path / "part.yaml")
    cases = {"up.yaml": "../part.yaml", "abs.yaml": str(tmp_path / "part.yaml"), "link.yaml": "escape.lnk",
             "secret.yaml": "../secret.txt", "passwd.yaml": "/etc/passwd"}
    for name, reference in cases.items():
        (specs / name).write_text(_spec_with(reference))
        with pytest.raises(SpecError, match="leaves this spec's folder") as info:
            load(specs / name)
        assert secret not in str(info.value)
    with pytest.raises(SpecError, match="'/dev/zero' is not a regular file"):
        NetGraph.from_yaml(_spec_with("/dev/zero"), allow_outside=True)  # allowed there, still never read
    (specs / "inside.yaml").write_text(_spec_with("parts/block.yaml"))
    assert load(specs / "inside.yaml").output_shapes == {"Output": (2,)}
    for name in ("up.yaml", "abs.yaml", "link.yaml"):
        assert load(specs / name, allow_outside=True).output_shapes == {"Output": (2,)}
        assert NetGraph.from_yaml(specs / name, base_dir=tmp_path).output_shapes == {"Output": (2,)}
    with pytest.raises(SpecError, match="leaves this spec's folder") as info:
        NetGraph.from_yaml(_spec_with("../part.yaml"), base_dir=specs)  # text: its folder is the working one
    with pytest.raises(SpecError) as info:
        load(specs / "secret.yaml", allow_outside=True)
    assert "secret.txt" in str(info.value) and "TOKEN" not in str(info.value)


def test_a_base_dir_that_is_no_folder_is_an_option_error_naming_it(tmp_path):
    """from_yaml/load took a missing base_dir silently (the CLI's --base-dir refuses it); it allowed nothing."""
    from netgraph import OptionError
    (tmp_path / "part.yaml").write_text("netgraph: 1\nlayers: {lin: {type: LinearLayer, output: 2}}\n")
    (tmp_path / "m.yaml").write_text(_spec_with("part.yaml"))
    for bad in (tmp_path / "missing", tmp_path / "part.yaml", 3):
        with pytest.raises(OptionError, match=r"base_dir=.* is not a folder"):
            load(tmp_path / "m.yaml", base_dir=bad)
    assert load(tmp_path / "m.yaml", base_dir=tmp_path).output_shapes == {"Output": (2,)}

@pytest.mark.parametrize("offset", [b"1e400", b"-1e400", b"NaN", b"null", b'"8"', b"[8]"])
def test_a_weights_header_with_a_hostile_data_offset_is_one_spec_error(tmp_path, offset):
    save(_net(), tmp_path / "m.yaml")
    header = b'{"lin.Weights":{"dtype":"F32","shape":[4,3],"data_offsets":[0,' + offset + b"]}}"
    header += b" " * (-len(header) % 8)
    (tmp_path / "w.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + bytes(48))
    spec = (tmp_path / "m.yaml").read_text().splitlines()
    (tmp_path / "x.yaml").write_text("\n".join([spec[0], "arrays: w.safetensors", *spec[2:]]))
    with pytest.raises(SpecError, match=r"w\.safetensors' is not a valid safetensors file"):
        load(tmp_path / "x.yaml")


_SAVER = """
import pathlib, sys, time
import netgraph
folder, i = pathlib.Path(sys.argv[1]), int(sys.argv[2])
net = netgraph.net_initialize(netgraph.NetGraph({"lin": netgraph.LinearLayer(64)}, [], Input=64), seed=i % 2)
(folder / f"ready{i}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
failed = 0
for _ in range(25):
    try:
        netgraph.save(net, folder / "m.yaml")
    except netgraph.SpecError as exc:
        failed += 1
        print(exc)
print("failed", failed)
"""


def test_processes_saving_one_path_at_once_never_break_each_others_save(tmp_path):
    """Each save's cleanup removed the live temporaries and new weights of the saves beside it: some failed, and the
    spec could name a weights file already removed. Saves into one folder now wait for each other."""
    env = checkout_env()
    procs = [subprocess.Popen([sys.executable, "-c", _SAVER, str(tmp_path), str(i)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, env=env) for i in range(4)]
    deadline = time.monotonic() + 240
    while len(list(tmp_path.glob("ready*"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = [p.communicate(timeout=240)[0] for p in procs]
    assert all(out.strip().endswith("failed 0") for out in outputs), outputs
    nets = [net_initialize(NetGraph({"lin": LinearLayer(64)}, [], Input=64), seed=seed) for seed in (0, 1)]
    assert load(tmp_path / "m.yaml") in nets
    assert len(_weights(tmp_path)) == 1 and not list(tmp_path.glob(".*.tmp"))


def test_a_save_through_a_link_to_another_folder_keeps_the_spec_and_its_weights_together(tmp_path):
    """Found by QA: `save(net, "link.yaml")`, a link to `other/real.yaml`, replaced real.yaml but wrote the weights
    beside the link, so other/real.yaml named a weights file missing from its folder (and kept its old one); and a
    saved spec never loaded through such a link, its weights looked for beside the link."""
    (tmp_path / "other").mkdir()
    save(_net(0), tmp_path / "other" / "real.yaml")
    (tmp_path / "link.yaml").symlink_to(Path("other") / "real.yaml")
    assert load(tmp_path / "link.yaml") == _net(0)
    save(_net(1), tmp_path / "link.yaml")
    assert load(tmp_path / "other" / "real.yaml") == _net(1) and load(tmp_path / "link.yaml") == _net(1)
    assert (tmp_path / "link.yaml").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.yaml", "other"]
    weights = [p.name for p in (tmp_path / "other").iterdir() if p.name != "real.yaml"]
    assert len(weights) == 1 and re.fullmatch(r"real\.[0-9a-f]{64}\.safetensors", weights[0])


@pytest.mark.parametrize("target", [Path("..") / "other" / "new.yaml", Path("..") / "nowhere" / "x.yaml"])
def test_a_save_through_a_dangling_link_is_refused_and_changes_nothing(tmp_path, target):
    """Found by review: a link to a file not there made save create it, and its weights, in the other folder."""
    (tmp_path / "other").mkdir(), (tmp_path / "a").mkdir()
    (tmp_path / "a" / "link.yaml").symlink_to(target)
    with pytest.raises(SpecError, match=rf"link\.yaml'\): it is a link to '{re.escape(str(target))}', which does not "
                                        r"exist; a save through a link replaces the spec it leads to") as info:
        save(_net(0), tmp_path / "a" / "link.yaml")
    assert (info.value.diagnostics[0].kind, info.value.diagnostics[0].found) == ("output-path", str(target))
    assert list((tmp_path / "other").iterdir()) == [] and [p.name for p in (tmp_path / "a").iterdir()] == ["link.yaml"]


@pytest.mark.parametrize("stem", ["tab\tname", "bell\x07", "bom\ufeffname", "next\x85line"])
def test_a_copy_keeps_its_weights_whatever_characters_the_spec_name_holds(tmp_path, stem):
    """Found by QA: a spec name YAML writes quoted and escaped ("tab\\tname.<sha>.safetensors") was looked for in
    a copy's text as it is, so the next save removed the weights the copy names and the copy no longer loaded."""
    spec = tmp_path / f"{stem}.yaml"
    save(_net(0), spec)
    (tmp_path / f"{stem}_v1.yaml").write_bytes(spec.read_bytes())
    save(_net(1), spec)
    assert load(tmp_path / f"{stem}_v1.yaml") == _net(0) and load(spec) == _net(1)
    (tmp_path / "sub").mkdir()  # a spec in the folder above naming sub/<weights>
    save(_net(2), tmp_path / "sub" / f"{stem}.yaml")
    above = saving.dump_data({"netgraph": 1, "arrays": f"sub/{next((tmp_path / 'sub').glob('*.safetensors')).name}"})
    (tmp_path / "above.yaml").write_text(above + "type: NetGraph\nlayers: {lin: {type: LinearLayer, output: 4}}\n"
                                         "inputs: {Input: 3}\n", "utf-8")
    save(_net(3), tmp_path / "sub" / f"{stem}.yaml")
    assert load(tmp_path / "above.yaml") == _net(2)


def test_a_resave_of_the_same_arrays_keeps_the_weights_file_its_links_and_its_mode(tmp_path):
    """Found by review: every save rewrote the weights file named by its digest, breaking hard links (a DVC cache's),
    and refused a read-only one holding the same bytes."""
    save(_net(0), tmp_path / "m.yaml")
    (weights,) = _weights(tmp_path)
    os.link(weights, tmp_path / "cache.bin")
    save(_net(0), tmp_path / "m.yaml")
    assert os.path.samefile(weights, tmp_path / "cache.bin")
    weights.chmod(0o444)
    save(_net(0), tmp_path / "m.yaml")
    assert _weights(tmp_path) == [weights] and load(tmp_path / "m.yaml") == _net(0)


def test_a_weights_file_of_its_name_but_other_bytes_is_written_again(tmp_path):
    save(_net(0), tmp_path / "m.yaml")
    (weights,) = _weights(tmp_path)
    blob = weights.read_bytes()
    weights.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))  # the same size, one bit off
    save(_net(0), tmp_path / "m.yaml")
    assert weights.read_bytes() == blob and load(tmp_path / "m.yaml") == _net(0)
