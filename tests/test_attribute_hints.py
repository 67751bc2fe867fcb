"""A net is not an nn.Module: what torch and Keras users reach for on it (net.parameters(), net.to('cuda'),
net.summary(), net.predict(x)) is an AttributeError saying what netgraph has instead."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch

from netgraph import LinearLayer, NetChain, NetGraph, net_initialize


def _net():
    return net_initialize(NetChain([LinearLayer(3), "Tanh", LinearLayer(2)], input=4), seed=0)


@pytest.mark.parametrize("name, hint", [("parameters", "module = net.compile() is one"),
                                        ("to", "module.to('cuda')"), ("state_dict", "module.to_net() gives the net"),
                                        ("eval", "net(x) runs in test mode already"),
                                        ("summary", "net.information() prints the summary"),
                                        ("predict", "call the net: net(x)"), ("fit", "net_train(net, data"),
                                        ("evaluate", "attach_losses(net, loss_function)"),
                                        ("get_layer", "net['name']"), ("load_weights", "net_replace_part(net, dict("),
                                        ("trainable", "net_set_learning_rate_multipliers(net, {'layer': 0})"),
                                        ("device", "net.compile().to('cuda')(x.cuda())"),
                                        ("training", "net(x, mode='train') in training mode"),
                                        ("append", "net_append(net, layer) returns"),
                                        ("insert", "net_insert(net, layer, before) returns"),
                                        ("add_module", "net_append(net, {'name': layer}) names it")])
def test_torch_and_keras_names_say_what_a_net_has_instead(name, hint):
    with pytest.raises(AttributeError) as info:
        getattr(_net(), name)
    assert str(info.value).startswith(f"'NetChain' object has no attribute {name!r}: ")
    assert hint in str(info.value) and info.value.name == name


@pytest.mark.parametrize("name, hint", [("children", "list(net)"), ("named_children", "net.layers.items()")])
def test_children_point_to_the_net_as_a_sequence_of_its_layers(name, hint):
    """A net is iterable as nn.Sequential: children() need not compile it, and the hint says so."""
    net = _net()
    with pytest.raises(AttributeError) as info:
        getattr(net, name)
    message = str(info.value)
    assert hint in message and "len(net)" in message and "net[0]" in message and "compile" not in message
    assert len(list(net)) == len(net) == len(net.layers.items()) == 3 and net[0] == list(net)[0]


def test_other_missing_attributes_read_as_python_says_them():
    net = NetGraph([LinearLayer(2)], [], Input=3)
    with pytest.raises(AttributeError, match=r"^'NetGraph' object has no attribute 'nothing_here'$"):
        net.nothing_here
    assert not hasattr(net, "parameters") and getattr(net, "summary", None) is None


def test_a_call_and_copies_read_no_missing_attribute(monkeypatch):
    """The hint runs on misses only: net(x), pickling and copying never look up an attribute a net lacks."""
    from netgraph.core import graph
    net, x, missed = _net(), torch.randn(5, 4), []
    net(x)
    original = graph.NetGraph.__getattr__
    monkeypatch.setattr(graph.NetGraph, "__getattr__", lambda self, name: missed.append(name) or original(self, name))
    for _ in range(3):
        net(x)
    assert missed == []
    assert pickle.loads(pickle.dumps(net)) == net and copy.deepcopy(net) == net


@pytest.mark.parametrize("name, hint", [("history", "r.round_losses, r.validation_losses and r.round_metrics"),
                                        ("model", "r.trained_net (the best-validation net")])
def test_keras_history_names_on_results_say_what_they_hold(name, hint):
    from netgraph import net_train
    x = torch.randn(16, 4)
    results = net_train(NetGraph([LinearLayer(2)], [], Input=4), {"Input": x, "Target": x[:, :2]},
                        max_training_rounds=1, progress=False, all=True)
    with pytest.raises(AttributeError) as info:
        getattr(results, name)
    assert str(info.value).startswith(f"'NetTrainResults' object has no attribute {name!r}: ")
    assert hint in str(info.value)
    assert copy.deepcopy(results).round_losses == results.round_losses


@pytest.mark.parametrize("name, hint", [
    ("final_net", "r.training_net (the final round's net; r.trained_net is the best validation round's)"),
    ("FinalNet", "r.training_net (the final round's net; r.trained_net is the best validation round's)"),
    ("TrainedNet", "r.trained_net, or r['TrainedNet'] by Wolfram's property name"),
    ("round_loss_list", "r.round_losses, or r['RoundLossList'] by Wolfram's property name"),
    ("LossEvolutionPlot", "r.loss_plot_svg(), or r['LossPlot'] by Wolfram's property name"),
    ("batches_per_round", "Wolfram's property 'BatchesPerRound' is not kept by netgraph's NetTrainResults; "
                           "r['Properties'] lists those that are")])
def test_wolfram_property_names_on_results_say_which_attribute_holds_them(name, hint):
    from netgraph.train.results import NetTrainResults
    results = NetTrainResults(trained_net=None, training_net=None, round_losses=[1.0], batch_losses=[1.0],
                              validation_losses=[], best_validation_round=None, total_rounds=1, total_batches=1,
                              batch_size=8, examples_processed=8, total_training_time=0.1,
                              reason_training_stopped="MaxTrainingRounds")
    with pytest.raises(AttributeError) as info:
        getattr(results, name)
    assert str(info.value) == f"'NetTrainResults' object has no attribute {name!r}: {hint}" and info.value.name == name
    with pytest.raises(AttributeError, match=r"^'NetTrainResults' object has no attribute '_final_net'$"):
        results._final_net


@pytest.mark.parametrize("build", [lambda: NetChain([LinearLayer(3)], input_shape=(5,)),
                                   lambda: NetGraph([LinearLayer(3)], [], input_shape=5)])
def test_keras_input_shape_keyword_names_the_port_shape(build):
    from netgraph import WiringError
    with pytest.raises(WiringError, match=r"'input_shape' is neither an input nor an output port of this Net(Graph|Chain) "
                                          r"\(Keras's input_shape= is the input port's shape by its name here: "
                                          r"Input=\(5,\), or NetChain\(layers, input=\(5,\)\)\)"):
        build()


@pytest.mark.parametrize("name", ["learning_rate_multipliers", "LearningRateMultipliers"])
@pytest.mark.parametrize("kind", [NetGraph, NetChain])
def test_wolfram_learning_rate_multipliers_option_of_a_net_names_the_function(name, kind):
    """Wolfram's NetGraph[..., LearningRateMultipliers -> rules]: it said only that no port has that name."""
    from netgraph import WiringError
    with pytest.raises(WiringError) as info:
        kind([LinearLayer(3)], **({"input": 5} if kind is NetChain else {"Input": 5}), **{name: {1: 0}})
    assert ("(Wolfram's LearningRateMultipliers option of a net is net_set_learning_rate_multipliers(net, rules) "
            "here)") in str(info.value)


