"""A checkpoint records its net's topology (layer types, options, port shapes, wiring; not array values): resuming
into another net whose arrays merely have the same names and shapes is refused, naming the layers that differ."""

from __future__ import annotations

import pytest
import torch

from netgraph import ElementwiseLayer, LinearLayer, NetChain, OptionError, ShapeError, net_rename, net_train
from netgraph.train.checkpoint import checkpoints, load_checkpoint, read_checkpoint, save_checkpoint

KW = dict(batch_size=8, random_seed=3, progress=False)


def _data() -> dict:
    g = torch.Generator().manual_seed(0)
    return {"Input": torch.randn(32, 2, generator=g), "Target": torch.randn(32, 3, generator=g)}


def _chain(activation: str = "Tanh", *extra) -> NetChain:
    return NetChain([LinearLayer(3), ElementwiseLayer(activation), LinearLayer(3), *extra], input=2)


@pytest.mark.parametrize("other, named", [
    (_chain("Ramp"), "layers '2' (ElementwiseLayer) differ"),
    (_chain("Tanh", ElementwiseLayer("Tanh")), "this net has layers '4' (ElementwiseLayer), which it had not"),
])
def test_resume_into_another_net_with_the_same_arrays_is_refused_naming_the_layers(tmp_path, other, named):
    net_train(_chain(), _data(), max_training_rounds=2, checkpoint=tmp_path, **KW)
    with pytest.raises(OptionError, match="written for another net") as info:
        net_train(other, _data(), max_training_rounds=3, checkpoint=tmp_path, resume=True, **KW)
    assert named in str(info.value) and str(checkpoints(tmp_path)[-1]) in str(info.value)
    net_train(_chain(), _data(), max_training_rounds=3, checkpoint=tmp_path, resume=True, **KW)  # the same net
    assert checkpoints(tmp_path)[-1].name == "round-000003.pt"


def test_a_checkpoint_without_a_recorded_topology_still_resumes(tmp_path):
    """Checkpoints written before the topology was recorded pass (their arrays are still checked)."""
    net_train(_chain(), _data(), max_training_rounds=2, checkpoint=tmp_path / "new", **KW)
    data = read_checkpoint(checkpoints(tmp_path / "new")[-1])
    assert set(data["topology"]) == {"", "1", "2", "3"}
    old = {k: v for k, v in data.items() if k not in ("format", "version", "round", "sha256", "topology")}
    save_checkpoint(tmp_path / "old", old, round=2)
    trained = net_train(_chain("Ramp"), _data(), max_training_rounds=3, checkpoint=tmp_path / "old", resume=True, **KW)
    assert isinstance(trained, NetChain)


def test_arrays_named_otherwise_say_which_side_lacks_them(tmp_path):
    """A checkpoint loaded into the net with a layer renamed said 'first.Weights: checkpoint None, net (3, 2)': None
    read as a value; it names the side that lacks each array, and says why names can differ."""
    chain = NetChain({"l1": LinearLayer(3), "act": "Tanh", "l2": LinearLayer(3)}, input=2)
    net_train(chain, _data(), max_training_rounds=1, checkpoint=tmp_path, **KW)
    with pytest.raises(OptionError) as info:
        load_checkpoint(net_rename(chain, {"l1": "first"}), tmp_path)
    message = str(info.value)
    assert "first.Weights: (3, 2) in the net, not in the checkpoint" in message
    assert "l1.Weights: (3, 2) in the checkpoint, not in the net" in message and "None" not in message
    assert "renamed" in info.value.diagnostics[0].hint and info.value.diagnostics[0].kind == "checkpoint-mismatch"


def test_load_checkpoint_takes_a_layer_alone_as_net_train_does(tmp_path):
    # net_train(layer, ..., checkpoint=) trains the net of the layer alone and gives the layer back; load_checkpoint
    # of that layer was an AttributeError (a layer has no compile()), not the trained layer
    layer = LinearLayer(3, input=2)
    trained = net_train(layer, _data(), max_training_rounds=2, checkpoint=tmp_path, **KW)
    loaded = load_checkpoint(layer, tmp_path)
    assert isinstance(loaded, LinearLayer)
    assert all(torch.equal(loaded.arrays[name], trained.arrays[name]) for name in ("Weights", "Biases"))


def test_load_checkpoint_of_a_layer_with_no_input_shape_says_to_give_it_the_input_it_was_trained_with(tmp_path):
    # net_train(LinearLayer(3), ...) trains (the data gives the shape); loading into it said to give a *graph* input
    net_train(LinearLayer(3), _data(), max_training_rounds=1, checkpoint=tmp_path, **KW)
    with pytest.raises(ShapeError, match=r"layer LinearLayer has no input shape.*give it the input= it was trained"):
        load_checkpoint(LinearLayer(3), tmp_path)
