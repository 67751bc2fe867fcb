"""Calling a net (Wolfram conventions) and net_initialize."""

from __future__ import annotations

import copy
import pickle
import re

import pytest
import torch

from netgraph import (DataError, ElementwiseLayer, EmbeddingLayer, FunctionLayer, LinearLayer,
                      LongShortTermMemoryLayer, MeanSquaredLossLayer, NetArrayLayer, NetChain, NetGraph, NetPort,
                      PortType, net_initialize)


def two_output_net():
    return NetGraph({"f": FunctionLayer("#x + #y"), "g": FunctionLayer("#x * #y")}, [], x=2, y=2)


def test_one_output_gives_a_tensor_several_give_a_dict():
    net = two_output_net()
    x, y = torch.randn(3, 2), torch.randn(3, 2)
    out = net(x=x, y=y)
    assert set(out) == {"Output1", "Output2"}
    torch.testing.assert_close(out["Output1"], x + y)
    torch.testing.assert_close(out["Output2"], x * y)
    single = NetGraph([ElementwiseLayer("Exp")], [], Input=2)
    assert isinstance(single(x), torch.Tensor)


def test_positional_and_keyword_calls_agree():
    net = NetGraph([ElementwiseLayer("Sin")], [], Input=3)
    x = torch.randn(4, 3)
    torch.testing.assert_close(net(x), net(Input=x))


def test_net_without_inputs_evaluates_unbatched(seed_net):
    out = seed_net()
    assert out["Output"].shape == (2,) and out["Params"].shape == (2,)


def test_batch_size_on_a_net_without_inputs_draws_that_many_examples_as_its_module_does(seed_net):
    # net(batch_size=4) returned one unbatched draw while net.compile()(batch_size=4) drew 4
    out = seed_net(batch_size=4, seed=3)
    assert out["Output"].shape == (4, 2) and out["Params"].shape == (4, 2)
    assert len({tuple(row.tolist()) for row in out["Output"]}) == 4  # four draws, not one repeated
    with torch.random.fork_rng():
        torch.manual_seed(3)
        expected = seed_net.compile()(batch_size=4)
    torch.testing.assert_close(out, expected)
    probe = seed_net(batch_size=3, outputs="Output")
    assert probe.shape == (3, 2)


def test_a_single_unbatched_example_is_accepted():
    net = NetGraph([ElementwiseLayer("Exp")], [], Input=3)
    x = torch.randn(3)
    torch.testing.assert_close(net(x), torch.exp(x))
    torch.testing.assert_close(net([0.0, 1.0, 2.0]), torch.exp(torch.tensor([0.0, 1.0, 2.0])))


@pytest.mark.parametrize("call, message", [
    (lambda n: n(x=torch.randn(2, 2)), r"missing input port 'y' \(shape \(2\)\)"),
    (lambda n: n(x=torch.randn(2, 2), y=torch.randn(2, 2), z=1), r"unknown input port 'z'"),
    (lambda n: n(x=torch.randn(2, 2), yy=torch.randn(2, 2)), r"did you mean 'y'\?"),
    (lambda n: n(x=torch.randn(2, 3), y=torch.randn(2, 3)), r"input port 'x': expected shape \(b, 2\) with b the "
                                                            r"batch size, found \(2, 3\)"),
    (lambda n: n(x=torch.randn(2, 2), y=torch.randn(5, 2)), r"different batch sizes: \{'x': 2, 'y': 5\}"),
    (lambda n: n(torch.randn(2, 2)), r"pass a single positional tensor only to a net with one input"),
    (lambda n: n(x="abc", y=torch.randn(2, 2)), r"input port 'x' has no encoder, but it was given str 'abc'"),
])
def test_bad_data_is_one_clear_error(call, message):
    with pytest.raises(DataError, match=message):
        call(two_output_net())


ONE_OR_BATCH = r"one example of shape \(3, 4\) or a batch \(b, 3, 4\)"


@pytest.mark.parametrize("given, expected", [((3, 5), ONE_OR_BATCH), ((2, 8), ONE_OR_BATCH),
                                             ((4,), r"shape \(b, 3, 4\)"), ((2, 3, 5), r"shape \(b, 3, 4\)")])
def test_a_misshaped_input_is_reported_with_the_shape_given_never_with_an_added_batch_dim(given, expected):
    # Keras's "expected ndim=4, found ndim=5" complaint: the batch dim counted in one shape and not the other
    net = net_initialize(NetGraph([LinearLayer(2)], [], Input=(3, 4)), seed=0)
    found = re.escape(str(tuple(given)))
    with pytest.raises(DataError, match=rf"expected {expected} with b the batch size, found {found}$"):
        net(torch.randn(*given))


