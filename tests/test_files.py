"""Atomic writes: complete files only, usual permissions, the old file kept when writing fails."""

from __future__ import annotations

import os
import re
import stat

import pytest

from netgraph.core import files
from netgraph.core.files import atomic_write, remove_temporaries, temporary_stem


def test_written_file_has_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "a.bin", b"data")
    finally:
        os.umask(old)
    assert path.read_bytes() == b"data"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


@pytest.mark.parametrize("system", ["posix", "nt"])
def test_the_content_is_synced_before_the_rename_and_the_folder_after_it(tmp_path, monkeypatch, system):
    # a power loss just after os.replace could lose the rename: the folder's entry was never synced
    path, real_fsync, synced = tmp_path / "a.bin", os.fsync, []
    path.write_bytes(b"old")

    def record(fd):
        what = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        synced.append((what, path.read_bytes()))  # the content at path when it was synced
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", record)
    monkeypatch.setattr(files, "FOLDERS_SYNC", system == "posix")
    atomic_write(path, b"new")
    expected = [("file", b"old"), ("folder", b"new")] if system == "posix" else [("file", b"old")]
    assert synced == expected  # Windows cannot open a folder to sync it


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "ckpt.pt"
    path.write_bytes(b"old")

    def crash(f):
        f.write(b"half")
        raise RuntimeError("killed mid-write")
    with pytest.raises(RuntimeError):
        atomic_write(path, crash)
    assert path.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [path]


def test_rendered_and_saved_files_are_readable_by_others(tmp_path, seed_net):
    import netgraph
    old = os.umask(0o022)
    try:
        svg = seed_net.render(tmp_path / "net.svg", backend="builtin")
        spec = netgraph.save(seed_net, tmp_path / "net.yaml")
    finally:
        os.umask(old)
    (weights,) = tmp_path.glob("net.*.safetensors")  # named by its SHA-256
    for p in (svg, spec, weights):
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o644, p


@pytest.mark.parametrize("name", ["x" * 250 + ".svg", "é" * 123 + ".yaml"])
def test_a_name_near_the_limit_is_written_and_its_killed_temporary_removed(tmp_path, name):
    """A valid 250-byte name got a temporary name over 255 bytes: "File name too long" on every write."""
    assert atomic_write(tmp_path / name, b"data").read_bytes() == b"data"
    assert [p.name for p in tmp_path.iterdir()] == [name]
    left = tmp_path / (temporary_stem(name) + ".0123456789ab.tmp")  # as a killed write leaves it
    left.write_bytes(b"half")
    (tmp_path / name).unlink()
    assert remove_temporaries(tmp_path, re.escape(name), (name,)) == [left]
    assert list(tmp_path.iterdir()) == []


def test_long_names_render_and_save(tmp_path, seed_net):
    import netgraph
    svg = seed_net.render(tmp_path / ("d" * 251 + ".svg"), backend="builtin")
    assert svg.read_text().startswith("<")
    spec = netgraph.save(netgraph.net_initialize(seed_net, seed=0), tmp_path / ("s" * 250 + ".yaml"))
    assert netgraph.load(spec).layers.keys() == seed_net.layers.keys()
    assert len(list(tmp_path.iterdir())) == 3  # the diagram, the spec and its weights: no temporaries


def test_a_replaced_file_keeps_its_mode_and_a_link_is_written_through(tmp_path):
    """A 0600 model became 0644 (umask 022), and a symlink was replaced by a regular file."""
    private = tmp_path / "private.onnx"
    private.write_bytes(b"old")
    private.chmod(0o600)
    old = os.umask(0o022)
    try:
        atomic_write(private, b"new")
    finally:
        os.umask(old)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_bytes() == b"new"
    target, link = tmp_path / "target.onnx", tmp_path / "link.onnx"
    target.write_bytes(b"old")
    link.symlink_to(target)
    atomic_write(link, b"through")
    assert link.is_symlink() and target.read_bytes() == b"through"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.onnx", "private.onnx", "target.onnx"]


def test_a_read_only_file_is_refused(tmp_path):
    """Also as root, who may write any file: a read-only file (no write bit) was replaced there (skipped as root)."""
    path = tmp_path / "kept.onnx"
    path.write_bytes(b"old")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        atomic_write(path, b"new")
    assert path.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1
