"""Evaluation options of net(...) (Wolfram's BatchSize, NetEvaluationMode, RandomSeeding, WorkingPrecision)
and net_port_gradient (NetPortGradient)."""

from __future__ import annotations

import math
import re

import pytest
import torch
import torch.nn.functional as F

from netgraph import (BatchNormalizationLayer, DataError, DropoutLayer, ElementwiseLayer, FunctionLayer, LinearLayer,
                      NetChain, NetGraph, NormalDistribution, OptionError, RandomArrayLayer, net_initialize,
                      net_port_gradient)
from netgraph.backend.eval_options import EvaluationOptions
from netgraph.backend.evaluation import compiled_for_evaluation


def two_output_net():
    return NetGraph({"f": FunctionLayer("#x + #y"), "g": FunctionLayer("#x * #y")}, [], x=2, y=2)


def linear_net():
    return net_initialize(NetGraph([LinearLayer(3)], [], Input=4), seed=0)


def test_batch_size_splits_the_data_and_concatenates_the_outputs():
    net = linear_net()
    x = torch.randn(10, 4)
    seen = []
    compiled_for_evaluation(net).register_forward_pre_hook(lambda m, a: seen.append(len(a[0])))
    whole = net(x)
    assert seen == [10]
    torch.testing.assert_close(net(x, batch_size=3), whole)
    assert seen[1:] == [3, 3, 3, 1]
    assert not net(x, batch_size=3).requires_grad
    a, b = torch.randn(7, 2), torch.randn(7, 2)
    out = two_output_net()(x=a, y=b, batch_size=2)
    torch.testing.assert_close(out["Output1"], a + b)
    torch.testing.assert_close(out["Output2"], a * b)


@pytest.mark.parametrize("options, name", [({"batch_size": 0}, "batch_size"), ({"batch_size": 2.5}, "batch_size"),
                                           ({"batch_size": True}, "batch_size"), ({"mode": "eval"}, "mode"),
                                           ({"seed": -1}, "seed"), ({"seed": 2.5}, "seed"),
                                           ({"precision": "float16"}, "precision")])
def test_bad_options_are_option_errors_naming_the_option(options, name):
    with pytest.raises(OptionError, match=rf"{name}=") as info:
        linear_net()(torch.randn(2, 4), **options)
    assert info.value.diagnostics[0].option == name


@pytest.mark.parametrize("options, listed", [({"mode": "TRAIN"}, "train"), ({"mode": "tesT"}, "test"),
                                             ({"precision": "real64"}, "Real64"),
                                             ({"precision": "FLOAT32"}, "float32")])
def test_an_option_value_in_another_case_is_refused_naming_the_listed_spelling(options, listed):
    """mode= is 'test' or 'train' (Wolfram's 'Test', 'Train'), precision= 'float32' or 'float64' ('Real32',
    'Real64'), as the README lists them; other cases were taken silently."""
    (name, value), = options.items()
    with pytest.raises(OptionError, match=rf"{name}=.*found {value!r} \(did you mean {listed!r}\?\)") as info:
        linear_net()(torch.randn(2, 4), **options)
    assert info.value.diagnostics[0].option == name


@pytest.mark.parametrize("wolframs, ours, other", [
    ({"mode": "Train"}, {"mode": "train"}, {"mode": "test"}), ({"mode": "Test"}, {"mode": "test"}, {"mode": "train"}),
    ({"precision": "Real64"}, {"precision": "float64"}, {"precision": "float32"}),
    ({"precision": "Real32"}, {"precision": "float32"}, {"precision": "float64"})])
def test_wolframs_spellings_of_mode_and_precision_are_taken(wolframs, ours, other):
    """Each spelling gives what ours gives and not what the other value gives (dropout drops only in train mode)."""
    net = net_initialize(NetChain([LinearLayer(30), DropoutLayer(0.5)], Input=4), seed=0)
    x = torch.randn(20, 4)
    given, listed, unlike = (net(x, seed=3, **options) for options in (wolframs, ours, other))
    torch.testing.assert_close(given, listed, rtol=0, atol=0)
    assert given.dtype != unlike.dtype or not torch.equal(given, unlike)


