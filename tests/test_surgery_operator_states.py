"""Surgery on nets holding a NetFoldOperator (its ``State`` ports) or a recurrent layer, at depth 1 and inside another
operator: outputs and state ports kept where the edit keeps them, one clear error where an edit is refused."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CatenateLayer, LinearLayer, LongShortTermMemoryLayer, NetChain, NetFoldOperator, NetGraph,
                      NetMapOperator, NetPort, OptionError, SequenceLastLayer, WiringError, net_delete, net_drop,
                      net_extract, net_flatten, net_initialize, net_rename, net_replace_part,
                      net_set_learning_rate_multipliers, net_train)


def _cell(size=5):
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(size), "act": "Tanh"},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)


def _fold_net():  # the fold at depth 1, its initial state an input and its final state an output
    net = NetGraph({"fold": NetFoldOperator(_cell(), state_input=True), "last": SequenceLastLayer(),
                    "head": LinearLayer(2)}, [("fold", "last", "head")], Input=("n", 3))
    return net_initialize(net, seed=0)


def _mapped_fold():  # the fold at depth 2, inside a NetMapOperator's inner chain
    inner = NetChain([NetFoldOperator(_cell()), SequenceLastLayer()])
    return net_initialize(NetChain({"map": NetMapOperator(inner)}, input=("m", "n", 3)), seed=0)


_DATA = {"Input": torch.randn(2, 6, 3, generator=torch.Generator().manual_seed(0)),
         "InitialState": torch.randn(2, 5, generator=torch.Generator().manual_seed(1))}
_INNER = ("map", "net", "1", "net")  # the fold's inner net in _mapped_fold


@pytest.mark.parametrize("edit", [lambda n: net_rename(n, {("fold", "net", "lin"): "z"}),
                                  lambda n: net_rename(n, {"fold": "rec"}),
                                  net_flatten,
                                  lambda n: net_replace_part(n, {("fold", "net"): net_extract(n, ("fold", "net"))})])
def test_edits_that_keep_the_fold_keep_its_state_ports_and_outputs(edit):
    net = _fold_net()
    edited = edit(net)
    assert edited.input_shapes == {"Input": ("n", 3), "InitialState": (5,)}
    assert edited.output_shapes == {"State": (5,), "Output": (2,)}
    before, after = net(**_DATA), edited(**_DATA)
    for port in ("State", "Output"):
        torch.testing.assert_close(after[port], before[port])


def test_errors_inside_an_operator_inside_an_operator_name_the_function_once():
    """The inner operator's header repeated the function's name: "net_rename: inside ...: net_rename: inside ..."."""
    net = _mapped_fold()
    where = ("inside layer 1 'map' (NetMapOperator), inner net 'net': "
             "inside layer 1 (NetFoldOperator), inner net 'net': ")
    cases = [(net_extract, (*_INNER, "nope"), WiringError), (net_rename, {(*_INNER, "lin"): "cat"}, WiringError),
             (net_replace_part, {(*_INNER, "lin", "Weights"): torch.zeros(2, 2)}, OptionError)]
    for function, spec, error in cases:
        with pytest.raises(error) as info:
            function(net, spec)
        assert str(info.value).startswith(f"{function.__name__}: {where}"), str(info.value)
        assert str(info.value).count(function.__name__) == 1
        assert info.value.diagnostics[0].message.count(function.__name__) == 1


@pytest.mark.parametrize("make, fold", [(_fold_net, ("fold",)), (_mapped_fold, ("map", "net", "1"))])
def test_a_fold_refusing_its_edited_inner_net_is_the_layer_named(make, fold):
    """The fold's own check of its new inner net (no 'State' input left) named no layer, expected or found."""
    net = make()
    edits = [lambda: net_delete(net, (*fold, "net", "cat")), lambda: net_drop(net, (*fold, "net", "cat")),
             lambda: net_replace_part(net, {(*fold, "net"): NetChain([LinearLayer(5)])})]
    for edit in edits:
        with pytest.raises(OptionError, match=r"inside layer 1 .*NetFoldOperator needs an inner net with input "
                                              r"ports 'State'.*found input ports \['Input'\]") as info:
            edit()
        diagnostic = info.value.diagnostics[0]
        assert (diagnostic.kind, diagnostic.layer, diagnostic.option) == ("option-value", fold, "net")
        assert (diagnostic.found, diagnostic.port) == (("Input",), None)  # the bad group: inputs lack State
        assert diagnostic.expected.startswith("input ports 'State' (the previous state) and 'Input'")


