"""RandomArrayLayer: ports and shapes, seeds, eval mode, parameter checks and their error messages."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from netgraph import (BernoulliDistribution, BinomialDistribution, DataError, DiscreteUniformDistribution,
                      ElementwiseLayer,
                      ErlangDistribution, GammaDistribution, LogGammaDistribution, MultinormalDiagonalDistribution, NetArrayLayer, NetGraph, NetPort,
                      NormalDistribution, OptionError, PoissonDistribution, RandomArrayLayer, ShapeError,
                      UniformDistribution, WeibullDistribution, interpret, net_initialize, set_distribution_checks)
from netgraph.layers.distributions import DISTRIBUTIONS
from tests.test_distributions import CASES, make


def single(layer, **shapes):
    return NetGraph([layer], [], **shapes).compile()


# -- ports, callables, shapes -------------------------------------------------------------------------------
def test_callable_form_names_the_ports():
    layer = RandomArrayLayer(lambda mu, sigma: NormalDistribution(mu, sigma), output=3)
    assert layer.input_ports == ("mu", "sigma")
    assert layer.distribution == NormalDistribution("#mu", "#sigma")
    uniform = RandomArrayLayer(lambda a, b: UniformDistribution([a, b]))
    assert uniform.input_ports == ("a", "b")
    x = single(uniform, a=4, b=4)(a=torch.zeros(2, 4), b=torch.full((2, 4), 0.5))
    assert x.shape == (2, 4) and bool(((x >= 0) & (x < 0.5)).all())


@pytest.mark.parametrize("fn", [lambda mu: NormalDistribution(mu * 2, 1.0), lambda mu: NormalDistribution(mu, abs(mu)),
                                lambda mu: NormalDistribution(torch.exp(mu), 1.0)], ids=["times", "abs", "exp"])
def test_a_callable_that_computes_with_its_arguments_is_one_clear_error(fn):
    """It raised a bare TypeError, or named a slot '#mu#mu' (found by QA)."""
    with pytest.raises(OptionError, match=r"RandomArrayLayer's function is called once, with each argument standing "
                                          r"for its input port \('#mu'\), and must pass its arguments to the "
                                          r"distribution unchanged.*\(a FunctionLayer"):
        RandomArrayLayer(fn, output=3)
    with pytest.raises(OptionError, match=r"sigma \(standard deviation\) must be a finite number > 0"):
        RandomArrayLayer(lambda mu: NormalDistribution(mu, -1.0), output=3)  # a bad constant keeps its message


def test_a_slot_used_twice_is_one_port():
    layer = RandomArrayLayer(NormalDistribution("#m", "#m"))
    assert layer.input_ports == ("m",)


def test_slot_shapes_broadcast_against_output():
    net = NetGraph([RandomArrayLayer(NormalDistribution("#mu", "#sigma"), output=(2, 3))], [], mu=3, sigma=())
    assert net.input_shapes == {"mu": (3,), "sigma": ()}
    mu = torch.tensor([[0.0, 100.0, -100.0]]).expand(5, 3)
    x = net.compile()(mu=mu, sigma=torch.full((5,), 1e-3))
    assert x.shape == (5, 2, 3)
    torch.testing.assert_close(x, mu[:, None, :].expand(5, 2, 3), atol=0.02, rtol=0)


def test_output_shape_is_inferred_from_slots_and_slots_from_output():
    net = NetGraph([RandomArrayLayer(GammaDistribution("#a", "#b"))], [], a=4, b=())
    assert net.output_shapes == {"Output": (4,)}
    net = NetGraph([RandomArrayLayer(GammaDistribution("#a", 1.0), output=(2, 2))], [])
    assert net.input_shapes == {"a": (2, 2)}


def test_slot_shape_that_does_not_broadcast_to_output_is_a_shape_error_naming_the_layer():
    with pytest.raises(ShapeError) as err:
        NetGraph({"noise": RandomArrayLayer(NormalDistribution("#mu", 1), output=(2, 3))}, [], mu=4)
    text = str(err.value)
    assert "layer 1 'noise' (RandomArrayLayer)" in text
    assert "parameter shapes 'mu' (4) do not broadcast to output (2, 3)" in text


def test_constant_arrays_broadcast_and_infer_the_output():
    layer = RandomArrayLayer(NormalDistribution([0.0, 100.0], [1e-3, 1e-3]))
    net = NetGraph([layer], [])
    assert net.output_shapes == {"Output": (2,)}
    x = net.compile()(batch_size=3)
    torch.testing.assert_close(x, torch.tensor([0.0, 100.0]).expand(3, 2), atol=0.02, rtol=0)
    wide = NetGraph([RandomArrayLayer(NormalDistribution([[0.0], [100.0]], 1e-3), output=(2, 3))], []).compile()()
    assert wide.shape == (2, 3) and bool((wide[1] > 99).all())
    with pytest.raises(ShapeError, match="constant array"):
        NetGraph([RandomArrayLayer(NormalDistribution([0.0, 1.0, 2.0], 1.0), output=2)], [])


def test_a_net_without_inputs_takes_batch_size_an_integer_from_zero_else_an_option_error():
    module = NetGraph([RandomArrayLayer(NormalDistribution(0, 1), output=2)], []).compile()
    for bad in (-1, 2.5, "3", True, False):
        with pytest.raises(OptionError, match=rf"batch_size must be an integer >= 0 \(the number of examples to "
                                              rf"draw\), found {bad!r}".replace(".", r"\.")):
            module(batch_size=bad)
    assert module(batch_size=3).shape == (3, 2) and module().shape == (2,) and module(batch_size=0).shape == (0, 2)
    assert module(batch_size=torch.tensor(2)).shape == (2, 2)  # any integer type


def test_interpreter_and_compiled_forward_draw_the_same_values():
    net = NetGraph([RandomArrayLayer(GammaDistribution("#a", 2.0))], [], a=3)
    module = net.compile()
    a = torch.full((4, 3), 0.7)
    torch.manual_seed(3)
    compiled = module(a=a)
    torch.manual_seed(3)
    torch.testing.assert_close(interpret(net, module, a=a), compiled)


def test_yaml_round_trip_keeps_every_distribution_and_option():
    for cls, params, _ in CASES:
        slots = make(cls, [f"#{n}" for n in cls.PARAMS[:len(params)]])
        for layer in (RandomArrayLayer(make(cls, params), output=(2, 3)),
                      RandomArrayLayer(slots, output=3, eval_mode="mean")):
            net = NetGraph({"r": layer}, [], **{s: 3 for s in layer.input_ports})
            assert NetGraph.from_yaml(net.to_yaml()).layers["r"] == layer, cls.__name__
    relaxed = RandomArrayLayer(BernoulliDistribution("#p"), estimator="relaxed", temperature=0.3)
    text = NetGraph({"r": relaxed}, [], p=2).to_yaml()
    assert "estimator: relaxed" in text and "temperature: 0.3" in text
    assert NetGraph.from_yaml(text).layers["r"] == relaxed
    arrays = RandomArrayLayer(NormalDistribution([0.0, 1.0], torch.tensor([1.0, 2.0])))
    assert NetGraph.from_yaml(NetGraph({"r": arrays}, []).to_yaml()).layers["r"] == arrays


def test_constant_only_draws_follow_the_module_dtype():
    module = single(RandomArrayLayer(GammaDistribution(2.0, 1.0), output=3))
    assert module().dtype == torch.float32 and module.double()().dtype == torch.float64
    assert module.state_dict() == {}  # no parameters: nothing to save


def test_errors_name_a_nested_layer_by_its_path():
    inner = NetGraph({"noise": RandomArrayLayer(BernoulliDistribution("#p"))}, [], p=())
    module = NetGraph({"enc": inner}, [], p=()).compile()
    with pytest.raises(DataError, match="layer 'enc' > layer 'noise' .RandomArrayLayer"):
        module(p=torch.tensor([2.0]))


# -- randomness ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,params", [(c, p) for c, p, _ in CASES], ids=[c.__name__ for c, _, _ in CASES])
def test_a_seed_gives_identical_draws(cls, params):
    module = single(RandomArrayLayer(make(cls, params), output=50))
    torch.manual_seed(123)
    first = module(batch_size=4)
    torch.manual_seed(123)
    again = module(batch_size=4)
    assert torch.equal(first, again) and first.shape == (4, 50)
    assert not torch.equal(first, module(batch_size=4))  # and the next draw differs


def test_eval_mode_keeps_sampling_as_wolfram_does():
    module = single(RandomArrayLayer(NormalDistribution(0, 1), output=100)).eval()
    assert not torch.equal(module(), module())


def test_eval_mode_mean_outputs_the_mean_in_eval_and_samples_in_training():
    layer = RandomArrayLayer(GammaDistribution("#a", 2.0), eval_mode="mean")
    module = single(layer, a=3)
    a = torch.tensor([[0.5, 1.0, 3.0]])
    module.eval()
    assert torch.equal(module(a=a), 2 * a)
    module.train()
    assert not torch.equal(module(a=a), 2 * a)
    assert layer.options()["eval_mode"] == "mean" and layer == layer.replace(eval_mode="mean")
    assert dataclasses.replace(layer, eval_mode="sample").eval_mode == "sample"
    assert "eval_mode='mean'" in repr(layer)
    with pytest.raises(OptionError, match="eval_mode must be 'sample'"):
        RandomArrayLayer(NormalDistribution(), eval_mode="average")
    with pytest.raises(OptionError, match=r"found 'Mean' \(did you mean 'mean'\?\)"):
        RandomArrayLayer(NormalDistribution(), eval_mode="Mean")
    with pytest.raises(OptionError, match="infinite mean"):
        RandomArrayLayer(LogGammaDistribution(1, 2, 0), output=2, eval_mode="mean")


@pytest.mark.parametrize("value,match", [(-1.0, "found -1.0"), (float("nan"), "found nan"), (0.0, "found 0.0")])
def test_bad_slot_values_are_data_errors_naming_layer_and_parameter(value, match):
    net = NetGraph({"noise": RandomArrayLayer(NormalDistribution(0, "#s"))}, [], s=3)
    s = torch.ones(2, 3)
    s[1, 2] = value
    previous = set_distribution_checks(True)  # Normal draws are inline and unchecked unless asked
    try:
        module = net.compile()
    finally:
        set_distribution_checks(previous)
    assert "torch.randn" not in module.code
    with pytest.raises(DataError) as err:
        module(s=s)
    text = str(err.value)
    assert "layer 'noise'" in text and "sigma (standard deviation)" in text and match in text


def test_bad_probability_at_run_time():
    module = single(RandomArrayLayer(BernoulliDistribution("#p")), p=())
    with pytest.raises(DataError, match=r"p \(probability of 1\) must be a finite number in \[0, 1\], found 1.5"):
        module(p=torch.tensor([0.5, 1.5]))


def test_inline_pathwise_draws_are_unchecked_like_handwritten_torch():
    module = single(RandomArrayLayer(NormalDistribution(0, "#s")), s=())
    assert "torch.randn_like" in module.code
    assert torch.isnan(module(s=torch.tensor([float("nan")]))).all()
    torch.manual_seed(0)  # a negative sigma is no NaN (as the README once said): a draw as with |sigma|
    negative = module(s=torch.full((20_000,), -2.0))
    assert torch.isfinite(negative).all() and abs(float(negative.std()) - 2.0) < 0.05


def test_a_bad_integer_parameter_hints_at_whole_numbers_not_softplus():
    module = single(RandomArrayLayer(BinomialDistribution("#n", 0.5)), n=())
    with pytest.raises(DataError, match=r"integer >= 0, found 2.5.*An integer parameter takes whole numbers") as err:
        module(n=torch.tensor([2.5]))
    assert "Softplus or Exp" not in str(err.value)
    computed = NetGraph({"id": ElementwiseLayer("#"), "draw": RandomArrayLayer(GammaDistribution(2.0, "#s"))},
                        [("id", NetPort("draw", "s"))], Input=()).compile()
    with pytest.raises(DataError, match=r"Softplus or Exp"):  # a real scale a layer computed keeps the Softplus hint
        computed(Input=torch.tensor([-1.0]))
    with pytest.raises(DataError, match=r"The data at input port 's' holds it"):  # given as data: about the data
        single(RandomArrayLayer(GammaDistribution(2.0, "#s")), s=())(s=torch.tensor([-1.0]))


def test_run_time_checks_can_be_switched_off():
    module = single(RandomArrayLayer(GammaDistribution(2.0, "#s")), s=())
    assert set_distribution_checks(False) == "auto"
    try:
        assert (module(s=torch.tensor([-1.0])) <= 0).all()  # the user turned the checks off: no error
    finally:
        set_distribution_checks("auto")
    with pytest.raises(DataError):
        module(s=torch.tensor([-1.0]))
    torch.distributions.Distribution.set_default_validate_args(False)  # what torch.compile does globally
    try:
        with pytest.raises(DataError):
            module(s=torch.tensor([-1.0]))
    finally:
        torch.distributions.Distribution.set_default_validate_args(True)


@pytest.mark.parametrize("dist,port,why", [
    (BinomialDistribution("#n", 0.3), "n", "is an integer, so it has no gradient"),
    (ErlangDistribution("#k", 2.0), "k", "is an integer, so it has no gradient"),
    (DiscreteUniformDistribution(["#lo", 9]), "lo", "is an integer, so it has no gradient"),
])
def test_integer_parameters_refuse_gradients_and_say_why(dist, port, why):
    net = NetGraph({"draw": RandomArrayLayer(dist)}, [], **{port: ()})
    module = net.compile()
    value = torch.full((4,), 3.0)
    assert module(**{port: value}).shape == (4,)  # fine without grad
    with pytest.raises(OptionError) as err:
        module(**{port: value.requires_grad_()})
    assert why in str(err.value) and "layer 'draw'" in str(err.value)


def test_integer_parameter_fed_by_a_trainable_array_is_refused():
    net = NetGraph([NetArrayLayer(array=5.0, output=()), RandomArrayLayer(BinomialDistribution("#n", 0.5))],
                   [(1, NetPort(2, "n"))])
    with pytest.raises(OptionError, match="integer, so it has no gradient"):
        net.compile()(batch_size=2)


def test_score_function_refuses_a_location_that_bounds_the_support():
    module = single(RandomArrayLayer(WeibullDistribution(2, 1, "#m"), estimator="score_function"), m=())
    with pytest.raises(OptionError, match="moves the support"):
        module(m=torch.zeros(3, requires_grad=True))
    pathwise = single(RandomArrayLayer(WeibullDistribution(2, 1, "#m")), m=())
    m = torch.zeros(3, requires_grad=True)
    pathwise(m=m).sum().backward()
    assert torch.equal(m.grad, torch.ones(3))


def test_estimator_and_temperature_options_are_checked():
    with pytest.raises(OptionError, match="UniformDistribution supports estimator= 'pathwise'.*move the support"):
        RandomArrayLayer(UniformDistribution(), estimator="score_function")
    with pytest.raises(OptionError, match="'score_function', 'straight_through'"):
        RandomArrayLayer(PoissonDistribution(2), estimator="relaxed")
    with pytest.raises(OptionError, match="temperature= applies only to estimator='relaxed'"):
        RandomArrayLayer(BernoulliDistribution(0.5), temperature=0.5)
    for bad in (0, -1, math.inf, math.nan, "a", True):  # the shared positive-number check's words and fields
        with pytest.raises(OptionError, match="RandomArrayLayer option temperature= must be a positive finite number") as e:
            RandomArrayLayer(BernoulliDistribution(0.5), estimator="relaxed", temperature=bad)
        assert [(d.option, d.kind, d.expected) for d in e.value.diagnostics] == [
            ("temperature", "option-value", "a positive finite number")]
    assert RandomArrayLayer(BernoulliDistribution(0.5), estimator="relaxed", temperature=0.2).temperature == 0.2
    for bad in (0, math.inf, math.nan):  # out of RANGES without estimator='relaxed': the value's error comes first
        with pytest.raises(OptionError, match="temperature= must be a positive finite number, found"):
            RandomArrayLayer(BernoulliDistribution(0.5), temperature=bad)


def test_every_distribution_declares_a_default_estimator():
    kinds = {name: cls.ESTIMATORS[0] for name, cls in DISTRIBUTIONS.items()}
    assert {n for n, k in kinds.items() if k == "implicit"} == {
        "GammaDistribution", "ChiDistribution", "NakagamiDistribution", "ChiSquareDistribution",
        "LogGammaDistribution", "ExpGammaDistribution", "InverseGammaDistribution", "DirichletDistribution"}
    assert {n for n, k in kinds.items() if k == "score_function"} == {
        "BernoulliDistribution", "BinomialDistribution", "PoissonDistribution", "NegativeBinomialDistribution",
        "CategoricalDistribution"}
    assert kinds["DiscreteUniformDistribution"] == "none"
    assert sum(k == "pathwise" for k in kinds.values()) == 8 + 3  # Erlang is pathwise in its rate; 3 Multinormal forms


def test_callable_form_errors_name_the_random_layer():
    with pytest.raises(OptionError, match=r"^RandomArrayLayer: parameter 'a' must be a plain positional parameter"):
        RandomArrayLayer(lambda *a: NormalDistribution(*a))


@pytest.mark.parametrize("dist", [NormalDistribution(torch.tensor(0.5), 1.0), UniformDistribution([torch.tensor(0.0), 1]),
                                  BernoulliDistribution(torch.tensor(0.3))], ids=["Normal", "Uniform", "Bernoulli"])
def test_a_zero_dim_tensor_parameter_round_trips_through_yaml_as_the_number_it_holds(dist):
    """It stayed a tensor, was written as a number (0.30000001192092896) and read back as one: the reloaded net
    differed from the saved one (found by QA)."""
    net = NetGraph([RandomArrayLayer(dist, output=2)], [])
    text = net.to_yaml()
    assert NetGraph.from_yaml(text) == net and "0.30000001" not in text


def test_array_parameters_are_written_and_shown_by_their_shortest_decimal():
    """The spec and the repr held float32 noise (0.10000000149011612) where the user wrote 0.1 (found by QA)."""
    net = NetGraph([RandomArrayLayer(NormalDistribution([0.1, 0.2], torch.tensor([[1 / 3, 0.7]])), output=(1, 2))], [])
    text = net.to_yaml()  # a list is kept as written (float64), a float32 tensor by its shortest decimal
    assert "args: [[0.1, 0.2], [[0.33333334, 0.7]]]" in text and NetGraph.from_yaml(text) == net
    assert repr(net.layers["1"].distribution) == "NormalDistribution([0.1, 0.2], [[0.33333334, 0.7]])"
    third = NetGraph([RandomArrayLayer(NormalDistribution([1 / 3, 0.7], 1.0), output=2)], [])
    assert "args: [[0.3333333333333333, 0.7], 1.0]" in third.to_yaml() and NetGraph.from_yaml(third.to_yaml()) == third


def test_list_parameters_are_float64_so_a_float64_net_computes_with_them_as_written():
    """Lists were stored as float32: a float64 net's mean of [0.1, 0.2] was 0.10000000149..., a float64 tensor
    constant came back from save/load as float32 (so the loaded net differed), while a scalar 0.1 was exact."""
    mean = MultinormalDiagonalDistribution([0.1, 0.2], [1.0, 1.0])
    net = NetGraph([RandomArrayLayer(mean, output=(1, 2), eval_mode="mean")], [])
    assert net(batch_size=1, precision="float64").flatten().tolist() == [0.1, 0.2]
    assert net(batch_size=1).dtype == torch.float32 and net.compile().eval()(batch_size=1).dtype == torch.float32
    given = NormalDistribution(torch.tensor([0.1, 0.2], dtype=torch.float64), 1.0)
    spec = NetGraph([RandomArrayLayer(given, output=2)], [])
    back = NetGraph.from_yaml(spec.to_yaml())
    assert back == spec and back.layers["1"].distribution.params[0].dtype == torch.float64
    assert NormalDistribution([0.1], 1.0) == NormalDistribution(torch.tensor([0.1]), 1.0)  # alike in float32
    assert NormalDistribution([0.1], 1.0) != NormalDistribution(torch.tensor([0.1 + 1e-12], dtype=torch.float64), 1.0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_a_draw_torch_has_no_half_precision_kernel_for_names_the_layer(dtype):
    """module.half() of a Gamma draw raised torch's NotImplementedError ('"gamma_cpu" not implemented for 'Half'')."""
    module = NetGraph({"g": RandomArrayLayer(GammaDistribution(2.0, 1.5), output=2)}, []).compile().to(dtype)
    with pytest.raises(DataError, match=rf"layer 'g' .*GammaDistribution.*cannot draw in {dtype} on cpu.*gamma_cpu.*"
                                        r"run this layer in float32 or float64") as info:
        module(batch_size=3)
    assert info.value.kind == "data-dtype" and module.float()(batch_size=3).dtype == torch.float32