def test_every_bad_option_is_reported_at_once():
    with pytest.raises(OptionError, match=r"batch_size=.*mode="):
        linear_net()(torch.randn(2, 4), batch_size=0, mode="x")


def test_a_misspelt_option_is_named_with_the_close_option():
    net, x = linear_net(), torch.randn(10, 4)
    with pytest.raises(DataError, match=r"unknown keyword 'batchsize' of net\(\.\.\.\) \(did you mean "
                                        r"'batch_size'\?\)"):
        net(x, batchsize=3)  # was: "pass a single positional tensor only to a net with one input" (it has one)
    with pytest.raises(DataError, match=r"unknown input port 'batchsize' \(did you mean the option 'batch_size'\?\)"):
        net(Input=x, batchsize=3)
    with pytest.raises(DataError, match=r"unknown keyword 'return_state' .*did you mean 'return_states'"):
        net({"Input": x}, return_state=True)
    with pytest.raises(DataError, match=r"input port 'y' given as a keyword beside positional data"):
        two_output_net()(torch.randn(2, 2), y=torch.randn(2, 2))


def test_train_mode_drops_out_and_uses_batch_statistics_test_mode_does_not():
    net = net_initialize(NetChain([DropoutLayer(0.5)], input=1000), seed=0)
    x = torch.ones(4, 1000)
    torch.testing.assert_close(net(x), x)
    dropped = net(x, mode="train", seed=0)
    assert set(dropped.unique().tolist()) == {0.0, 2.0}
    kept = (dropped > 0).float().mean().item()
    assert abs(kept - 0.5) < 5 * (0.25 / 4000) ** 0.5  # 5 standard errors of a fraction of 4000 draws
    torch.testing.assert_close(net(x, mode="Train", seed=0), dropped)  # Wolfram's spelling; same seed, same mask

    bn = net_initialize(NetChain([BatchNormalizationLayer()], input=3), seed=0)
    y = torch.randn(8, 3) * 3 + 1
    before = bn(y)
    arrays = bn.layers["1"].arrays
    expected = F.batch_norm(y, None, None, arrays["Scaling"], arrays["Biases"], training=True,
                            eps=bn.layers["1"].epsilon)
    torch.testing.assert_close(bn(y, mode="train"), expected)
    torch.testing.assert_close(bn(y), before)  # train mode left the test-mode module's statistics alone


def test_a_seeded_call_in_batch_size_slices_repeats_its_draws_and_draws_each_slice_afresh():
    """As README says: seed= repeats a call with the same batch_size; the slices are not reseeded each (they would
    repeat each other's draws); sliced or not, the draws have the same distribution (not the same values)."""
    from netgraph import NormalDistribution, RandomArrayLayer
    net = NetGraph([RandomArrayLayer(NormalDistribution("#m", 1.0))], [], m=3)
    m = torch.zeros(4000, 3)
    sliced = net(m=m, seed=1, batch_size=1000)
    assert torch.equal(sliced, net(m=m, seed=1, batch_size=1000))
    assert not torch.equal(sliced[:1000], sliced[1000:2000])
    whole = net(m=m, seed=1)
    error = 5 / 12_000 ** 0.5  # mean 0 and variance 1 within 5 standard errors of 12,000 draws
    for draws in (sliced, whole):
        assert abs(float(draws.mean())) < error and abs(float(draws.var()) - 1) < error * 2 ** 0.5


def test_seed_makes_draws_repeatable_and_leaves_the_global_rng_alone(seed_net):
    state = torch.get_rng_state()
    first, again, other = seed_net(seed=5), seed_net(seed=5), seed_net(seed=6)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(first["Output"], again["Output"]) and not torch.equal(first["Output"], other["Output"])
    torch.manual_seed(5)
    torch.testing.assert_close(seed_net()["Output"], first["Output"])  # the draws torch.manual_seed(5) would give


