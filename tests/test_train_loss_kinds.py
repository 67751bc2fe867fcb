"""Problems of the loss and its targets have kinds and fields a program reads: a loss called with outputs or a batch
of another form, a target the batch lacks, a loss of another count of values than examples, a target the loss would
leave unread, and a metric's target the data lacks."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, LinearLayer, NetChain, NetGraph, NetPort, OptionError, SoftmaxLayer, net_initialize
from netgraph import net_train
from netgraph.train.loss import attach_losses
from tests.diagnostic_helpers import sole_diagnostic


def _classifier():
    return net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], Input=2), seed=0)


def _regression():
    return NetChain([LinearLayer(1)], Input=2)


def _data(n=8):
    x = torch.randn(n, 2, generator=torch.Generator().manual_seed(0))
    return {"Input": x, "Target": x[:, :1]}


def _train(net, data, **options):
    return net_train(net, data, **{"max_training_rounds": 1, "progress": False, **options})


def test_outputs_not_given_by_port_are_loss_arguments():
    net, batch = _classifier(), _data()
    out = net.compile()(Input=batch["Input"])
    d = sole_diagnostic(lambda: attach_losses(net, None)(out, batch), DataError)
    assert (d.kind, d.expected, d.found) == ("loss-arguments", ("Output",), ("Tensor", "dict"))


def test_a_batch_without_the_target_is_a_missing_key_of_the_loss_s_port():
    net, batch = _classifier(), _data()
    out = net.compile()(Input=batch["Input"])
    d = sole_diagnostic(lambda: attach_losses(net, None)({"Output": out}, {"Targets": batch["Target"]}), DataError)
    assert (d.kind, d.port, d.expected, d.found) == ("missing-key", "Output", "Target", ("Targets",))


def test_a_loss_of_another_count_of_values_than_examples_is_loss_values():
    loss = lambda outputs, batch: outputs["Output"][:3, 0]  # noqa: E731 - three values for eight examples
    d = sole_diagnostic(lambda: _train(_regression(), _data(), loss_function=loss, batch_size=8), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == ("loss-values", "loss_function", 8, 3)


def test_a_target_a_loss_dict_leaves_out_is_an_unread_target():
    net = NetGraph({"h": LinearLayer(4), "c": LinearLayer(3), "s": SoftmaxLayer(), "v": LinearLayer(1)},
                   [(NetPort("Input"), "h", "c", "s", NetPort("Class")), ("h", "v", NetPort("Value"))], Input=2)
    data = {"Input": torch.randn(8, 2), "Class": torch.arange(8) % 3, "Value": torch.randn(8, 1)}
    d = sole_diagnostic(lambda: _train(net, data, loss_function={"Class": 1.0}), DataError)
    assert (d.kind, d.option, d.port, d.expected, d.found) == (
        "unread-target", "loss_function", "Value", "a loss_function term for 'Value'", "Value")


def test_a_target_beside_an_output_used_as_the_loss_is_an_unread_target():
    d = sole_diagnostic(lambda: _train(_regression(), _data(), loss_function="Output"), DataError)
    assert (d.kind, d.option, d.port, d.expected, d.found) == (
        "unread-target", "loss_function", "Output", "no target for 'Output'", "Target")


def test_a_metric_target_the_data_lacks_is_a_missing_key_of_metrics():
    loss = lambda outputs, batch: outputs["Output"].square().sum(1)  # noqa: E731 - a loss that reads no target
    d = sole_diagnostic(lambda: _train(_regression(), {"Input": _data()["Input"]}, loss_function=loss,
                                       metrics=["MAE"]), OptionError)
    assert (d.kind, d.option, d.port, d.expected, d.found) == ("missing-key", "metrics", "Output", "Target",
                                                               ("Input",))


def test_a_net_whose_outputs_are_all_muted_is_refused_in_the_words_export_and_gradients_use():
    net = net_initialize(NetGraph({"a": LinearLayer(3)}, [(NetPort("x"), "a"), ("a", None)], x=2), seed=0)
    try:
        _train(net, {"x": torch.randn(4, 2)})
    except OptionError as error:
        assert str(error).startswith("loss_function: the net has no output port to attach a loss to (its outputs are "
                                     "all muted); leave one unmuted")
        assert (error.kind, error.option, error.found) == ("port-count", "loss_function", ())
    else:
        raise AssertionError("net_train trained a net without outputs")


def test_an_integer_output_passing_an_input_through_is_named_so_with_the_loss_that_trains_the_rest():
    """It was told as the class indices a RandomArrayLayer draws; the fix it now names is one that trains."""
    from netgraph import AggregationLayer, EmbeddingLayer
    net = NetGraph({"e": EmbeddingLayer(4, 10), "p": AggregationLayer("Mean", 1), "l": LinearLayer(1)},
                   [(NetPort("tok"), "e", "p", "l", NetPort("Y")), (NetPort("tok"), NetPort("Echo"))], tok=5)
    tokens = torch.randint(0, 10, (8, 5), generator=torch.Generator().manual_seed(0))
    data = {"tok": tokens, "Y": torch.randn(8, 1, generator=torch.Generator().manual_seed(1))}
    try:
        _train(net, {**data, "Echo": tokens})
    except OptionError as error:
        assert str(error) == ("output port 'Echo' is input 'tok' passed straight through: its Integer values carry no "
                              "gradient, so no automatic loss takes it; give loss_function={'Y': 1} and leave the "
                              "'Echo' key out of the data")
        assert (error.kind, error.option, error.port, error.found) == ("option-value", "loss_function", "Echo",
                                                                        "Integer")
    else:
        raise AssertionError("an automatic loss took Integer values")
    assert _train(net, data, loss_function={"Y": 1}) is not None  # the fix named trains


def test_an_unread_target_of_an_integer_pass_through_output_is_not_advised_the_loss_that_refuses_it():
    """It advised adding 'Echo': 1 (its automatic loss), which the refusal above names as taking no Integer values."""
    from netgraph import AggregationLayer, EmbeddingLayer
    net = NetGraph({"e": EmbeddingLayer(4, 10), "p": AggregationLayer("Mean", 1), "l": LinearLayer(1)},
                   [(NetPort("tok"), "e", "p", "l", NetPort("Y")), (NetPort("tok"), NetPort("Echo"))], tok=5)
    tokens = torch.randint(0, 10, (8, 5), generator=torch.Generator().manual_seed(0))
    data = {"tok": tokens, "Y": torch.randn(8, 1, generator=torch.Generator().manual_seed(1)), "Echo": tokens}
    try:
        _train(net, data, loss_function={"Y": 1})
    except DataError as error:
        assert (error.kind, error.port) == ("unread-target", "Echo")
        assert "automatic loss" not in str(error) and "'Echo': 1" not in str(error)
        assert str(error).endswith("input 'tok' passed straight through: its Integer values carry no gradient; "
                                   "leave the 'Echo' key out of the data")
    else:
        raise AssertionError("the unread 'Echo' target was accepted")


def test_a_real_output_passing_an_input_through_is_refused_an_automatic_loss_naming_the_port():
    """Its automatic loss compared the input with its own target: a constant, no gradient to any array."""
    net = NetGraph({"l": LinearLayer(1)}, [(NetPort("x"), "l", NetPort("Y")), (NetPort("x"), NetPort("Echo"))], x=2)
    x = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    data = {"x": x, "Y": x[:, :1], "Echo": x}
    try:
        _train(net, data)
    except OptionError as error:
        assert str(error) == ("output port 'Echo' is input 'x' passed straight through: no array gives its values, "
                              "so no automatic loss takes it; give loss_function={'Y': 1} and leave the 'Echo' key "
                              "out of the data")
        assert (error.kind, error.option, error.port, error.found) == ("option-value", "loss_function", "Echo", "Real")
    else:
        raise AssertionError("an automatic loss took an input passed straight through")
    try:
        _train(net, data, loss_function={"Y": 1})
    except DataError as error:  # the unread target: not advised the loss refused above
        assert (error.kind, error.port) == ("unread-target", "Echo") and "'Echo': 1" not in str(error)
    else:
        raise AssertionError("the unread 'Echo' target was accepted")
    assert _train(net, {"x": x, "Y": x[:, :1]}, loss_function={"Y": 1}) is not None  # the fix named trains


def test_an_output_passing_an_input_through_a_nested_graph_is_refused_an_automatic_loss():
    """The check looked one level deep: the same graph nested in another trained with Echo's constant MSE term."""
    inner = NetGraph({"l": LinearLayer(1)}, [(NetPort("x"), "l", NetPort("Y")), (NetPort("x"), NetPort("Echo"))], x=2)
    x = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    for net in (NetGraph({"g": inner}, [], x=2), NetGraph({"g": NetGraph({"h": inner}, [], x=2)}, [], x=2)):
        with pytest.raises(OptionError) as info:
            _train(net, {"x": x, "Y": x[:, :1], "Echo": x})
        assert str(info.value).startswith("output port 'Echo' is input 'x' passed straight through")
        assert info.value.port == "Echo" and "loss_function={'Y': 1}" in str(info.value)
    assert _train(NetGraph({"g": inner}, [], x=2), {"x": x, "Y": x[:, :1]}, loss_function={"Y": 1}) is not None


def test_a_net_whose_every_output_passes_an_input_through_is_told_it_has_nothing_to_train():
    """It was advised to give loss_function=, though any loss of such a net is a constant."""
    net = NetGraph({"l": LinearLayer(1)}, [(NetPort("x"), "l"), ("l", None), (NetPort("x"), NetPort("Echo"))], x=2)
    x = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    with pytest.raises(OptionError) as info:
        _train(net, {"x": x, "Echo": x})
    assert "no output a layer computes, so nothing to train" in str(info.value)
    assert "give loss_function" not in str(info.value)
