"""A .npz data file holding class names (a str array, as net_train takes for a net with a ClassDecoder) trains from
`netgraph train` as the same dict does in Python; it stopped with torch's raw TypeError ("can't convert np.ndarray
of type numpy.str_") and a traceback. Arrays neither numbers nor text are one DataError naming the file and key."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import DataError, load, net_initialize, net_train
from netgraph.spec import from_yaml
from netgraph.train import load_data

SPEC = """\
netgraph: 1
name: Cls
type: NetChain
layers:
  lin: {type: LinearLayer, output: 3}
  sm: SoftmaxLayer
inputs:
  Input: [4]
outputs:
  Output: {decoder: {type: ClassDecoder, labels: [cat, dog, bird]}}
"""


def _data():
    rng = np.random.default_rng(0)
    return rng.random((30, 4)).astype("float32"), np.array(["cat", "dog", "bird"])[rng.integers(0, 3, 30)]


def test_class_names_in_a_data_file_train_as_in_python(cli):
    x, labels = _data()
    spec = cli.spec(SPEC, "cls.yaml")
    np.savez(cli.folder / "d.npz", Input=x, Target=labels)
    ran = cli("train", spec, "--data", "d.npz", "--rounds", 2, "--seed", 3, "--quiet", "-o", "out")
    assert ran.code == 0 and "trained 2 rounds" in ran.out
    trained = load(cli.folder / "out" / "cls.yaml")
    expected = net_train(net_initialize(from_yaml(SPEC), seed=3), {"Input": x, "Target": labels},
                         max_training_rounds=2, random_seed=3, progress=False)
    torch.testing.assert_close(trained(x, decoder=None), expected(x, decoder=None))


@pytest.mark.parametrize("values, kind", [(np.array([b"a", b"b"]), "bytes"),
                                          (np.array(["2020-01-01", "2021-01-01"], "datetime64[D]"), "datetime64")])
def test_values_neither_numbers_nor_text_name_the_key_and_dtype(tmp_path, values, kind):
    np.savez(tmp_path / "d.npz", Input=np.zeros((2, 4), "float32"), Target=values)
    with pytest.raises(DataError, match=rf"d.npz': key 'Target' holds values of dtype {kind}.*neither numbers .* nor text"):
        load_data(tmp_path / "d.npz")


def test_net_train_takes_a_data_file_path_as_netgraph_train_does(tmp_path):
    """net_train(net, "data.npz") said "'data.npz' is a file, not a .csv or .jsonl table", though netgraph train
    --data reads it and net_train takes a folder or table path."""
    x, labels = _data()
    np.savez(tmp_path / "d.npz", Input=x, Target=labels)
    np.savez(tmp_path / "v.npz", Input=x[:5], Target=labels[:5])
    net = net_initialize(from_yaml(SPEC), seed=3)
    options = {"max_training_rounds": 2, "random_seed": 3, "progress": False, "all": True}
    from_path = net_train(net, str(tmp_path / "d.npz"), validation_set=tmp_path / "v.npz", **options)
    from_dict = net_train(net, {"Input": x, "Target": labels}, validation_set={"Input": x[:5], "Target": labels[:5]},
                          **options)
    torch.testing.assert_close(from_path.trained_net(x, decoder=None), from_dict.trained_net(x, decoder=None))
    assert from_path.validation_losses == from_dict.validation_losses and len(from_path.validation_losses) == 2


INDICES = """\
netgraph: 1
type: NetChain
layers:
  e: {type: EmbeddingLayer, output: 2, n: 5}
  f: FlattenLayer
  h: {type: LinearLayer, output: 3}
  s: SoftmaxLayer
inputs: {Input: {shape: [3], dtype: Integer}}
"""


@pytest.mark.parametrize("key", ["Input", "Target"])
def test_real_values_where_integers_go_are_told_how_to_convert_them_in_numpy_too(cli, key):
    """The hint was torch's alone ("convert with .long()"), though a data file for netgraph train is numpy's."""
    data = {"Input": np.array([[0, 1, 2]] * 4), "Target": np.array([0, 1, 2, 0])}
    data[key] = data[key] + 0.5
    np.savez(cli.folder / "d.npz", **data)
    ran = cli("train", cli.spec(INDICES), "--data", "d.npz", "--rounds", "1", "--quiet", "-o", "out")
    assert ran.code == 1 and f"(key {key!r})" in ran.err
    assert "convert them to integers (numpy: .astype('int64'), torch: .long())" in ran.err