def test_net_initialize_is_deterministic_and_fills_only_missing_arrays():
    net = NetGraph({"lin": LinearLayer(3), "a": NetArrayLayer(array=[1.0, 2.0, 3.0]), "f": FunctionLayer("#p + #q")},
                   [(["lin", "a"], "f")], Input=5)
    one, two = net_initialize(net, seed=7), net_initialize(net, seed=7)
    assert torch.equal(one.layers["lin"].arrays["Weights"], two.layers["lin"].arrays["Weights"])
    assert not torch.equal(one.layers["lin"].arrays["Weights"], net_initialize(net, seed=8).layers["lin"].arrays["Weights"])
    assert torch.equal(one.layers["lin"].arrays["Biases"], torch.zeros(3))
    assert torch.equal(one.layers["a"].arrays["Array"], torch.tensor([1.0, 2.0, 3.0]))
    assert net.layers["lin"].arrays["Weights"] is None  # the input is unchanged (frozen values)
    everything = net_initialize(net, seed=7, all=True)
    assert not torch.equal(everything.layers["a"].arrays["Array"], torch.tensor([1.0, 2.0, 3.0]))
    bound = (3.0 / 5) ** 0.5  # Kaiming-uniform bound sqrt(3 / fan_in)
    assert one.layers["lin"].arrays["Weights"].abs().max() <= bound


def test_net_graph_is_immutable(seed_net):
    with pytest.raises(AttributeError, match="immutable"):
        seed_net.layers = {}
    with pytest.raises(TypeError):
        seed_net.layers["1"] = None
    with pytest.raises(Exception):
        seed_net.layers["1"].array = None


def test_graph_equality_and_replace_layers(seed_net):
    from tests.conftest import normal_reparameterization_layer
    assert seed_net == normal_reparameterization_layer([0.0, 30.0], [10.0, 5.0])
    assert seed_net != normal_reparameterization_layer([0.0, 31.0], [10.0, 5.0])
    changed = seed_net.replace_layers({"1": NetArrayLayer(array=[1.0, 2.0], output=2)})
    assert changed.layers["1"].arrays["Array"].tolist() == [1.0, 2.0]
    assert seed_net.layers["1"].arrays["Array"].tolist() == [0.0, 30.0]


def test_graph_output_taken_from_an_inner_port_of_a_fanned_out_layer():
    net = NetGraph([ElementwiseLayer("Exp"), ElementwiseLayer("Log")], [(1, 2), (NetPort(1, "Output"), NetPort("E"))],
                   Input=1)
    out = net(torch.tensor([[0.5]]))
    torch.testing.assert_close(out["Output"], torch.tensor([[0.5]]))
    torch.testing.assert_close(out["E"], torch.exp(torch.tensor([[0.5]])))


@pytest.mark.parametrize("data", [
    lambda: __import__("numpy").random.randn(2, 4),            # numpy's default float64: the one users hit first
    lambda: torch.randn(2, 4, dtype=torch.float16),
    lambda: torch.randn(2, 4, dtype=torch.bfloat16),
    lambda: torch.randint(0, 5, (2, 4)),                       # int64 data on a Real port
    lambda: [[1, 2, 3, 4], [5, 6, 7, 8]],
])
def test_real_ports_take_any_real_dtype_in_the_working_precision(data):
    from netgraph import LinearLayer, NetChain, net_initialize
    net = net_initialize(NetChain([LinearLayer(3)], input=4), seed=0)
    x = data()
    out = net(x)
    assert out.dtype == torch.float32 and out.shape == (2, 3)
    expected = net(torch.as_tensor(x).to(torch.float32))
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("data, kind", [
    (lambda: torch.randn(2, 4, dtype=torch.complex64), "complex"),
    (lambda: torch.randn(2, 4).to_sparse(), "sparse"),
    (lambda: torch.empty(2, 4, device="meta"), "meta"),
    (lambda: ["a", "b"], "has no encoder, but it was given str 'a'"),
])
def test_other_data_is_a_data_error_naming_the_port(data, kind):
    from netgraph import DataError, LinearLayer, NetChain, net_initialize
    net = net_initialize(NetChain([LinearLayer(3)], input=4), seed=0)
    with pytest.raises(DataError, match=rf"input port 'Input'.*{kind}"):
        net(data())


def _one_input():
    return net_initialize(NetGraph([LinearLayer(3)], [], Input=4), seed=0)


def _two_inputs():
    return net_initialize(NetGraph({"f": "Plus"}, [(NetPort("a"), "f"), (NetPort("b"), "f")], a=4, b=4), seed=0)


