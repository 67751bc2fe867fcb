"""The compiled module as a torch user treats it: pickled / torch.save'd whole, and called with any port names."""

from __future__ import annotations

import io
import pickle
from copy import deepcopy

import pytest
import torch

from netgraph import (DropoutLayer, FunctionLayer, LinearLayer, NetChain, NetGraph, NetPort, NetSharedArray,
                      SoftmaxLayer, net_initialize)
from netgraph.backend.forward_parts import PART_LINES


def _mlp():
    return net_initialize(NetChain({"fc1": LinearLayer(5), "act": "Tanh", "drop": DropoutLayer(0.2),
                                    "fc2": LinearLayer(3)}, input=4), seed=0)


@pytest.mark.parametrize("how", ["pickle", "torch.save"])
def test_compiled_module_pickles_with_its_state(how):
    module = _mlp().compile()
    with torch.no_grad():
        module.fc1.Biases.add_(1.0)  # trained a little: the copy keeps the module's values, not the net's
    module.eval()
    if how == "pickle":
        copy = pickle.loads(pickle.dumps(module))
    else:
        buffer = io.BytesIO()
        torch.save(module, buffer)
        buffer.seek(0)
        copy = torch.load(buffer, weights_only=False)
    x = torch.randn(6, 4)
    assert not copy.training and copy.code == module.code
    assert torch.equal(copy(x), module(x))
    assert list(copy.state_dict()) == list(module.state_dict())
    assert torch.equal(copy.to_net().layers["fc1"].arrays["Biases"], module.fc1.Biases.detach())
    assert torch.equal(copy.net(x), _mlp()(x))


def test_pickled_module_keeps_shared_arrays_tied_and_trains():
    w = NetSharedArray("w")
    net = net_initialize(NetGraph({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)},
                                  [("a", "b")], Input=3), seed=0)
    copy = pickle.loads(pickle.dumps(net.compile()))
    assert copy.a.Weights is copy.b.Weights
    copy(torch.randn(2, 3)).sum().backward()
    assert copy.a.Weights.grad is not None


def test_pickled_module_of_a_forward_in_parts():
    net = net_initialize(NetChain(["Tanh"] * (PART_LINES + 10), input=2))
    module = net.compile()
    assert "forward_part1" in module.code
    x = torch.randn(3, 2)
    assert torch.equal(pickle.loads(pickle.dumps(module))(x), module(x))


def test_a_module_cached_by_its_net_pickles():
    net = _mlp()
    x = torch.randn(2, 4)
    net(x)  # the net caches a module that refers to it weakly
    from netgraph.backend.evaluation import compiled_for_evaluation
    cached = compiled_for_evaluation(net)
    assert torch.equal(pickle.loads(pickle.dumps(cached))(x), net(x))


@pytest.mark.parametrize("name", ["torch", "F", "math", "inf", "len", "max", "input", "checked_batch_size"])
def test_input_port_named_like_a_name_the_forward_reads(name):
    """A graph input named torch or F (a keyword argument of the forward) must not hide torch's functions."""
    layers = {"f": FunctionLayer("Max[#x, 0] + Exp[#x]"), "lin": LinearLayer(2), "drop": DropoutLayer(0.1),
              "soft": SoftmaxLayer()}
    net = net_initialize(NetGraph(layers, [(NetPort(name), "f", "lin", "drop", "soft")], **{name: 3}), seed=0)
    x = torch.randn(4, 3)
    lin = net.layers["lin"].arrays
    top = torch.clamp(x.amax(1, keepdim=True), min=0)  # Wolfram's Max[x, 0]: x's largest element, or 0
    expected = torch.softmax(torch.nn.functional.linear(top + torch.exp(x), lin["Weights"],
                                                        lin["Biases"]), -1)
    assert torch.allclose(net(**{name: x}), expected, atol=1e-6)
    module = net.compile().eval()
    assert torch.allclose(module(x), expected, atol=1e-6)
    assert torch.allclose(module(**{name: x}), expected, atol=1e-6)
    assert net(**{name: x}, mode="train").shape == (4, 2)


def _pickle_examples() -> list:
    from tests.test_layer_parity import EXAMPLES, distribution_examples
    cases = [(f"{name}-{i}", e) for name, examples in EXAMPLES.items() for i, e in enumerate(examples)]
    cases += [(name, e) for name, e in distribution_examples().items()]
    return [case for case in cases if not callable(getattr(case[1].layer, "function", None))]  # user lambdas


@pytest.mark.parametrize("example", [e for _, e in _pickle_examples()], ids=[name for name, _ in _pickle_examples()])
def test_every_layer_module_pickles_after_a_call_with_grad(example):
    """torch.save(module) of every layer type, after a training call (a score-function draw keeps its records)."""
    from tests.test_layer_parity import _as_dict, _inputs
    net = net_initialize(NetGraph([example.layer], [], **example.shapes), seed=0)
    module = net.compile()
    inputs = _inputs(net, example, torch.float32)
    module(**inputs) if inputs else module(batch_size=4)
    copy = pickle.loads(pickle.dumps(module.eval()))
    torch.manual_seed(3)
    expected = _as_dict(module(**inputs) if inputs else module(batch_size=4))
    torch.manual_seed(3)
    found = _as_dict(copy(**inputs) if inputs else copy(batch_size=4))
    for port, value in expected.items():
        torch.testing.assert_close(found[port], value, equal_nan=True)


@pytest.mark.parametrize("how", ["pickle", "torch.save", "deepcopy"])
def test_a_module_with_pending_score_function_records_pickles_without_them(how):
    """A score-function draw leaves records for surrogate_loss on its layer (weak references): a copy leaves them."""
    from pathlib import Path
    net = net_initialize(NetGraph.from_yaml(Path(__file__).resolve().parent.parent / "specs" / "bernoulli_latent.yaml"),
                         seed=0)
    module, x = net.compile(), torch.rand(5, 16)
    losses = module(x)["Loss"]  # draws with grad: the records wait for surrogate_loss
    if how == "pickle":
        copy = pickle.loads(pickle.dumps(module))
    elif how == "deepcopy":
        copy = deepcopy(module)
    else:
        buffer = io.BytesIO()
        torch.save(module, buffer)
        buffer.seek(0)
        copy = torch.load(buffer, weights_only=False)
    assert module.surrogate_loss(losses).requires_grad  # the original keeps its records
    assert not copy.surrogate_loss(losses).requires_grad  # the copy has none of them
    torch.manual_seed(1)
    expected = module.eval()(x)["Reconstruction"]
    torch.manual_seed(1)
    assert torch.equal(copy.eval()(x)["Reconstruction"], expected)
