"""A compiled module called with inputs that do not fit the net's ports raises one DataError naming the port, the
expected and the found shape or dtype, in place of the error torch raises deep inside the forward."""

from __future__ import annotations

import re

import numpy
import pytest
import torch

from netgraph import (BatchNormalizationLayer, ConvolutionLayer, DataError, DropoutLayer, ElementwiseLayer,
                      FlattenLayer, FunctionLayer, GatedRecurrentLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, NetNestOperator,
                      interpret, net_initialize)
from netgraph.core.nesting import fits_recursion_limit
from netgraph.backend import module_inputs
from netgraph.backend.compile import CompiledNet


@pytest.fixture
def module():
    net = net_initialize(NetChain([LinearLayer(3), ElementwiseLayer("Tanh"), LinearLayer(2)], input=5), seed=0)
    return net.compile()


@pytest.mark.parametrize("x, message", [
    (torch.randn(4, 6), r"input port 'Input': the compiled module takes shape \(b, 5\) with b the batch size, found "
                        r"\(4, 6\)$"),
    (torch.randn(4, 5, 1), r"takes shape \(b, 5\) with b the batch size, found \(4, 5, 1\)"),
    (torch.randn(4, 5, dtype=torch.float64), r"computes in torch.float32, found dtype torch.float64; net\(x\) casts "
                                             r"the data, the module does not: x.to\(torch.float32\)"),
    (torch.ones(4, 5, dtype=torch.long), r"computes in torch.float32, found dtype torch.int64")])
def test_a_wrong_input_is_a_data_error_naming_the_port(module, x, message):
    with pytest.raises(DataError, match=message) as info:  # torch: "mat1 and mat2 shapes cannot be multiplied"
        module(x)
    assert info.value.diagnostics[0].port == "Input" and info.value.__cause__ is None


def test_inputs_that_fit_get_torchs_own_error_and_results_are_unchanged(module):
    x = torch.randn(4, 5)
    torch.testing.assert_close(module(x), module.forward(x))
    with pytest.raises(DataError, match=r"unknown input port 'Inptu' \(did you mean 'Input'\?\)"):  # as net(...)
        module(Inptu=x)


def test_the_port_of_a_two_input_net_is_named_and_keywords_work():
    module = NetGraph({"f": FunctionLayer("#x + #y")}, [], x=2, y=2).compile()
    with pytest.raises(DataError, match=r"input port 'y': the compiled module takes shape \(b, 2\) .* found \(3, 4\)"):
        module(x=torch.zeros(3, 2), y=torch.zeros(3, 4))
    with pytest.raises(DataError, match=r"input port 'y'"):
        module(torch.zeros(3, 2), torch.zeros(3, 4))


def test_a_module_moved_to_float64_takes_float64_and_names_float32():
    module = net_initialize(NetChain([LinearLayer(3)], input=5), seed=0).compile().double()
    assert module(torch.randn(2, 5, dtype=torch.float64)).dtype == torch.float64
    with pytest.raises(DataError, match=r"computes in torch.float64, found dtype torch.float32"):
        module(torch.randn(2, 5))


def test_the_module_of_a_net_nested_past_the_recursion_limit_names_the_port_too():
    # such a module's class calls within the recursion room it needs, which had replaced the check; deep enough
    # for the recursion limit in force (a test run earlier in the same process can leave it raised)
    net, levels = LinearLayer(3), 80
    while fits_recursion_limit(levels):
        levels += 40
    for _ in range(levels):
        net = NetNestOperator(net, 1)
    module = net_initialize(NetChain([LinearLayer(3), net], input=3), seed=0).compile()  # fails in its own forward
    assert type(module).__call__ is not CompiledNet.__call__  # the deep class's own call
    with pytest.raises(DataError, match=r"input port 'Input': the compiled module takes shape \(b, 3\) .* \(2, 4\)"):
        module(torch.randn(2, 4))


def test_an_error_raised_by_a_hook_is_not_replaced_by_a_blame_of_the_inputs(module):
    module.register_forward_pre_hook(lambda mod, args: (args[0][:, :5],))  # the user's adapter: (b, 7) -> (b, 5)
    assert module(torch.randn(4, 7)).shape == (4, 2)

    def failing(mod, args, out):
        raise KeyError("the hook's own bug")

    module.register_forward_hook(failing)
    with pytest.raises(KeyError, match="the hook's own bug"):  # was: DataError ... found (4, 7)
        module(torch.randn(4, 7))


