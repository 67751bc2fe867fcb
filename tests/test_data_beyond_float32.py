"""Real data whose values lie beyond the working precision's range: refused by name, not turned into infinities."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetChain, SoftmaxLayer, net_initialize, net_train
from netgraph.core.errors import DataError


def _net():
    return net_initialize(NetChain([LinearLayer(1)], input=3), seed=0)


def test_a_float64_value_beyond_float32_s_range_is_named_when_the_net_is_called():
    """1e300 became inf in float32 without a word; the net answered inf or NaN."""
    x = np.ones((2, 3))
    x[1, 2] = -1e300
    with pytest.raises(DataError, match=r"^input port 'Input': values as large as -1e\+300 lie beyond float32's range "
                                        r"\(largest 3\.4e\+38\): they would become infinite; scale the data, or "
                                        r"work in float64"):
        _net()(x)
    assert torch.isfinite(_net()(x, precision="float64")).all()


def test_training_data_beyond_float32_s_range_is_refused_before_the_first_step():
    """A .npz of float64 values of 1e300 trained into "the loss is nan ... the batch's data is not finite (example 0
    holds an infinite value)": the file held no infinity."""
    x = np.full((8, 3), 1e300)
    with pytest.raises(DataError, match=r"input port 'Input' \(key 'Input'\): values as large as 1e\+300 lie beyond "
                                        r"float32's range \(largest 3\.4e\+38\): they would become infinite; scale "
                                        r"the data, or train in float64 \(working_precision='float64'"):
        net_train(_net(), {"Input": x, "Target": np.ones((8, 1))}, max_training_rounds=1, progress=False)
    x = np.full((8, 3), 1e39)  # beyond float32's 3.4e38, not float64's
    result = net_train(_net(), {"Input": x, "Target": np.ones((8, 1))}, max_training_rounds=1, progress=False,
                       working_precision="float64", all=True)
    assert np.isfinite(result.round_losses[0])


def test_infinities_already_in_the_data_are_left_to_the_finite_checks():
    x = np.full((2, 3), np.inf)
    assert not torch.isfinite(_net()(x)).any()  # as before: inf in float64 is inf in float32, read as it is


def test_a_loss_that_overflows_in_float64_names_float64_s_limit():
    """Training in float64 on values of 1e300 said "squares overflow past about 1.8e19 in float32"."""
    from netgraph.core.errors import TrainingError
    x = np.full((8, 3), 1e300)
    with pytest.raises(TrainingError, match=r"its largest magnitude is 1e\+300; squares overflow past about 1\.3e\+154 "
                                            r"in float64\)"):
        net_train(_net(), {"Input": np.ones((8, 3)), "Target": x[:, :1]}, max_training_rounds=1, progress=False,
                  working_precision="float64")


def test_python_floats_beyond_float32_s_range_are_named_as_an_array_s_are():
    """Nested lists of Python floats were made float32 directly: [[1e300, 1, 1]] answered -inf, and training said
    "example 0 holds an infinite value", which the data did not hold."""
    with pytest.raises(DataError, match=r"^input port 'Input': values as large as 1e\+300 lie beyond float32's range"):
        _net()([[1e300, 1.0, 1.0]])
    with pytest.raises(DataError, match=r"^input port 'Input': values as large as -1e\+300 lie beyond"):
        NetChain(["Tanh"])(-1e300)  # a port of unknown shape reads one number as one example
    with pytest.raises(DataError, match=r"input port 'Input' \(key 'Input'\): values as large as 1e\+300 lie beyond"):
        net_train(_net(), {"Input": [[1e300, 1.0, 1.0]] * 8, "Target": [[1.0]] * 8}, max_training_rounds=1,
                  progress=False)
    assert torch.isfinite(_net()([[1e300, 1.0, 1.0]], precision="float64")).all()
    assert not torch.isfinite(_net()([[float("inf"), 1.0, 1.0]])).any()  # an infinity given stays one