def test_precision_float64_evaluates_a_cached_float64_copy():
    net = NetGraph([ElementwiseLayer("Log")], [], Input=1)
    x = torch.tensor([[1.0 + 1e-12]], dtype=torch.float64)
    assert net(x).item() == 0.0  # float32: 1 + 1e-12 == 1
    exact = net(x, precision="float64")
    assert exact.dtype == torch.float64 and exact.item() == pytest.approx(math.log(x.item()), rel=1e-12)
    assert net(x, precision="Real64").item() == exact.item()
    lin = linear_net()
    y = torch.randn(5, 4)
    torch.testing.assert_close(lin(y, precision="float64"), lin(y).double(), rtol=1e-6, atol=1e-6)
    options = EvaluationOptions(precision=torch.float64)
    assert compiled_for_evaluation(lin, options) is compiled_for_evaluation(lin, options)
    assert lin.layers["1"].arrays["Weights"].dtype == torch.float32


def test_precision_float64_computes_with_the_float64_arrays_and_constants_unrounded():
    tenth = torch.full((1, 1), 0.1, dtype=torch.float64)  # 0.1 in float32 is 0.10000000149...
    net = net_initialize(NetGraph([LinearLayer(1, weights=tenth, biases=torch.zeros(1, dtype=torch.float64))], [],
                                  Input=1), seed=0)
    one = torch.ones(1, 1, dtype=torch.float64)
    assert net(one, precision="float64").item() == 0.1
    torch.set_default_dtype(torch.float64)
    try:
        assert net(one).item() == 0.1  # the same module, cached: one answer whichever call came first
    finally:
        torch.set_default_dtype(torch.float32)
    draws = NetGraph([RandomArrayLayer(NormalDistribution(0.1, 1.0), output=2, eval_mode="mean")], [])
    assert draws(batch_size=1, precision="float64").tolist() == [[0.1, 0.1]]
    assert torch.get_default_dtype() == torch.float32  # the working precision is left as it was


def test_precision_float64_on_a_net_without_inputs(seed_net):
    out = seed_net(precision="float64", seed=1)
    assert out["Output"].dtype == torch.float64 and out["Output"].shape == (2,)


def test_a_port_named_like_an_option_is_fed_through_a_dict():
    net = NetGraph([FunctionLayer("#seed * 2")], [], seed=2)
    x = torch.randn(3, 2)
    with pytest.raises(OptionError, match=r"'seed' is both an input port of this net and an evaluation option.*"
                                          r"net\(\{'seed': \.\.\.\}\)"):
        net(seed=x)
    torch.testing.assert_close(net({"seed": x}), x * 2)
    torch.testing.assert_close(net({"seed": x}, seed=3, batch_size=2), x * 2)
    torch.testing.assert_close(net(x, seed=3), x * 2)


def test_inputs_as_one_dict_by_port_name():
    net = two_output_net()
    a, b = torch.randn(3, 2), torch.randn(3, 2)
    torch.testing.assert_close(net({"x": a, "y": b})["Output2"], a * b)


def test_port_gradient_of_the_summed_outputs():
    net = linear_net()
    x = torch.randn(5, 4)
    weights = net.layers["1"].arrays["Weights"]
    grad = net_port_gradient(net, x)
    torch.testing.assert_close(grad, weights.sum(0).expand(5, 4))
    torch.testing.assert_close(net_port_gradient(net, x, "Input", batch_size=2), grad)
    torch.testing.assert_close(net_port_gradient(net, x[0]), weights.sum(0))  # one example, unbatched
    assert grad.grad_fn is None and all(p.grad is None for p in compiled_for_evaluation(net).parameters())
    assert not net(x).requires_grad


