"""A cross-entropy fed by a SoftmaxLayer leaves its [0, 1] check of that port out of the compiled forward (it cannot
fail there: EmitContext.known_probabilities); every other producer keeps it; compiled and interpreted agree. The loss
is cast back to the input's dtype only where it was widened."""

from __future__ import annotations

import pytest
import torch

import netgraph.layers.losses as losses
from netgraph import (CrossEntropyLossLayer, DataError, ElementwiseLayer, NetGraph, NetPort, SoftmaxLayer,
                      net_initialize)
from netgraph.backend.interpreter import interpret


class OwnSoftmax(SoftmaxLayer, register=False):
    """A user's subclass: what it computes is its own, so its outputs are checked."""

    def emit(self, ctx):
        return f"(2 * torch.softmax({ctx.args[0]}, -1))"


@pytest.fixture
def checked_ports(monkeypatch):
    """The ports each forward checked as probabilities, in call order."""
    seen, check = [], losses.checked_probabilities

    def counting(v, label, port, layer, nan):
        seen.append(port)
        return check(v, label, port, layer, nan)
    monkeypatch.setattr(losses, "checked_probabilities", counting)
    return seen


def _net(form: str, producer) -> NetGraph:
    return net_initialize(NetGraph({"p": producer, "loss": CrossEntropyLossLayer(form)}, [("p", "loss")], Input=4))


def _inputs(form: str, g: torch.Generator) -> dict[str, torch.Tensor]:
    target = torch.randint(0, 4, (5,), generator=g) if form == "Index" else torch.randn(5, 4, generator=g).softmax(-1)
    return {"Input": torch.randn(5, 4, generator=g), "Target": target}


@pytest.mark.parametrize("form, expected", [("Index", []), ("Probabilities", ["Target"])])
def test_a_softmax_input_is_not_checked_and_compiled_equals_interpreted(form, expected, checked_ports):
    net = _net(form, SoftmaxLayer())
    module, inputs = net.compile(), _inputs(form, torch.Generator().manual_seed(0))
    compiled = module(**inputs)
    assert checked_ports == expected
    torch.testing.assert_close(compiled, interpret(net, module, **inputs), rtol=0, atol=0)
    assert checked_ports[len(expected):] == ["Input", *expected]  # the interpreter checks every port as before


def test_a_softmax_target_is_not_checked(checked_ports):
    layers = {"p": SoftmaxLayer(), "q": SoftmaxLayer(), "loss": CrossEntropyLossLayer("Probabilities")}
    edges = [(NetPort("Input"), "p"), (NetPort("Scores"), "q"), ("p", NetPort("loss", "Input")),
             ("q", NetPort("loss", "Target"))]
    net = net_initialize(NetGraph(layers, edges, Input=4, Scores=4))
    g = torch.Generator().manual_seed(1)
    inputs = {"Input": torch.randn(3, 4, generator=g), "Scores": torch.randn(3, 4, generator=g)}
    module = net.compile()
    torch.testing.assert_close(module(**inputs), interpret(net, module, **inputs), rtol=0, atol=0)
    assert checked_ports == ["Input", "Target"]  # the interpreter's only


@pytest.mark.parametrize("form", ["Index", "Probabilities"])
@pytest.mark.parametrize("producer", [ElementwiseLayer("Tanh"), OwnSoftmax()], ids=["tanh", "own-softmax"])
def test_other_producers_are_still_checked(form, producer):
    """tanh(-3) < 0; the subclass's 2 softmax(5, 0, 0, -3) has 1.96."""
    net = _net(form, producer)
    inputs = {"Input": torch.tensor([[5.0, 0.0, 0.0, -3.0]] * 2), "Target": torch.tensor([0, 1]) if form == "Index" else
              torch.full((2, 4), 0.25)}
    with pytest.raises(DataError, match="port 'Input' takes probabilities in \\[0, 1\\]"):
        net.compile()(**inputs)


@pytest.mark.parametrize("form, logits", [("Probabilities", False), ("Probabilities", True), ("Binary", False),
                                          ("Binary", True)])
def test_the_loss_is_cast_back_only_where_it_was_widened(form, logits):
    """float32 computes in float32: no ``.to`` of its own dtype (as costly as an op); bfloat16 computes in float32 and
    comes back in bfloat16, equal to the interpreter's."""
    net = net_initialize(NetGraph({"loss": CrossEntropyLossLayer(form, logits=logits)}, [], Input=4))
    g = torch.Generator().manual_seed(2)
    inputs = {"Input": torch.rand(3, 4, generator=g), "Target": torch.rand(3, 4, generator=g).softmax(-1)}
    module = net.compile()
    with torch.profiler.profile(record_shapes=True) as prof:
        module(**inputs)
    tensors = prof.key_averages(group_by_input_shape=True)  # not the 0-dim tensor made of 1 in 1 - x
    assert "aten::to" not in {e.key for e in tensors if e.input_shapes and e.input_shapes[0]}
    narrow = {port: v.bfloat16() for port, v in inputs.items()}
    module = module.bfloat16()
    found = module(**narrow)
    assert found.dtype == torch.bfloat16
    torch.testing.assert_close(found, interpret(net, module, **narrow), rtol=0, atol=0)