def test_an_int_beyond_int64_within_float32_s_range_is_read_at_float32_as_at_float64():
    """[[2**70, 1, 0]] was refused at float32 ('cannot make a tensor from list: Overflow when unpacking long long':
    torch read the ints as int64) and taken at float64; 2**70 (about 1.2e21) fits float32 (largest 3.4e38)."""
    x = [[2**70, 1, 0], [1, 2, 3]]
    assert torch.allclose(_net()(x), _net()(x, precision="float64").float(), rtol=1e-6, atol=1e-6)
    assert _net()(x)[0, 0] != 0 and torch.isfinite(_net()(x)).all()
    with pytest.raises(DataError, match=r"values as large as 1\.0889e\+40 lie beyond float32's range"):
        _net()([[2**133, 1, 0]])  # beyond float32, within float64: refused as 1e300 is
    want = (r"^input port 'Input': values as large as -2\*\*1100 lie beyond float64's range \(largest 1.8e\+308\): "
            r"they would become infinite; scale the data$")
    for precision in ("float32", "float64"):  # beyond float64 too: torch's "Overflow when unpacking long long" shown
        with pytest.raises(DataError, match=want) as e:
            _net()([[1, 0, -2**1100]], precision=precision)
        assert e.value.kind == "precision-range" and e.value.found == -2**1100


@pytest.mark.parametrize("huge", [2**1024, 2**1024 - 2**969], ids=["2**1024", "rounds-up-to-2**1024"])
@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_an_int_just_beyond_float64_is_refused_by_name(huge, precision):
    """The check was ``abs(item) > 2**1024``: 2**1024 itself, and 2**1024 - 2**969 (which rounds up past float64's
    largest), still gave torch's 'Overflow when unpacking long long'."""
    want = (rf"^input port 'Input': values as large as 2\*\*{huge.bit_length() - 1} lie beyond float64's range "
            r"\(largest 1.8e\+308\): they would become infinite; scale the data$")
    with pytest.raises(DataError, match=want) as e:
        _net()([[huge, 1, 0]], precision=precision)
    assert e.value.kind == "precision-range" and e.value.found == huge


def test_training_data_holding_an_int_beyond_int64_is_read_as_net_x_reads_it():
    """net_train(net, {"Input": [[2**70, 1, 0], ...]}) was refused at any precision ('cannot make a tensor from list:
    Overflow when unpacking long long'), though net(x) takes that list: now read as float64, then narrowed."""
    x, y = [[2**70, 1, 0], [1, 2, 3]], [[1.0], [2.0]]
    for given in ({"Input": x, "Target": y}, [{"Input": x[0], "Target": y[0]}, {"Input": x[1], "Target": y[1]}]):
        result = net_train(_net(), given, max_training_rounds=1, progress=False, all=True)
        assert np.isfinite(result.round_losses[0]) and result.round_losses[0] > 1e30


def test_a_dataset_item_holding_a_single_int_beyond_int64_is_read_as_in_memory_data_is():
    """A single 2**70 was refused as 'cannot be batched' (torch's 'Overflow when unpacking long long'), naming no
    item; read, the column of scalars meets the same check of its shape as the same in-memory column does."""
    targets = [1, 1, 2**70, 1]

    class Single(_Items):
        def __getitem__(self, i: int) -> dict:
            return {"Input": [1.0, 0.0, 2.0], "Target": targets[i]}
    refusals = []
    for data in (Single(), {"Input": [[1.0, 0.0, 2.0]] * 4, "Target": targets}):
        with pytest.raises(DataError) as caught:
            net_train(_net(), data, batch_size=4, max_training_rounds=1, progress=False)
        refusals.append([(d.kind, d.port, d.expected, d.found) for d in caught.value.diagnostics])
    assert refusals[0] == refusals[1] and refusals[0][0][1] == "Target"
    with pytest.raises(DataError, match=r"input port 'Input' \(key 'Input'\): values as large as 1\.0889e\+40 lie "
                                        r"beyond float32's range") as caught:
        net_train(_net(), {"Input": [[2**133, 1, 0]], "Target": [[1.0]]}, max_training_rounds=1, progress=False)
    assert caught.value.diagnostics[0].kind == "precision-range"
    result = net_train(_net(), {"Input": [[2**133, 1, 0]], "Target": [[1.0]]}, max_training_rounds=1,
                       progress=False, working_precision="float64", all=True)
    assert np.isfinite(result.round_losses[0])