def test_a_forward_hook_failing_on_an_input_the_forward_took_keeps_its_error():
    module = net_initialize(NetChain([LinearLayer(3)], input=5), seed=0).compile()
    assert module(torch.randn(5)).shape == (3,)  # one example: F.linear takes it, as nn.Linear does

    def batches_only(mod, args, out):
        raise AssertionError("my hook wants batches")

    module.register_forward_hook(batches_only)
    with pytest.raises(AssertionError, match="my hook wants batches"):  # was: DataError ... found one example (5,)
        module(torch.randn(5))


def test_the_blame_names_the_input_the_forward_got_after_a_pre_hook(module):
    module.register_forward_pre_hook(lambda mod, args: (args[0][:, :4],))
    with pytest.raises(DataError, match=r"takes shape \(b, 5\) with b the batch size, found \(3, 4\)$"):
        module(torch.randn(3, 5))


def test_an_error_under_vmap_is_torchs_own():
    # inside vmap the forward sees one example (5,) per row: that is no wrong input, dropout's randomness is the error
    module = net_initialize(NetChain([LinearLayer(3), DropoutLayer(0.5)], input=5), seed=0).compile()
    with pytest.raises(RuntimeError, match="randomness") as info:
        torch.func.vmap(module)(torch.randn(4, 5))
    assert not isinstance(info.value, DataError)


def _cnn(seed: int = 0):
    return net_initialize(NetChain([ConvolutionLayer(2, 3), FlattenLayer(), LinearLayer(2)], input=(1, 5, 5)),
                          seed=seed).compile()


def test_vmap_over_examples_of_a_cnn_names_the_missing_batch_dim():
    # the forward sees one example (1, 5, 5) per row: torch's "mat1 and mat2 shapes cannot be multiplied" escaped
    with pytest.raises(DataError, match=r"takes a batch, shape \(b, 1, 5, 5\), found one example \(1, 5, 5\); inside "
                                        r"torch.func.vmap .* vmap over batches, or give it xi.unsqueeze\(0\)$") as info:
        torch.func.vmap(_cnn())(torch.randn(2, 1, 5, 5))
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.expected, problem.found) == ("data-shape", "Input", (1, 5, 5),
                                                                             (1, 5, 5))


def test_vmap_over_batches_of_the_wrong_shape_names_the_port():
    with pytest.raises(DataError, match=r"takes shape \(b, 1, 5, 5\) with b the batch size, found \(2, 1, 5, 6\)"):
        torch.func.vmap(_cnn())(torch.randn(3, 2, 1, 5, 6))


def test_vmap_over_examples_given_a_batch_dim_and_an_ensembles_vmap_give_the_modules_values():
    module, x = _cnn(), torch.randn(4, 1, 5, 5)
    torch.testing.assert_close(torch.func.vmap(lambda xi: module(xi.unsqueeze(0)).squeeze(0))(x), module(x))
    members = [_cnn(seed) for seed in range(3)]
    params, buffers = torch.func.stack_module_state(members)
    base = _cnn().to("meta")
    ensemble = torch.func.vmap(lambda p, b, x: torch.func.functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))
    torch.testing.assert_close(ensemble(params, buffers, x), torch.stack([m(x) for m in members]))


def test_a_net_with_an_operator_names_its_own_port_and_the_shape_given():
    net = net_initialize(NetChain([NetMapOperator(LinearLayer(3))], input=("n", 4)), seed=0)
    module = net.compile()
    with pytest.raises(DataError, match=r"takes shape \(b, n, 4\) with b the batch size, found \(2, 5, 6\)$"):
        module(torch.randn(2, 5, 6))  # was the inner net's blame: shape (b, 4), found (10, 6)
    module._modules["1"].net.layer.Weights.data = torch.zeros(3, 7)  # fitting inputs: torch's error, no blame
    with pytest.raises(RuntimeError, match="mat1 and mat2") as info:
        module(torch.randn(2, 5, 4))
    assert not isinstance(info.value, DataError)


@pytest.mark.parametrize("given, port, expected", [
    ({"Input": (2, 5, 4, 3), "InitialState": (2, 5, 3)}, "Input", r"\(b, n, 4, 2\)"),
    ({"Input": (2, 5, 4, 2), "InitialState": (2, 5, 4)}, "InitialState", r"\(b, n, 3\)")])