@pytest.mark.parametrize("function", ["LogisticSigmoid", "Sigmoid", "LogisticSigmoid[2 # + 1]"])
def test_a_sigmoid_input_to_binary_is_not_checked_and_compiled_equals_interpreted(function, checked_ports):
    net = _net("Binary", ElementwiseLayer(function))
    g = torch.Generator().manual_seed(3)
    inputs = {"Input": 30 * torch.randn(5, 4, generator=g), "Target": torch.rand(5, 4, generator=g)}
    module = net.compile()
    compiled = module(**inputs)
    assert checked_ports == ["Target"]
    torch.testing.assert_close(compiled, interpret(net, module, **inputs), rtol=0, atol=0)
    assert checked_ports[1:] == ["Input", "Target"]


@pytest.mark.parametrize("producer, value", [(ElementwiseLayer("LogisticSigmoid"), float("nan")),
                                             (SoftmaxLayer(), float("inf")),
                                             (ElementwiseLayer("LogisticSigmoid[Sqrt[#]]"), -1.0)],
                         ids=["sigmoid-nan", "softmax-inf", "sigmoid-of-sqrt"])
def test_a_nan_into_binary_is_left_to_the_non_finite_checks_in_both_paths(producer, value):
    """The README: NaN is no cross-entropy DataError, whether the port is checked (interpreter) or not (compiled)."""
    net = _net("Binary", producer)
    inputs = {"Input": torch.tensor([[0.0, value, 1.0, 4.0]]), "Target": torch.full((1, 4), 0.5)}
    module = net.compile()
    compiled = module(**inputs)
    assert torch.isnan(compiled).all()
    torch.testing.assert_close(compiled, interpret(net, module, **inputs), rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize("function", ["Tanh", "LogisticSigmoid[#] * 2", "1 - 2 LogisticSigmoid[#]"])
def test_binary_still_checks_other_elementwise_producers(function):
    """tanh(-3) < 0; 2 sigmoid(5) > 1; 1 - 2 sigmoid(5) < 0: none of them is a sigmoid's output."""
    inputs = {"Input": torch.tensor([[5.0, 0.0, 0.0, -3.0]] * 2), "Target": torch.full((2, 4), 0.25)}
    with pytest.raises(DataError, match="port 'Input' takes probabilities in \\[0, 1\\]"):
        _net("Binary", ElementwiseLayer(function)).compile()(**inputs)


@pytest.mark.parametrize("form", ["Probabilities", "Binary"])
def test_the_forward_reads_the_loss_module_once(form, monkeypatch):
    """Each ``self.loss`` is nn.Module.__getattr__ (Python, 0.3-0.8 µs): the loss's code reads it into a local."""
    module = _net(form, ElementwiseLayer("Tanh")).compile()
    read, getattr_ = [], torch.nn.Module.__getattr__
    monkeypatch.setattr(type(module), "__getattr__", lambda self, name: read.append(name) or getattr_(self, name),
                        raising=False)
    inputs = {"Input": torch.rand(3, 4), "Target": torch.rand(3, 4).softmax(-1)}
    module(**inputs)
    assert read.count("loss") == 1


@pytest.mark.parametrize("size, views", [(40, 0), (4096, 1)])
def test_a_small_check_reads_the_floats_and_a_large_one_their_bits(size, views):
    """Below losses' _BITS_FROM values the one aminmax goes over the floats (a view costs more than it saves there)."""
    v = torch.rand(size)
    with torch.profiler.profile() as prof:
        assert losses.checked_probabilities(v, "L", "Target", None, True) is v
    assert sum(e.count for e in prof.key_averages() if e.key == "aten::view") == views
    for bad, found in ((-0.5, -0.5), (1.5, 1.5)):  # both paths still find what is outside
        with pytest.raises(DataError, match=f"found {found}"):
            losses.checked_probabilities(torch.cat([v, torch.tensor([bad])]), "L", "Target", None, True)
    assert losses.checked_probabilities(torch.cat([v, torch.tensor([-0.0, float("nan")])]), "L", "T", None, True) \
        is not None  # -0. is in [0, 1]; NaN is left to the non-finite checks


@pytest.mark.parametrize("target, found", [(3.0, "3.0"), (-0.5, "-0.5")])
def test_binary_logits_checks_its_target_in_both_paths(target, found):
    """logits=True frees Input, not Target: 3.0 gave a negative loss (-0.53) with no error."""
    net = net_initialize(NetGraph({"loss": CrossEntropyLossLayer("Binary", logits=True)}, [], Input=2))
    inputs = {"Input": torch.tensor([[1.0, -1.0]]), "Target": torch.tensor([[0.5, target]])}
    module = net.compile()
    for run in (lambda: module(**inputs), lambda: interpret(net, module, **inputs)):
        with pytest.raises(DataError, match=f"port 'Target' takes probabilities in \\[0, 1\\], found {found}"):
            run()
