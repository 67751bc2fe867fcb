"""Files written on a full disk and hostile files read: one clear error naming the file, nothing half-written left."""

from __future__ import annotations

import argparse
import errno
import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from netgraph import (DataError, LinearLayer, NetChain, NetGraphError, TrainingError, export_onnx,
                      net_initialize, net_train)
from netgraph.core import files
from netgraph.render.api import render
from netgraph.cli.check import schema
from netgraph.train.checkpoint import read_checkpoint, save_checkpoint
from netgraph.train.data_files import load_data


class _FullAfter(io.FileIO):
    """A file on a disk that fills up after ``room`` bytes: later writes raise ENOSPC, as the system's do."""
    room = 200

    def write(self, data):  # noqa: D102
        if self.tell() + len(memoryview(data).cast("B")) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def _disk_full_after(monkeypatch, room: int) -> None:
    _FullAfter.room = room
    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: _FullAfter(fd, "wb"))


def test_a_checkpoint_on_a_full_disk_is_a_training_error_naming_it_and_the_earlier_one_stays(tmp_path, monkeypatch):
    # torch.save turned the write's OSError into "RuntimeError: [enforce fail at inline_container.cc] unexpected pos"
    first = save_checkpoint(tmp_path, {"model": {"w": torch.ones(3)}}, round=1)
    _disk_full_after(monkeypatch, 300)
    with pytest.raises(TrainingError) as caught:
        save_checkpoint(tmp_path, {"model": {"w": torch.zeros(1000)}}, round=2)
    assert f"cannot write checkpoint {str(tmp_path / 'round-000002.pt')!r}: No space left on device" in str(caught.value)
    assert caught.value.diagnostics[0].kind == "unwritable-file"
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round-000001.pt"]
    assert read_checkpoint(first)["model"]["w"].tolist() == [1.0, 1.0, 1.0]


