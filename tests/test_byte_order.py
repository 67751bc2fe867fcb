"""Numpy data in the other byte order (big-endian, '>f4': files written on another machine, FITS, some HDF5) goes in
as the same numbers: torch refuses such arrays ("byte order different from the native byte order"), so netgraph
converts them to native order wherever data enters (net(x), Padded, net_train's data and Datasets, data files)."""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetChain, Padded, SequenceLastLayer, GatedRecurrentLayer, net_initialize, net_train
from netgraph.cli import main
from netgraph.train import load_data
from netgraph.train.data_files import _column

OTHER = ">" if np.little_endian else "<"


def _other(a: np.ndarray) -> np.ndarray:
    """``a`` stored in the non-native byte order, holding the same values."""
    out = a.astype(a.dtype.newbyteorder(OTHER))
    assert not out.dtype.isnative and np.array_equal(out, a)
    return out


def _dense() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((12, 4)).astype("float32"), rng.standard_normal((12, 1)).astype("float32")


def test_net_call_takes_other_byte_order_as_native():
    net = net_initialize(NetChain([LinearLayer(2)], input=4), seed=0)
    x = _dense()[0]
    assert torch.equal(net(_other(x)), net(x))


def test_padded_sequences_in_other_byte_order():
    net = net_initialize(NetChain([GatedRecurrentLayer(3), SequenceLastLayer()], input=["n", 2]), seed=0)
    data = np.random.default_rng(1).standard_normal((3, 5, 2)).astype("float32")
    lengths = np.array([2, 5, 3], "int32")
    assert torch.equal(net(Padded(_other(data), _other(lengths))), net(Padded(data, lengths)))
    assert torch.equal(net([_other(s[:n]) for s, n in zip(data, lengths)]), net(Padded(data, lengths)))


@pytest.mark.parametrize("form", ["dict", "pair", "examples", "dataset"])
def test_net_train_takes_other_byte_order_as_native(form):
    net = NetChain([LinearLayer(1)], input=4)
    x, y = _dense()

    def data(x, y):
        if form == "dict":
            return {"Input": x, "Target": y}
        if form == "pair":
            return x, y
        examples = [{"Input": a, "Target": b} for a, b in zip(x, y)]
        return examples if form == "examples" else _Items(examples)

    def train(d):
        return net_train(net, d, max_training_rounds=2, batch_size=4, random_seed=0, progress=False)

    expected, found = train(data(x, y)), train(data(_other(x), _other(y)))
    torch.testing.assert_close(found(x), expected(x), rtol=0, atol=0)


class _Items(torch.utils.data.Dataset):
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def test_npz_in_other_byte_order_trains_from_the_command_line(tmp_path, capsys):
    x, y = _dense()
    np.savez(tmp_path / "d.npz", Input=_other(x), Target=_other(y))
    loaded = load_data(tmp_path / "d.npz")
    assert torch.equal(loaded["Input"], torch.from_numpy(x)) and torch.equal(loaded["Target"], torch.from_numpy(y))
    spec = tmp_path / "m.yaml"
    spec.write_text("netgraph: 1\nname: M\ntype: NetChain\nlayers:\n  lin: {type: LinearLayer, output: 1}\n"
                    "inputs:\n  Input: [4]\n")
    assert main(["train", str(spec), "--data", str(tmp_path / "d.npz"), "--rounds", "1", "--quiet",
                 "-o", str(tmp_path / "out")]) == 0
    assert "trained 1 round" in capsys.readouterr().out


def test_layer_arrays_in_other_byte_order_or_reversed_are_the_same_values():
    """A layer's array option took such arrays as "needs a numeric array ... found ndarray" (torch refused them)."""
    w = np.arange(6, dtype="float32").reshape(2, 3)
    native = LinearLayer(2, input=3, weights=w).arrays["Weights"]
    assert torch.equal(LinearLayer(2, input=3, weights=_other(w)).arrays["Weights"], native)
    assert torch.equal(LinearLayer(2, input=3, weights=w[::-1][::-1]).arrays["Weights"], native)
    flipped = np.ascontiguousarray(w[::-1])
    assert torch.equal(LinearLayer(2, input=3, weights=w[::-1]).arrays["Weights"], torch.from_numpy(flipped))


def test_a_big_endian_npz_array_is_copied_once_into_a_native_tensor(tmp_path):
    """It was copied twice (to native order, then again): twice its size at the peak, for a data file's largest key."""
    values = np.arange(1 << 20, dtype=">f8")  # 8 MiB
    np.savez(tmp_path / "big.npz", x=values)
    with np.load(tmp_path / "big.npz") as npz:
        stored = npz["x"]
    tracemalloc.start()
    try:
        out = _column("x", stored)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.dtype == torch.float64 and torch.equal(out, torch.arange(1 << 20, dtype=torch.float64))
    assert out.numpy().dtype.isnative
    assert values.nbytes <= peak < 1.5 * values.nbytes  # one copy of the array, not two


def test_a_read_only_native_array_becomes_a_tensor_of_its_own():
    values = np.arange(6.0)
    values.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns of a tensor over a read-only array
        out = _column("x", values)
    out += 1
    assert values.tolist() == list(range(6)) and out.tolist() == [float(i + 1) for i in range(6)]


def test_a_read_only_array_goes_in_as_a_copy_without_torch_warning_and_a_writeable_one_uncopied():
    # torch warned once per process that a non-writable array's tensor is undefined to write to (np.load's memory
    # maps, arrays from a frozen buffer); a writeable array still shares its memory (no copy)
    import subprocess
    import sys
    from netgraph.core.tensors import as_tensor
    x = _dense()[0]
    read_only = x.copy()
    read_only.setflags(write=False)
    tensor = as_tensor(read_only)
    assert torch.equal(tensor, torch.from_numpy(x)) and tensor.data_ptr() != read_only.ctypes.data
    assert as_tensor(x).data_ptr() == x.ctypes.data
    net = net_initialize(NetChain([LinearLayer(2)], input=4), seed=0)
    assert torch.equal(net(read_only), net(x))
    code = ("import numpy as np; from netgraph.core.tensors import as_tensor; a = np.ones(3, 'float32'); "
            "a.setflags(write=False); as_tensor(a)")
    run = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "not writable" not in run.stderr, run.stderr