@pytest.mark.parametrize("make, port, call, takes", [
    (_one_input, "Input", lambda net: net(None), "real numbers, each example of shape (4)"),
    (_one_input, "Input", lambda net: net({"Input": None}), "real numbers, each example of shape (4)"),
    (_two_inputs, "b", lambda net: net(a=torch.rand(2, 4), b=None), "real numbers, each example of shape (4)"),
    (lambda: net_initialize(NetGraph([EmbeddingLayer(2, 5)], [], Input=PortType((3,), "Integer")), seed=0), "Input",
     lambda net: net(None), "integer indices (dtype Integer), each example of shape (3)"),
])
def test_none_as_data_is_a_data_error_naming_the_port_and_what_it_takes(make, port, call, takes):
    """`net(None)` showed torch's words: "cannot make a tensor from NoneType: Could not infer dtype of NoneType"."""
    with pytest.raises(DataError) as error:
        call(make())
    assert str(error.value) == f"input port {port!r} was given None; it takes {takes}: a tensor, array or list"
    diagnostic = error.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("missing-data", (), port)


@pytest.mark.parametrize("make, port, call", [
    (_one_input, "Input", lambda net, x: net(x)),
    (_one_input, "Input", lambda net, x: net(x[0])),  # one example
    (_two_inputs, "b", lambda net, x: net({"a": torch.rand(2, 4), "b": x})),
    (_two_inputs, "b", lambda net, x: net(a=torch.rand(2, 4), b=x, batch_size=1)),
])
def test_data_on_another_device_is_a_data_error_naming_the_port_and_both_devices(make, port, call):
    """The meta device stands for any other (a CUDA tensor reached torch's raw device error)."""
    with pytest.raises(DataError, match=rf"input port '{port}': the data is on device meta, but net\(\.\.\.\) "
                                        r"evaluates on device cpu") as info:
        call(make(), torch.empty(2, 4, device="meta"))
    assert info.value.diagnostics[0].port == port


def test_calling_a_net_builds_no_autograd_graph_unless_an_input_requires_grad():
    net = net_initialize(NetGraph([LinearLayer(3)], [], Input=4), seed=0)
    x = torch.randn(2, 4)
    assert not net(x).requires_grad
    wanted = x.clone().requires_grad_()
    net(wanted).sum().backward()
    weights = net.layers["1"].arrays["Weights"]
    torch.testing.assert_close(wanted.grad, weights.sum(0).expand(2, 4))
    with torch.no_grad():
        assert not net(x.clone().requires_grad_()).requires_grad  # the caller's no_grad still holds


def test_a_tensor_of_the_port_dtype_reaches_the_module_as_it_is_others_are_converted():
    from netgraph.backend.evaluation import compiled_for_evaluation
    net = net_initialize(NetGraph([LinearLayer(3)], [], Input=4), seed=0)
    seen = []
    compiled_for_evaluation(net).register_forward_pre_hook(lambda m, a: seen.append(a[0]))
    x, x64 = torch.randn(2, 4), torch.randn(2, 4, dtype=torch.float64)
    net(x)
    net(x64)
    assert seen[0] is x
    assert seen[1].dtype == torch.float32 and torch.equal(seen[1], x64.float())


def test_the_plain_call_keeps_the_callers_grad_mode_and_matches_the_general_path():
    net = net_initialize(NetGraph([LinearLayer(3), ElementwiseLayer("Tanh")], [("1", "2")], Input=4), seed=0)
    x = torch.randn(5, 4)
    plain = net(x)  # compiles; the next call takes the fast path (one float32 tensor, right shape, no options)
    assert torch.is_grad_enabled() and not net(x).requires_grad
    torch.testing.assert_close(net(x), net(x, batch_size=2))  # options take the general path
    torch.testing.assert_close(plain, torch.tanh(x @ net.layers["1"].arrays["Weights"].T + net.layers["1"].arrays["Biases"]))
    with torch.no_grad():
        net(x)
        assert not torch.is_grad_enabled()
    with pytest.raises(DataError, match="expected shape"):
        net(torch.randn(5, 3))
    with pytest.raises(DataError, match="input port 'Input'"):
        net(torch.randn(5, 4, dtype=torch.complex64))


def test_a_net_that_was_called_deep_copies_and_pickles_with_equal_outputs():
    """The compiled modules and the IR cached by a call stay behind (they hold views that cannot be copied)
    and are rebuilt; the copy's arrays are its own."""
    net = net_initialize(NetChain([LinearLayer(4), "Ramp", LinearLayer(2)], input=4), seed=0)
    x = torch.randn(3, 4)
    y = net(x)
    net.compile()
    for twin in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert torch.equal(twin(x), y) and torch.equal(twin(Input=x), y)
        assert twin.layers["1"].arrays["Weights"].data_ptr() != net.layers["1"].arrays["Weights"].data_ptr()
    assert torch.equal(net(x), y)