@pytest.mark.parametrize("dist", [NormalDistribution("#a", "#b"), WeibullDistribution("#a", "#b")])
def test_float32_and_float64_parameters_draw_their_noise_in_float64(dist):
    """The noise took the first parameter's dtype (found by QA): float32 mu beside float64 sigma drew float32
    noise, so about 2 in 5 draws of 1 + eps were float32 numbers; the inline Normal draw and the module's alike."""
    module = NetGraph([RandomArrayLayer(dist)], [], a=500, b=500).compile()
    torch.manual_seed(0)
    out = module(a=torch.ones(1, 500), b=torch.ones(1, 500, dtype=torch.float64))
    assert out.dtype == torch.float64 and bool((out.float().double() != out).all())


@pytest.mark.parametrize("layers, shape", [
    ([RandomArrayLayer(NormalDistribution(0, 1), output=(4, 2))], (4, 2)),
    ([NetArrayLayer(array=[[1.0, 2.0, 3.0]])], (1, 3)),
    ("seed", (2,)),
])
def test_a_net_without_inputs_draws_an_empty_batch_of_its_shapes_for_batch_size_0(layers, shape, seed_net):
    """net(batch_size=0) was an OptionError (batch_size= must be a positive integer), though a net with inputs gives
    an empty batch of its output shapes for a batch of 0 rows."""
    net = net_initialize(seed_net if layers == "seed" else NetGraph(layers, []))
    empty, two, compiled = (dict(out) if isinstance(out, dict) else {"Output": out}
                            for out in (net(batch_size=0), net(batch_size=2), net.compile()(batch_size=0)))
    assert {k: tuple(v.shape) for k, v in empty.items()} == {k: (0, *shape) for k in two}
    assert {k: v.dtype for k, v in empty.items()} == {k: v.dtype for k, v in two.items()}
    assert {k: tuple(v.shape) for k, v in compiled.items()} == {k: (0, *shape) for k in two}
    with pytest.raises(OptionError, match=r"batch_size= must be an integer >= 0 \(the number of examples to draw\), "
                                          r"None or 'Automatic', found -1"):
        net(batch_size=-1)