@pytest.mark.parametrize("edit", [lambda n: net_rename(n, {("rnn",): "r"}),
                                  lambda n: net_replace_part(n, {"rnn": LongShortTermMemoryLayer(6)})])
def test_resuming_from_a_checkpoint_of_the_net_before_an_edit_is_a_checkpoint_mismatch(tmp_path, edit):
    net = NetChain({"rnn": LongShortTermMemoryLayer(4), "last": SequenceLastLayer()}, input=("n", 3))
    x = torch.randn(4, 5, 3, generator=torch.Generator().manual_seed(0))
    net_train(net, (x, torch.zeros(4, 4)), max_training_rounds=1, batch_size=4, random_seed=0, checkpoint=tmp_path)
    edited = edit(net_initialize(net, seed=0))
    size = edited.output_shapes["Output"][0]
    with pytest.raises(OptionError, match=r"was written for a different net: r(nn)?\.") as info:
        net_train(edited, (x, torch.zeros(4, size)), max_training_rounds=2, batch_size=4, random_seed=0,
                  checkpoint=tmp_path, resume=True)
    assert info.value.kind == "checkpoint-mismatch"


def test_a_frozen_layer_of_a_fold_two_operators_deep_stays_frozen_through_a_rename_and_training():
    inner = NetChain([NetFoldOperator(_cell()), SequenceLastLayer(), LinearLayer(2)])
    net = net_initialize(NetChain({"map": NetMapOperator(inner)}, input=("m", "n", 3)), seed=0)
    frozen = net_set_learning_rate_multipliers(net, {(*_INNER, "lin"): 0})
    renamed = net_rename(frozen, {("map", "net", "1"): "fold"})
    x = torch.randn(4, 2, 6, 3, generator=torch.Generator().manual_seed(2))
    trained = net_train(renamed, (x, torch.ones(4, 2, 2)), max_training_rounds=2, batch_size=2, random_seed=0)
    for array in ("Weights", "Biases"):
        path = ("map", "net", "fold", "net", "lin", array)
        assert torch.equal(net_extract(trained, path), net_extract(net, (*_INNER, "lin", array)))
        head = ("map", "net", "3", array)
        assert not torch.equal(net_extract(trained, head), net_extract(net, head))  # the rest trained


@pytest.mark.parametrize("function, spec, message", [
    (net_rename, {(*_INNER, "lin"): 3}, "the new name of 'lin' must be a string, found 3"),
    (net_replace_part, {(*_INNER, "lin", "Weights"): "abc"},
     "layer 2 'lin' (LinearLayer) array 'Weights' needs a numeric array")])
def test_a_message_raised_with_the_function_in_it_names_it_once_nested_and_at_the_top(function, spec, message):
    """Inside operators these repeated the name: "net_rename: inside ...: inside ...: net_rename: the new name ..."."""
    where = ("inside layer 1 'map' (NetMapOperator), inner net 'net': "
             "inside layer 1 (NetFoldOperator), inner net 'net': ")
    top = {key[len(_INNER):]: value for key, value in spec.items()}
    for net, lead in ((_mapped_fold(), where), (net_extract(_mapped_fold(), _INNER), "")):
        with pytest.raises(OptionError) as info:
            function(net, top if not lead else spec)
        assert str(info.value).startswith(f"{function.__name__}: {lead}{message}"), str(info.value)
        assert str(info.value).count(function.__name__) == 1