def test_port_gradient_with_several_ports_and_seeded_outputs():
    net = two_output_net()
    a, b = torch.randn(3, 2), torch.randn(3, 2)
    both = net_port_gradient(net, {"x": a, "y": b})
    torch.testing.assert_close(both["x"], 1 + b)  # d/dx of (x + y) + x * y
    torch.testing.assert_close(both["y"], 1 + a)
    torch.testing.assert_close(net_port_gradient(net, {"x": a, "y": b}, "x", of="Output2"), b)
    g = torch.tensor([2.0, -1.0])
    torch.testing.assert_close(net_port_gradient(net, {"x": a, "y": b}, ["x"], of={"Output2": g})["x"], b * g)


def test_port_gradient_with_respect_to_all_gives_every_real_input_port_as_a_dict():
    """Wolfram's NetPortGradient[All]: wrt="All" was "'All' is not an input port". A one-input net's gradient is a
    dict too, and a port named All stays that port."""
    net = two_output_net()
    a, b = torch.randn(3, 2), torch.randn(3, 2)
    every = net_port_gradient(net, {"x": a, "y": b}, "All")
    assert set(every) == {"x", "y"}
    torch.testing.assert_close(every["x"], 1 + b)  # d/dx of (x + y) + x * y
    torch.testing.assert_close(every["y"], 1 + a)
    x = torch.randn(5, 4)
    torch.testing.assert_close(net_port_gradient(linear_net(), x, "All"), {"Input": net_port_gradient(linear_net(), x)})
    named = NetGraph([FunctionLayer("3 * #All + #b")], [], All=2, b=2)
    torch.testing.assert_close(net_port_gradient(named, {"All": a, "b": b}, "All"), torch.full((3, 2), 3.0))


def test_port_gradient_is_zero_for_an_input_the_outputs_ignore():
    net = NetGraph({"f": FunctionLayer("#x * 2"), "g": FunctionLayer("#y * 0 + 1")}, [], x=2, y=2)
    grads = net_port_gradient(net, {"x": torch.randn(2, 2), "y": torch.randn(2, 2)}, of="Output1")
    torch.testing.assert_close(grads["y"], torch.zeros(2, 2))
    torch.testing.assert_close(grads["x"], torch.full((2, 2), 2.0))


@pytest.mark.parametrize("call, message", [
    (lambda n, d: net_port_gradient(n, d, "xx"), r"wrt=: 'xx' is not an input port \(did you mean 'x'"),
    (lambda n, d: net_port_gradient(n, d, 3), r"wrt= must be an input port name"),
    (lambda n, d: net_port_gradient(n, d, of="Output3"), r"of=: 'Output3' is not an output port"),
    (lambda n, d: net_port_gradient(n, d, of={"Output1": torch.ones(3)}), r"has shape \(3,\)"),
    (lambda n, d: net_port_gradient(n, d, sead=1), r"unknown option 'sead' \(did you mean 'seed'"),
    (lambda n, d: net_port_gradient("net", d), r"first argument"),
])
def test_port_gradient_bad_arguments(call, message):
    with pytest.raises(OptionError, match=message):
        call(two_output_net(), {"x": torch.randn(2, 2), "y": torch.randn(2, 2)})


def test_port_gradient_refuses_an_integer_port():
    from netgraph import EmbeddingLayer
    net = net_initialize(NetGraph([EmbeddingLayer(3, 5)], [], Input=4), seed=0)
    with pytest.raises(OptionError, match=r"input port 'Input' takes integers"):
        net_port_gradient(net, torch.zeros(2, 4, dtype=torch.long), "Input")


def test_port_gradient_of_a_net_without_inputs_is_an_error(seed_net):
    with pytest.raises(OptionError, match="this net has no input ports"):
        net_port_gradient(seed_net, {})