def test_a_list_of_example_dicts_is_a_batch_as_wolframs_list_of_associations():
    # it said "pass a single positional tensor only to a net with one input", though net_train takes this form
    net = two_output_net()
    out = net([{"x": [1.0, 2.0], "y": [3.0, 4.0]}, {"x": torch.zeros(2), "y": torch.ones(2)}])
    torch.testing.assert_close(out["Output1"], torch.tensor([[4.0, 6.0], [1.0, 1.0]]))
    stacked = net([{"x": torch.ones(2), "y": torch.ones(2)}] * 3)
    torch.testing.assert_close(stacked["Output2"], torch.ones(3, 2))
    with pytest.raises(DataError, match=r"a list of examples needs the same ports in each: example 1 has \['x'\], "
                                        r"example 2 has \['x', 'y'\]"):
        net([{"x": [1.0, 2.0]}, {"x": [1.0, 2.0], "y": [1.0, 1.0]}])


@pytest.mark.parametrize("shape, message", [
    ((2, 5), r"expected one example of shape \(n, 3\) or a batch \(b, n, 3\) with b the batch size, found "
              r"\(2, 5\)$"),
    ((2, 5, 4), r"expected shape \(b, n, 3\) with b the batch size, found \(2, 5, 4\)$"),
])
def test_a_wrong_shape_is_reported_as_given_not_with_the_batch_dim_added_to_one_example(shape, message):
    net = net_initialize(NetChain([ElementwiseLayer("Tanh")], input=("n", 3)), seed=0)
    with pytest.raises(DataError, match=rf"input port 'Input': {message}"):
        net(torch.randn(*shape))


def test_nested_lists_of_different_lengths_are_ragged_examples():
    net = net_initialize(NetChain([ElementwiseLayer("Tanh")], input=("n", 2)), seed=0)
    lists = net([[[0.0, 1.0]], [[1.0, 2.0], [3.0, 4.0]]])
    tensors = net([torch.tensor(e) for e in ([[0.0, 1.0]], [[1.0, 2.0], [3.0, 4.0]])])
    assert [tuple(y.shape) for y in tensors] == [(1, 2), (2, 2)]
    assert all(torch.equal(a, b) for a, b in zip(lists, tensors))


@pytest.mark.parametrize("wanted", [NetPort("lstm", "State"), [NetPort("lstm", "State"), "Output"],
                                    (NetPort("lstm", "State"), "Output")])
def test_wolframs_port_after_the_data_points_to_outputs(wanted):
    # Wolfram's net[x, NetPort[...]]: was "pass a single positional tensor only to a net with one input", to a net
    # with one input
    net = net_initialize(NetChain({"lstm": LongShortTermMemoryLayer(3, state_output=True)}, input=("n", 2)), seed=0)
    x = torch.randn(2, 4, 2)
    listed = list(wanted) if isinstance(wanted, tuple) else wanted  # outputs= takes a list
    with pytest.raises(DataError, match=re.escape(f"what a call returns is picked by outputs=: net(x, outputs="
                                                  f"{listed!r}) (Wolfram's net[x, NetPort[...]])")) as caught:
        net(x, wanted)
    assert caught.value.diagnostics[0].option == "outputs"
    torch.testing.assert_close(net(x, outputs=NetPort("lstm", "State")), net(x)["State"])


@pytest.mark.parametrize("wanted", ["Loss", ["Loss", "Output"], ("Loss", "Output"), ("Loss",)])
def test_wolframs_legacy_port_name_after_the_data_points_to_outputs(wanted):
    """Wolfram's legacy net[x, "port"]: an output's name after the data was read as a decoder property ("decoder=
    must be one of ['Decision', ...]; found 'Loss'"), which never mentioned outputs=."""
    net = net_initialize(NetGraph({"lin": LinearLayer(2), "loss": MeanSquaredLossLayer()},
                                  [("lin", "loss"), (NetPort("lin", "Output"), NetPort("Output"))], Input=3), seed=0)
    data = {"Input": torch.randn(4, 3), "Target": torch.randn(4, 2)}
    # Found by review: a tuple of names, ("Loss", "Output"), still got the decoder= message
    listed = list(wanted) if isinstance(wanted, tuple) else wanted  # outputs= takes a list
    with pytest.raises(DataError, match=re.escape(f"what a call returns is picked by outputs=: net(x, outputs="
                                                  f"{listed!r}) (Wolfram's net[x, \"port\"])")) as caught:
        net(data, wanted)
    assert caught.value.diagnostics[0].option == "outputs"