def test_a_recurrent_layer_inside_an_operator_leaves_the_blame_to_the_operators_port(given, port, expected):
    net = net_initialize(NetChain({"map": NetMapOperator(GatedRecurrentLayer(3, state_input=True))},
                                  input=("n", 4, 2)), seed=0)
    module = net.compile()
    inputs = {name: torch.randn(*shape) for name, shape in given.items()}
    found = re.escape(str(given[port]))  # was the GRU's own check: layer 'map/net/layer' ... found (10, 4)
    with pytest.raises(DataError, match=rf"^input port '{port}': the compiled module takes shape {expected} with b "
                                        rf"the batch size, found {found}$") as info:
        module(**inputs)
    assert (info.value.diagnostics[0].port, info.value.diagnostics[0].layer) == (port, ())


@pytest.mark.parametrize("layer, inputs", [
    (LinearLayer(3), {"Input": (2, 5, 6)}),
    (GatedRecurrentLayer(3, state_input=True), {"Input": (2, 5, 4), "InitialState": (2, 5, 4)})])
def test_interpret_names_the_operators_port_as_the_module_does(layer, inputs):
    shape = (4,) if isinstance(layer, LinearLayer) else (4, 4)
    net = net_initialize(NetChain({"map": NetMapOperator(layer)}, input=("n", *shape)), seed=0)
    module, given = net.compile(), {name: torch.randn(*size) for name, size in inputs.items()}
    with pytest.raises(DataError) as from_module:
        module(**given)
    with pytest.raises(DataError) as from_interpret:  # was the inner net's blame: shape (b, 4), found (10, 6)
        interpret(net, module, **given)
    assert str(from_interpret.value) == str(from_module.value)
    assert "found (2, 5, " in str(from_module.value)


def test_a_module_compiled_by_torch_still_names_the_port():
    module = net_initialize(NetChain([LinearLayer(3)], input=5), seed=0).compile()
    module.compile()
    with pytest.raises(DataError, match=r"input port 'Input': the compiled module takes shape \(b, 5\)"):
        module(torch.randn(4, 6))


def test_an_input_on_another_device_than_the_arrays_is_named_with_both_devices(module):
    # torch: "Tensor on device meta is not on the expected device cpu!", naming no port (meta stands in for a GPU)
    with pytest.raises(DataError, match=r"input port 'Input': the compiled module's arrays are on cpu, found a tensor "
                                        r"on meta; move one to the other: x.to\('cpu'\) \(or module.to\('meta'\)\)"):
        module(torch.randn(4, 5, device="meta"))
    assert module.to("meta")(torch.randn(4, 5, device="meta")).device.type == "meta"


@pytest.mark.parametrize("x, found", [(numpy.ones((4, 5), numpy.float32), "numpy.ndarray"),
                                      ([[0.0] * 5] * 4, "list")])
def test_data_that_is_no_tensor_is_a_data_error_saying_to_convert_it(module, x, found):
    with pytest.raises(DataError, match=rf"input port 'Input': the compiled module takes tensors, found {found}; "
                                        rf"torch.as_tensor\(x\)") as info:  # torch: linear() ... must be Tensor
        module(x)
    assert info.value.diagnostics[0].port == "Input"
    assert torch.equal(module(torch.as_tensor(numpy.ones((4, 5), numpy.float32))), module(torch.ones(4, 5)))


def test_a_wrong_layout_gets_the_hint_net_x_gives():
    images = net_initialize(NetChain([ConvolutionLayer(2, 3), FlattenLayer(), LinearLayer(2)], input=(3, 8, 8)),
                            seed=0).compile()
    with pytest.raises(DataError, match=r"found \(2, 8, 8, 3\); channels last\? .*x.permute\(0, 3, 1, 2\)"):
        images(torch.randn(2, 8, 8, 3))
    column = net_initialize(NetChain([LinearLayer(2)], input=1), seed=0).compile()
    with pytest.raises(DataError, match=r"found \(4,\); the trailing dim of 1 is missing: x\[..., None\] adds it"):
        column(torch.randn(4))


def test_sequences_of_different_lengths_at_the_module_point_to_net_x_not_to_a_conversion():
    from netgraph import EmbeddingLayer, GatedRecurrentLayer, Padded, SequenceLastLayer
    module = net_initialize(NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(3), SequenceLastLayer()],
                                     input=["n"]), seed=0).compile()
    a, b = torch.tensor([1, 2, 3]), torch.tensor([4, 5])
    for x, found in ((Padded(torch.stack([a, torch.cat([b, b[:1]])]), [3, 2]), "netgraph.backend.masks.Padded"),
                     ([a, b], "list")):
        with pytest.raises(DataError) as info:
            module(x)
        assert str(info.value) == (f"input port 'Input': the compiled module takes tensors, found {found}; it takes "
                                   f"one batched tensor, of one length per call: sequences of different lengths (a "
                                   f"list, Padded) go to net(x), which honours each length")