def test_net_port_gradient_refuses_what_it_would_ignore_or_misread():
    from netgraph import EmbeddingLayer, LongShortTermMemoryLayer, NetPort, Padded, SequenceLastLayer
    two = net_initialize(NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)},
                                  [(NetPort("Input"), "a", NetPort("A")), (NetPort("Input"), "b", NetPort("B"))],
                                  Input=2), seed=0)
    x = torch.randn(1, 2)
    with pytest.raises(OptionError, match=r"outputs= is an option of net\(\.\.\.\); name the outputs to differentiate "
                                          r"with of="):
        net_port_gradient(two, x, outputs="A")  # it was accepted and ignored (the gradient of every output)
    torch.testing.assert_close(net_port_gradient(two, x, of="A"), two.layers["a"].weights.sum(0)[None])
    tokens = net_initialize(NetChain([EmbeddingLayer(4, 10), LinearLayer(1)], input=3), seed=0)
    with pytest.raises(OptionError, match=r"every input port of this net takes integers \(dtype Integer: Input\), so "
                                          r"there is nothing to differentiate by"):
        net_port_gradient(tokens, torch.tensor([[1, 2, 3]]))  # it said "wrt= must be ..., found ()"
    seq = net_initialize(NetChain([LongShortTermMemoryLayer(4), SequenceLastLayer()], input=("n", 3)), seed=0)
    for ragged in ([torch.randn(2, 3), torch.randn(5, 3)], Padded(torch.randn(2, 5, 3), [2, 5])):
        assert [tuple(g.shape) for g in net_port_gradient(seq, ragged)] == [(2, 3), (5, 3)]  # test_port_gradient_ragged


def test_net_x_with_inputs_requiring_grad_differentiates_the_inputs_only():
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    for _ in range(3):
        x = torch.ones(1, 3, requires_grad=True)
        net(x).sum().backward()
        torch.testing.assert_close(x.grad, net.layers["1"].weights.sum(0)[None])
    cached = [m for m in net._compiled.values() if isinstance(m, torch.nn.Module)]
    assert cached and all(p.grad is None for m in cached for p in m.parameters())  # they summed up, hidden, before
    module = net.compile()
    module(torch.ones(1, 3)).sum().backward()
    assert module.get_submodule("1").Weights.grad is not None  # a compiled module's parameters get gradients


@pytest.mark.parametrize("wolfram, ours", [
    ({"RandomSeeding": 7, "NetEvaluationMode": "Train"}, {"seed": 7, "mode": "train"}),
    ({"BatchSize": 2, "WorkingPrecision": "Real64"}, {"batch_size": 2, "precision": "float64"}),
])
def test_wolframs_option_names_are_keywords_of_the_call(wolfram, ours):
    net = net_initialize(NetChain([DropoutLayer(0.5), LinearLayer(3)], Input=4), seed=0)
    x = torch.randn(6, 4)
    out = net(x, **wolfram)
    assert out.dtype == net(x, **ours).dtype and torch.equal(out, net(x, **ours))
    assert torch.equal(net_port_gradient(net, x, **wolfram), net_port_gradient(net, x, **ours))


def test_an_option_under_both_names_is_an_option_error():
    with pytest.raises(OptionError, match="net\\(...\\) got both seed= and RandomSeeding=, Wolfram's name for it"):
        linear_net()(torch.randn(2, 4), seed=1, RandomSeeding=2)


@pytest.mark.parametrize("keyword, value", [("RandomSeeding", -1), ("WorkingPrecision", "Half"),
                                            ("BatchSize", 0), ("NetEvaluationMode", "eval")])
def test_a_bad_value_under_wolframs_name_is_named_as_given(keyword, value):
    with pytest.raises(OptionError, match=f"^{keyword}= must be .*found {value!r}"):
        linear_net()(torch.randn(2, 4), **{keyword: value})