def test_keras_trainable_false_says_how_to_freeze():
    with pytest.raises(AttributeError) as info:
        _net().trainable = False
    assert str(info.value).startswith("NetChain is immutable (a value: edits return new nets): use "
                                      "net.replace_layers(...) or a surgery function, not net.trainable = ...; to "
                                      "freeze its arrays in training (Keras's trainable = False), give them a "
                                      "learning-rate multiplier of 0: "
                                      "net_set_learning_rate_multipliers(net, {'All': 0})")


@pytest.mark.parametrize("net", [_net(), NetGraph([LinearLayer(2)], [], Input=3)])
def test_setting_or_deleting_a_nets_attribute_is_a_frozen_layer_error_as_for_a_layer(net):
    """It was a plain AttributeError, where a layer's is a FrozenLayerError (an OptionError) with its fields."""
    from netgraph import OptionError
    from netgraph.core.errors import FrozenLayerError
    kind = type(net).__name__
    with pytest.raises(FrozenLayerError) as info:
        net.layers = {}
    assert str(info.value) == (f"{kind} is immutable (a value: edits return new nets): use "
                               f"net.replace_layers(...) or a surgery function, not net.layers = ...")
    assert isinstance(info.value, OptionError) and isinstance(info.value, AttributeError)
    assert (info.value.name, info.value.diagnostics[0].option, info.value.diagnostics[0].kind) == (
        "layers", "layers", "frozen-net")
    with pytest.raises(FrozenLayerError, match=rf"^{kind} is immutable .* not del net.layers$"):
        del net.layers
    net._scratch = 1  # its own private state, as before
    assert net._scratch == 1


