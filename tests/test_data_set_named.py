"""Which data set a problem is about travels as data (``Diagnostic.data``), so the command line names the flag and
file the user typed: ``netgraph train --validation v.npz`` said "bad validation_set: ...", net_train's keyword."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetChain
from netgraph.core.errors import DataError, DataRef, Diagnostic, OptionError, raise_all
from netgraph.train import net_train


def _net():
    return NetChain([LinearLayer(1)], input=3)


def _fit(data, validation):
    net_train(_net(), data, validation_set=validation, max_training_rounds=1, progress=False)


GOOD = {"Input": torch.ones(8, 3), "Target": torch.ones(8, 1)}


def test_raise_all_keeps_fields_for_every_problem():
    with pytest.raises(OptionError) as info:
        raise_all(["a", Diagnostic("b", option="x"), "c"], OptionError, "bad", option="y")
    assert [d.option for d in info.value.diagnostics] == ["y", "x", "y"]


@pytest.mark.parametrize("validation, problems", [
    ({"Input": torch.ones(8, 3), "Targte": torch.ones(8, 1)}, 2),  # listed problems (raise_all)
    ({"Input": torch.ones(8, 3), "Target": torch.ones(8, 2)}, 1),
    ([{"Input": torch.ones(n, 3), "Target": torch.ones(n, 1)} for n in (2, 3)], 2),  # ragged: example shapes
])
def test_validation_problems_say_which_data_set(validation, problems):
    with pytest.raises(DataError) as info:
        _fit(GOOD, validation)
    assert len(info.value.diagnostics) == problems
    assert {d.data.name for d in info.value.diagnostics} == {"validation"}
    assert all(d.detail and "validation_set" not in d.detail for d in info.value.diagnostics)


def test_training_problems_say_which_data_set():
    with pytest.raises(DataError) as info:
        _fit({"Input": torch.ones(8, 3)}, None)
    assert info.value.diagnostics[0].data == DataRef("training", "training data")


def test_a_streamed_batch_says_which_data_set_and_batch():
    loader = torch.utils.data.DataLoader([{"Input": torch.ones(3), "Target": torch.ones(2)}] * 4, batch_size=2)
    with pytest.raises(DataError) as info:
        _fit(GOOD, loader)
    assert info.value.diagnostics[0].data == DataRef("validation", "validation_set", "batch 1")


def test_cli_names_the_validation_flag_and_file(cli):
    spec, data = cli.spec(), cli.data()
    np.savez(cli.folder / "v.npz", Input=np.ones((8, 3), "float32"), Targte=np.ones((8, 1), "float32"))
    ran = cli("train", spec, "--data", data, "--validation", "v.npz", "-o", "out", "--quiet")
    assert ran.code == 1
    assert "--validation v.npz: 2 problems:" in ran.err and "validation_set" not in ran.err
    assert "missing key 'Target'" in ran.err and "unknown key 'Targte'" in ran.err


def test_cli_names_the_data_flag_and_file(cli):
    spec = cli.spec()
    np.savez(cli.folder / "d.npz", Input=np.ones((8, 3), "float32"), Target=np.ones((8, 2), "float32"))
    ran = cli("train", spec, "--data", "d.npz", "-o", "out", "--quiet")
    assert ran.code == 1 and "--data d.npz: target of output port 'Output'" in ran.err
    assert "training data" not in ran.err


SEQUENCES = """\
netgraph: 1
type: NetChain
layers: {last: SequenceLastLayer, h: {type: LinearLayer, output: 1}}
inputs: {Input: [n, 3]}
"""


def _ragged_nan_targets(folder):
    """Six sequences of lengths 1..6 (padded, with `Input.lengths`), every target NaN."""
    np.savez(folder / "rag.npz", Input=np.ones((6, 6, 3), "float32"), **{"Input.lengths": np.arange(1, 7)},
             Target=np.full((6, 1), np.nan, "float32"))


def test_held_out_problems_name_validation_set(tmp_path):
    """The part validation_set=<fraction> holds out of the training data was "bad validation data (...)", naming
    no option."""
    from netgraph.spec import from_yaml
    _ragged_nan_targets(tmp_path)
    data = dict(np.load(tmp_path / "rag.npz"))
    sequences = [torch.from_numpy(x[:n]) for x, n in zip(data["Input"], data["Input.lengths"])]
    with pytest.raises(DataError) as info:
        net_train(from_yaml(SEQUENCES), {"Input": sequences, "Target": torch.from_numpy(data["Target"])},
                  validation_set=0.5, max_training_rounds=1, progress=False)
    assert info.value.diagnostics[0].data.name == "held-out"
    assert str(info.value).startswith("bad validation data held out by validation_set: target"), info.value


def test_cli_names_the_data_flag_and_the_validation_fraction_of_held_out_problems(cli):
    _ragged_nan_targets(cli.folder)
    ran = cli("train", cli.spec(SEQUENCES), "--data", "rag.npz", "--validation", "0.5", "-o", "out", "--quiet")
    assert ran.code == 1
    assert ran.err.startswith("netgraph train: --data rag.npz, the part --validation 0.5 holds out: "
                              "target"), ran.err
    assert "validation_set" not in ran.err and "validation data" not in ran.err


LABELS = """\
netgraph: 1
type: NetChain
layers: {lin: {type: LinearLayer, output: 3}, sm: SoftmaxLayer}
inputs: {Input: [4]}
outputs: {Output: {decoder: {type: ClassDecoder, labels: [cat, dog, bird]}}}
"""


def test_cli_names_the_data_flag_and_the_validation_fraction_of_held_out_labels(cli):
    """Labels the decoder lacks, in the part --validation 0.5 holds out, were "bad validation data: ..."."""
    np.savez(cli.folder / "labels.npz", Input=np.ones((8, 4), "float32"), Target=np.array(["fish"] * 8))
    ran = cli("train", cli.spec(LABELS), "--data", "labels.npz", "--validation", "0.5", "-o", "out", "--quiet")
    assert ran.code == 1
    assert ran.err.startswith("netgraph train: --data labels.npz, the part --validation 0.5 holds out: target "
                              "'Target' of output port 'Output' (ClassDecoder): example "), ran.err
    assert "validation_set" not in ran.err and "validation data" not in ran.err