def test_a_packed_sequence_at_the_module_is_told_the_form_net_x_takes_it_in():
    """net(x) refuses a PackedSequence itself (it takes Padded): the module's hint must not send one there as is."""
    from torch.nn.utils.rnn import pack_sequence
    from netgraph import EmbeddingLayer, GatedRecurrentLayer, SequenceLastLayer
    net = net_initialize(NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(3), SequenceLastLayer()],
                                  input=["n"]), seed=0)
    packed = pack_sequence([torch.tensor([1, 2, 3]), torch.tensor([4, 5])])
    with pytest.raises(DataError) as info:
        net.compile()(packed)
    assert str(info.value) == ("input port 'Input': the compiled module takes tensors, found "
                               "torch.nn.utils.rnn.PackedSequence; it takes one batched tensor, of one length per "
                               "call: a PackedSequence goes to net(x) as Padded(*pad_packed_sequence(x, "
                               "batch_first=True)), which honours each length")
    with pytest.raises(DataError, match=r"a PackedSequence goes in as Padded\(\*pad_packed_sequence"):
        net(packed)  # as the hint says: net(x) takes it only in that form


def test_inputs_of_different_batch_sizes_are_named_as_net_x_names_them():
    module = NetGraph({"f": FunctionLayer("#x + #y")}, [], x=2, y=2).compile()  # torch: "The size of tensor a ..."
    with pytest.raises(DataError, match=r"^input ports have different batch sizes: \{'x': 4, 'y': 3\}; the compiled "
                                        r"module takes one batch of examples at every input$") as info:
        module(torch.zeros(4, 2), torch.zeros(3, 2))
    assert info.value.diagnostics[0].port == "x"


@pytest.mark.parametrize("given", [(4, 5), (5,), (2, 3, 1)])
def test_a_wrong_input_shape_has_one_diagnostic_in_net_x_and_the_compiled_module(given):
    """net(x) gave kind "error", no layer, no expected or found; the compiled module layer=() and no facts either."""
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    facts = []
    for run in (net, net.compile()):
        with pytest.raises(DataError) as info:
            run(torch.zeros(given))
        d = info.value.diagnostics[0]
        facts.append((d.kind, d.layer, d.port, d.expected, d.found))
    assert facts == [("data-shape", (), "Input", (3,), given)] * 2


def test_one_example_given_to_the_compiled_module_says_its_shape_in_the_diagnostic():
    images = net_initialize(NetChain([ConvolutionLayer(2, 3), FlattenLayer(), LinearLayer(2)], input=(3, 8, 8)),
                            seed=0).compile()
    with pytest.raises(DataError, match="one example") as info:
        images(torch.zeros(3, 8, 8))
    d = info.value.diagnostics[0]
    assert (d.kind, d.layer, d.port, d.expected, d.found) == ("data-shape", (), "Input", (3, 8, 8), (3, 8, 8))


def test_the_retry_that_judges_a_vmap_error_leaves_no_draw_behind():
    # the forward fails at the LinearLayer on one example; retried with the batch dim it reached the dropout and drew
    module = net_initialize(NetChain([ConvolutionLayer(2, 3), FlattenLayer(), LinearLayer(4), DropoutLayer(0.5)],
                                     input=(1, 5, 5)), seed=0).compile().train()
    examples = torch.randn(2, 1, 5, 5)
    found = torch.get_rng_state()
    with pytest.raises(DataError, match="found one example"):
        torch.func.vmap(module, randomness="different")(examples)
    assert torch.equal(torch.get_rng_state(), found) and module.training


def test_the_retry_puts_back_the_running_statistics_it_updated():
    module = net_initialize(NetChain([LinearLayer(3), BatchNormalizationLayer()], input=5), seed=0).compile().train()
    before = {name: buffer.clone() for name, buffer in module.named_buffers()}
    batch = torch.randn(4, 5) * 3 + 1
    found = torch.get_rng_state()
    module_inputs._retried(module, {"Input": batch})
    assert all(torch.equal(buffer, before[name]) for name, buffer in module.named_buffers())
    assert torch.equal(torch.get_rng_state(), found) and module.training