def test_kerass_compile_options_say_they_are_net_trains():
    """Found by QA with Keras habits: net.compile(optimizer='adam', loss='mse') was Python's TypeError."""
    from netgraph import OptionError
    with pytest.raises(OptionError, match=r"net.compile\(\) makes the nn.Module and takes only checks=; Keras's "
                                          r"compile\(optimizer=, loss=, metrics=\) are net_train's method=, "
                                          r"loss_function=, metrics= \(found optimizer=, loss=\)"):
        _net().compile(optimizer="adam", loss="mse")
    assert isinstance(_net().compile(checks=False), torch.nn.Module)



@pytest.mark.parametrize("name, key, option", [("weight", "Weights", "weights"), ("bias", "Biases", "biases"),
                                               ("Weights", "Weights", "weights")])
def test_torchs_array_names_on_a_layer_say_where_the_array_is(name, key, option):
    """Found by QA with torch habits: net['fc1'].weight (nn.Linear's) was Python's bare AttributeError."""
    layer = _net()[0]
    with pytest.raises(AttributeError) as info:
        getattr(layer, name)
    assert str(info.value) == (f"'LinearLayer' object has no attribute {name!r}: its array {key!r} is "
                               f"layer.arrays[{key!r}] (also layer.{option})")
    assert info.value.name == name and torch.equal(layer.arrays[key], getattr(layer, option))
    with pytest.raises(AttributeError, match=r"^'LinearLayer' object has no attribute 'nothing_here'$"):
        layer.nothing_here


@pytest.mark.parametrize("make, probe, typo, hint", [
    (lambda: _net()[0], "_applications", "weight", "its array 'Weights' is layer.arrays['Weights']"),
    (_net, "_applications", "parameters", "module = net.compile() is one"),
])
def test_a_probe_that_misses_writes_no_hint(monkeypatch, make, probe, typo, hint):
    """The library probes layers and nets (getattr(layer, "_applications", 1)): a miss wrote the hint (an array's
    name searched for) every time; it is written only when the error is read, as for a user's typo."""
    from netgraph.core import attribute_hints
    calls, original = [], attribute_hints.attribute_hint
    monkeypatch.setattr(attribute_hints, "attribute_hint", lambda *args: calls.append(args) or original(*args))
    value = make()
    assert getattr(value, probe, None) is None and not hasattr(value, probe) and calls == []
    with pytest.raises(AttributeError) as info:
        getattr(value, typo)
    assert hint in str(info.value) and info.value.name == typo and len(calls) == 1
    assert hint in str(pickle.loads(pickle.dumps(info.value)))  # an error sent to another process keeps its words


@pytest.mark.parametrize("make, typo, meant", [(_net, "informaton", "information"), (_net, "to_yml", "to_yaml"),
                                               (lambda: _net()[0], "informaton", "information"),
                                               (lambda: _net()[0], "replce", "replace"),
                                               (lambda: _net()[0], "outptu", "output")])
def test_a_mistyped_attribute_names_the_one_meant_once(make, typo, meant):
    """A typo names the attribute meant, in the message itself (str, pytest, a log) and once in a traceback."""
    import traceback
    with pytest.raises(AttributeError) as info:
        getattr(make(), typo)
    assert str(info.value).endswith(f"object has no attribute {typo!r} (did you mean {meant!r}?)")
    assert info.value.name == typo
    shown = "".join(traceback.format_exception(info.value))
    assert shown.lower().count("did you mean") == 1