def test_random_seeding_takes_wolframs_automatic_and_inherited():
    """Found by QA: both were refused as 'must be an integer', though the option is Wolfram's RandomSeeding."""
    noise = NetGraph([RandomArrayLayer(NormalDistribution(0, 1), output=8)], [])
    torch.manual_seed(3)
    plain = noise(batch_size=2)
    torch.manual_seed(3)
    inherited = noise(batch_size=2, RandomSeeding="Inherited")  # the outer seed, as seed=None
    assert torch.equal(plain, inherited)
    torch.manual_seed(3)
    first = noise(batch_size=2, RandomSeeding="Automatic")
    after = torch.rand(4)
    torch.manual_seed(3)
    second = noise(batch_size=2, seed="Automatic")  # a fresh seed per call: the outer seed does not repeat it
    assert not torch.equal(first, second) and not torch.equal(first, plain)
    assert torch.equal(torch.rand(4), after)  # the global generator is left as it was


@pytest.mark.parametrize("keyword", ["batch_size", "BatchSize"])
def test_batch_size_takes_wolframs_automatic_as_its_default(keyword):
    """Wolfram's evaluation option BatchSize -> Automatic (its default): net(x, BatchSize="Automatic") was 'must be
    a positive integer or None', though net_train takes batch_size="Automatic"."""
    net, x = linear_net(), torch.randn(5, 4)
    torch.testing.assert_close(net(x, **{keyword: "Automatic"}), net(x))
    draws = NetGraph([RandomArrayLayer(NormalDistribution(0, 1), output=3)], [])
    assert draws(**{keyword: "Automatic"}, seed=1).shape == (3,)  # one example, as with no batch_size


def test_random_seeding_takes_wolframs_string_seeds():
    """Wolfram's RandomSeeding -> "s" seeds with a string; it was refused as 'must be an integer'. The same string
    repeats the draws (of net calls and net_initialize alike), another string gives other draws."""
    noise = NetGraph([RandomArrayLayer(NormalDistribution(0, 1), output=8)], [])
    first, again, other = (noise(batch_size=2, RandomSeeding=s) for s in ("abc", "abc", "abd"))
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert torch.equal(first, noise(batch_size=2, seed="abc"))
    net = NetChain([LinearLayer(3)], input=2)
    weights = [net_initialize(net, seed=s).layers["1"].arrays["Weights"] for s in ("w", "w", "v")]
    assert torch.equal(weights[0], weights[1]) and not torch.equal(weights[0], weights[2])


@pytest.mark.parametrize("name", ["TargetDevice", "target_device"])
def test_wolframs_target_device_in_a_call_says_where_a_net_runs(name):
    """Wolfram's net[x, TargetDevice -> "GPU"]: it said only 'unknown keyword' and listed the options."""
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(DataError, match=re.escape(f"unknown keyword {name!r} of net(...) (Wolfram's TargetDevice: "
                                                  f"net(x) evaluates on the CPU; on a GPU, net.compile().to('cuda')"
                                                  f"(x.cuda()))")):
        net(torch.ones(1, 3), **{name: "GPU"})
    with pytest.raises(DataError, match=re.escape(f"unknown input port {name!r} (Wolfram's TargetDevice: ")):
        net(Input=torch.ones(1, 3), **{name: "GPU"})


@pytest.mark.parametrize("name, hint", [
    ("device", "(torch's device: net(x) evaluates on the CPU; on a GPU, net.compile().to('cuda')(x.cuda()))"),
    ("training", "(torch's training=True is mode='train' here)"),
])
def test_torchs_device_and_training_keywords_in_a_call_say_what_to_write(name, hint):
    """Found by QA with torch habits: net(x, device='cpu') offered "did you mean 'decoder'?", and training=True only
    listed the options."""
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(DataError, match=re.escape(f"unknown keyword {name!r} of net(...) {hint}")) as positional:
        net(torch.ones(1, 3), **{name: True})
    assert "did you mean" not in str(positional.value)
    with pytest.raises(DataError, match=re.escape(f"unknown input port {name!r} {hint}")):
        net(Input=torch.ones(1, 3), **{name: True})