def test_an_interrupt_while_a_checkpoint_is_written_stays_an_interrupt(tmp_path, monkeypatch):
    def interrupted(self, data):  # Ctrl-C after the first bytes: torch's writer made it a RuntimeError
        if self.tell() > 100:
            raise KeyboardInterrupt
        return io.FileIO.write(self, data)

    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: _FullAfter(fd, "wb"))
    monkeypatch.setattr(_FullAfter, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path, {"model": {"w": torch.zeros(1000)}}, round=1)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def _npz_claiming(path, shape) -> None:
    """A .npz whose one array's header claims ``shape`` (float64) while 16 bytes of data follow it."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", header.getvalue() + b"\0" * 16)


@pytest.mark.parametrize("shape", [(10**15,), (10**9, 10**9), (3,)])
def test_a_npz_whose_header_claims_more_data_than_it_holds_is_refused_before_allocating(tmp_path, shape):
    # np.load allocated the claimed array first: a 100-byte file was a MemoryError ("Unable to allocate 7.11 PiB")
    _npz_claiming(tmp_path / "forged.npz", shape)
    with pytest.raises(DataError) as caught:
        load_data(tmp_path / "forged.npz")
    claimed = int(np.prod(shape, dtype=object)) * 8
    assert f"key 'x' claims shape {shape} of float64 ({claimed} bytes), but the archive holds 16 bytes" in \
        str(caught.value)
    assert caught.value.diagnostics[0].kind == "unreadable-file"


def test_a_npz_holding_exactly_its_claimed_data_reads(tmp_path):
    _npz_claiming(tmp_path / "two.npz", (2,))
    assert load_data(tmp_path / "two.npz")["x"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("raised, said", [
    (MemoryError(), r"not enough memory to read it: a damaged file"),
    (MemoryError("Unable to allocate 7.11 PiB for an array with shape (1000000000000000,) and data type float64"),
     r"not enough memory to read it \(Unable to allocate 7\.11 PiB for an array .*\): a damaged file")],
    ids=["bare", "numpy"])
@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_a_data_file_that_runs_out_of_memory_is_an_unreadable_file_naming_it(tmp_path, monkeypatch, raised, said,
                                                                              suffix):
    """The branch was untested: a bare MemoryError read 'cannot read data file '...': ' with nothing after it."""
    from netgraph.train import data_files
    path = tmp_path / f"big{suffix}"
    path.write_bytes(b"PK not read")

    def out_of_memory(*args):
        raise raised
    monkeypatch.setattr(data_files, "_read_arrays", out_of_memory)
    with pytest.raises(DataError, match=rf"^cannot read data file '.*big\{suffix}': {said}") as caught:
        load_data(path)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.found) == ("unreadable-file", str(path)) and d.detail.startswith("not enough memory")


def test_the_schema_on_a_full_disk_is_an_unwritable_file_error_and_leaves_no_temporary(tmp_path, monkeypatch):
    # the error had no kind ("error"), unlike every other file netgraph writes
    out = tmp_path / "schema.json"
    _disk_full_after(monkeypatch, 10)
    with pytest.raises(NetGraphError) as caught:
        schema(argparse.Namespace(output=str(out)))
    assert str(caught.value) == f"cannot write the schema to {str(out)!r}: No space left on device"
    assert (caught.value.kind, caught.value.found) == ("unwritable-file", str(out))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["m.onnx", "x" * 250 + ".onnx"])
def test_an_onnx_export_removes_the_temporaries_that_killed_exports_left(tmp_path, name):
    # save, render and checkpoints cleaned them up; export_onnx left them in the user's folder for good
    stale = tmp_path / f"{files.temporary_stem(name)}.0123456789ab.tmp"
    stale.write_bytes(b"half a model")
    (tmp_path / ".other.onnx.0123456789ab.tmp").write_bytes(b"another file's")
    export_onnx(net_initialize(NetChain([LinearLayer(2)], input=3), seed=0), tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".other.onnx.0123456789ab.tmp", name])


def test_a_loss_plot_removes_the_temporaries_that_killed_plots_left(tmp_path):
    results = net_train(NetChain([LinearLayer(2)], input=3), {"Input": torch.ones(4, 3), "Target": torch.zeros(4, 2)},
                        max_training_rounds=1, random_seed=0, progress=False, all=True)
    (tmp_path / f"{files.temporary_stem('loss.svg')}.0123456789ab.tmp").write_bytes(b"<svg")
    (tmp_path / ".other.svg.0123456789ab.tmp").write_bytes(b"another file's")
    results.plot_losses(tmp_path / "loss.svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.svg.0123456789ab.tmp", "loss.svg"]


def _tiny_net():
    return net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)


@pytest.mark.parametrize("write, what", [
    (lambda path: render(_tiny_net(), path), "the diagram"),
    (lambda path: export_onnx(_tiny_net(), path), "the ONNX model")])
def test_writing_through_a_link_to_nothing_is_refused_and_creates_no_file_elsewhere(tmp_path, write, what):
    # as save already refused: a link to a file not there made render and export_onnx create it wherever it pointed
    (tmp_path / "other").mkdir(), (tmp_path / "a").mkdir()
    link = tmp_path / "a" / "out.svg"
    link.symlink_to(Path("..") / "other" / "planted.svg")
    with pytest.raises(NetGraphError) as caught:
        write(link)
    assert str(caught.value).startswith(f"cannot write {what} to {str(link)!r}: it is a link to "
                                        f"{str(Path('..') / 'other' / 'planted.svg')!r}, which does not exist")
    assert caught.value.kind == "unwritable-file"
    assert list((tmp_path / "other").iterdir()) == [] and [p.name for p in (tmp_path / "a").iterdir()] == ["out.svg"]


def test_a_link_to_an_existing_file_is_still_written_through(tmp_path):
    (tmp_path / "real.svg").write_bytes(b"old")
    (tmp_path / "link.svg").symlink_to("real.svg")
    files.atomic_write(tmp_path / "link.svg", b"new")
    assert (tmp_path / "link.svg").is_symlink() and (tmp_path / "real.svg").read_bytes() == b"new"


def test_a_file_is_replaced_on_a_file_system_without_unix_modes(tmp_path, monkeypatch):
    # vfat or a CIFS mount refuses chmod (EPERM): replacing any file there failed, its descriptor left open
    (tmp_path / "m.svg").write_bytes(b"old")
    opened = len(os.listdir("/proc/self/fd"))

    def refused(fd, mode):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(files.os, "chmod", refused)
    files.atomic_write(tmp_path / "m.svg", b"new")
    assert (tmp_path / "m.svg").read_bytes() == b"new" and len(os.listdir("/proc/self/fd")) == opened
    assert [p.name for p in tmp_path.iterdir()] == ["m.svg"]


def test_another_chmod_failure_leaves_the_old_file_no_temporary_and_no_open_descriptor(tmp_path, monkeypatch):
    (tmp_path / "m.svg").write_bytes(b"old")
    opened = len(os.listdir("/proc/self/fd"))

    def failed(fd, mode):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(files.os, "chmod", failed)
    with pytest.raises(OSError, match="Input/output error"):
        files.atomic_write(tmp_path / "m.svg", b"new")
    assert (tmp_path / "m.svg").read_bytes() == b"old" and len(os.listdir("/proc/self/fd")) == opened
    assert [p.name for p in tmp_path.iterdir()] == ["m.svg"]