def test_a_draw_of_unknown_shape_says_how_to_give_one():
    """Found by QA: RandomArrayLayer(GammaDistribution(2, 1)) alone said only "port 'Output' has unknown shape ?"."""
    net = NetGraph([RandomArrayLayer(GammaDistribution(2.0, 1.0))], [])
    with pytest.raises(ShapeError, match=r"port 'Output' has unknown shape \?: nothing fixes how many values to draw: "
                                         r"give output=, e\.g\. output=3, .*output=\(\) for one value per example"):
        net(batch_size=2)
    assert NetGraph([RandomArrayLayer(GammaDistribution(2.0, 1.0), output=())], [])(batch_size=2).shape == (2,)


@pytest.mark.parametrize("distribution, given, meant", [
    (PoissonDistribution(2.0), "REINFORCE", "score_function"),
    (GammaDistribution(2.0, 1.0), "reparameterization", "implicit"),
    (BernoulliDistribution(0.3), "gumbel-softmax", "relaxed"),
    (NormalDistribution(), "Score_Function", "score_function")])
def test_an_estimator_by_the_literature_s_name_says_netgraph_s(distribution, given, meant):
    """Found by QA: estimator='REINFORCE' (Pyro's and the papers' name) listed the estimators but not which it was."""
    with pytest.raises(OptionError, match=rf"found '{given}' \('{given}' is netgraph's '{meant}'\)") as err:
        RandomArrayLayer(distribution, estimator=given)
    assert err.value.diagnostics[0].expected == distribution.ESTIMATORS and err.value.diagnostics[0].found == given