class _Items(torch.utils.data.Dataset):
    """4 items; item 2's Input holds -2**1100."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> dict:
        return {"Input": [1, 0, -2**1100 if i == 2 else 2], "Target": [1.0]}


_BEYOND = r"values as large as -2\*\*1100 lie beyond float64's range \(largest 1.8e\+308\): they would become infinite"
_ROWS = [[1, 0, 2], [1, 0, 3], [1, 0, -2**1100]]


@pytest.mark.parametrize("data, said", [
    ({"Input": _ROWS, "Target": [[1.0]] * 3}, "key 'Input' (example 2)"),
    ([{"Input": x, "Target": [1.0]} for x in _ROWS], "key 'Input' (example 2)"),
    (_Items(), "key 'Input' (item 2 of the Dataset)")], ids=["dict", "examples", "Dataset"])
@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_training_data_holding_an_int_beyond_float64_is_refused_as_net_x_refuses_it(data, said, precision):
    """torch's words were shown ('cannot make a tensor from list: int too large to convert to float'; a Dataset's
    raised OverflowError itself), kind not-a-tensor, no example named; net(x) says precision-range."""
    with pytest.raises(DataError, match=rf"^training data: {re.escape(said)}: {_BEYOND}; scale the data$") as caught:
        net_train(_net(), data, batch_size=4, max_training_rounds=1, progress=False, working_precision=precision)
    diagnostic = caught.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.port, diagnostic.example, diagnostic.found) == \
        ("precision-range", "Input", 2, -2**1100)


def test_validation_data_holding_an_int_beyond_float64_is_refused_naming_it():
    data = {"Input": [[1, 0, 2]] * 2, "Target": [[1.0]] * 2}
    with pytest.raises(DataError, match=r"^validation_set: key 'Target' \(example 1\): values as large as 2\*\*1024"):
        net_train(_net(), data, validation_set={**data, "Target": [[1.0], [2**1024]]}, max_training_rounds=1,
                  progress=False)


@pytest.mark.parametrize("huge", [2**1100, -2**1100, 2**1024], ids=["2**1100", "-2**1100", "2**1024"])
def test_a_dataset_item_holding_a_single_int_beyond_float64_is_refused_naming_the_item(huge):
    """Not in a list, it raised torch's own OverflowError from its collation, naming no item or key."""
    class Single(_Items):
        def __getitem__(self, i: int) -> dict:
            return {"Input": [1.0, 0.0, 2.0], "Target": huge if i == 2 else 1.0}
    said = rf"^training data: key 'Target' \(item 2 of the Dataset\): values as large as -?2\*\*{huge.bit_length() - 1}"
    with pytest.raises(DataError, match=said + r" lie beyond float64's range .*; scale the data$") as caught:
        net_train(_net(), Single(), batch_size=4, max_training_rounds=1, progress=False)
    diagnostic = caught.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.port, diagnostic.example, diagnostic.found) == \
        ("precision-range", "Target", 2, huge)


def test_a_dataset_item_holding_an_int_beyond_int64_is_read_as_float64_as_in_memory_data_is():
    """A Dataset's [2**70, ...] was refused as 'cannot be batched' (torch's 'Overflow when unpacking long long')."""
    class Wide(_Items):
        def __getitem__(self, i: int) -> dict:
            return {"Input": [1, 0, 2**70 if i == 2 else 2], "Target": [1.0]}
    result = net_train(_net(), Wide(), batch_size=4, max_training_rounds=1, progress=False, all=True,
                       working_precision="float64")
    assert np.isfinite(result.round_losses[0]) and result.round_losses[0] > 1e30


def test_class_labels_beyond_int64_are_named_as_too_large_not_as_non_integer():
    """A target of [2**70, 1] (read as float64) or of 1e30 was said to hold 'non-integer values', with advice to convert
    them to integers: they are integers, too large for any class index."""
    net = net_initialize(NetChain([LinearLayer(3), SoftmaxLayer()], Input=2), seed=0)
    for target, largest in (([2**70, 1], r"1\.18059e\+21"), ([1e30, 1.0], r"1e\+30")):
        with pytest.raises(DataError, match=rf"\(key 'Target'\): class labels must be class indices from 0 \(shape "
                                            rf"\(b\)\), found values too large for int64 \(as large as {largest}\)$"):
            net_train(net, {"Input": [[1.0, 2.0], [3.0, 4.0]], "Target": target}, max_training_rounds=1,
                      progress=False)
    with pytest.raises(DataError, match=r"found non-integer values of dtype torch\.float32; convert them"):
        net_train(net, {"Input": [[1.0, 2.0], [3.0, 4.0]], "Target": [1.5, 1]}, max_training_rounds=1, progress=False)
