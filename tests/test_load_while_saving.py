"""A load beside a save: no lock (a load never makes a save wait), a load that met a spec replaced meanwhile reads it
again; saves go on where the file system has no locks."""

from __future__ import annotations

import os
import time

import pytest

import netgraph.spec.saving as saving
from netgraph import LinearLayer, NetGraph, SpecError, load, net_initialize, save


def _net(seed: int = 0) -> NetGraph:
    return net_initialize(NetGraph({"lin": LinearLayer(4)}, [], Input=3), seed=seed)


def _saving_meanwhile(monkeypatch, net, spec):
    """read_weights, the first time, first lets a save of ``net`` to ``spec`` (another thread) finish: between the
    load's read of a spec and of its weights. The save's thread is returned in a list (polled: never a fixed wait)."""
    import threading
    real, saver = saving.read_weights, []

    def save_meanwhile(file):
        if not saver:
            saver.append(threading.Thread(target=save, args=(net, spec)))
            saver[0].start()
            deadline = time.monotonic() + 30  # a save waiting for the load would never end: fail, not hang
            while saver[0].is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert not saver[0].is_alive(), "the save waited for the load"
        return real(file)

    monkeypatch.setattr(saving, "read_weights", save_meanwhile)
    return saver


def test_a_load_while_a_save_replaces_the_spec_reads_it_again_never_failing_nor_making_the_save_wait(tmp_path,
                                                                                                     monkeypatch):
    """Found by QA: a load that had read the spec when a save beside it (another thread or process) replaced the
    spec and removed its old weights failed with 'cannot read the arrays file'. A shared folder lock made the save
    wait, but broke loads where flock is unsupported and hung saves after a fork; the load now starts over."""
    spec = tmp_path / "m.yaml"
    save(_net(0), spec)
    saver = _saving_meanwhile(monkeypatch, _net(1), spec)
    assert load(spec) == _net(1) and saver


def test_a_load_while_a_save_replaces_a_spec_its_file_reference_names_reads_it_again(tmp_path, monkeypatch):
    """Found by review: the folder lock covered only the top spec's folder, not a 'file:' reference's elsewhere."""
    (tmp_path / "sub").mkdir()
    save(_net(0), tmp_path / "sub" / "block.yaml")
    (tmp_path / "top.yaml").write_text("netgraph: 1\ntype: NetGraph\nlayers:\n  b: {file: sub/block.yaml}\n"
                                       "inputs: {Input: 3}\n")
    before = load(tmp_path / "top.yaml")
    saver = _saving_meanwhile(monkeypatch, _net(1), tmp_path / "sub" / "block.yaml")
    got = load(tmp_path / "top.yaml")
    assert saver and got != before and got == load(tmp_path / "top.yaml")  # the block saved meanwhile


def test_a_load_whose_weights_are_missing_while_its_spec_is_unchanged_fails_at_once(tmp_path, monkeypatch):
    save(_net(0), tmp_path / "m.yaml")
    for weights in tmp_path.glob("*.safetensors"):
        weights.unlink()
    real, calls = saving.read_weights, []
    monkeypatch.setattr(saving, "read_weights", lambda file: calls.append(file) or real(file))
    with pytest.raises(SpecError, match="cannot read the arrays file"):
        load(tmp_path / "m.yaml")
    assert len(calls) == 1  # not read again: nothing changed


def test_saves_and_loads_go_on_where_the_file_system_has_no_locks(tmp_path, monkeypatch):
    """Found by review: flock raising ENOLCK (NFS without lockd) or EOPNOTSUPP (some FUSE) was a raw OSError."""
    import errno
    import fcntl
    for code in (errno.ENOLCK, errno.EOPNOTSUPP):
        def refused(fd, operation, code=code):
            raise OSError(code, os.strerror(code))
        monkeypatch.setattr(fcntl, "flock", refused)
        save(_net(code), tmp_path / "m.yaml")
        assert load(tmp_path / "m.yaml") == _net(code)


@pytest.mark.parametrize("name", ["EINVAL", "EBADF"])
def test_a_lock_failing_for_another_reason_than_no_locks_is_not_skipped(tmp_path, monkeypatch, name):
    """Found by review: EINVAL and EBADF (a bad descriptor or operation: a bug, not a file system without locks) were
    skipped as if the file system had no locks, so saves beside each other could remove each other's files."""
    import errno
    import fcntl
    code = getattr(errno, name)

    def refused(fd, operation):
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(fcntl, "flock", refused)
    with pytest.raises(OSError) as info:
        save(_net(1), tmp_path / "m.yaml")
    assert info.value.errno == code
