"""net_initialize(method=...): Xavier/Kaiming statistics, orthogonality, identity, per-part rules, errors."""

import math

import pytest
import torch

from netgraph import (ConvolutionLayer, GammaDistribution, LinearLayer, NetGraph, NormalDistribution, OptionError,
                      ShapeError, UniformDistribution, net_initialize)


def mlp(inputs=300, hidden=400, outputs=200):
    return NetGraph({"h": LinearLayer(hidden), "out": LinearLayer(outputs)}, [("h", "out")], Input=inputs)


def assert_variance(w, expected, mean=0.0):
    """Sample variance of ``w`` within 4 standard errors of ``expected`` (SE ≤ var·sqrt(2/n) for these laws)."""
    n = w.numel()
    assert abs(float(w.mean()) - mean) < 4 * math.sqrt(expected / n)
    assert abs(float(w.var()) - expected) < 4 * expected * math.sqrt(2 / n)


@pytest.mark.parametrize("method", ["Kaiming", "KaimingNormal", "He uniform", ("Kaiming", {"distribution": "normal"})])
def test_kaiming_variance_is_two_over_fan_in(method):
    w = net_initialize(mlp(), seed=0, method=method).layers["h"].arrays["Weights"]  # (400, 300)
    assert_variance(w, 2 / 300)


def test_kaiming_fan_out_and_convolution_fans():
    w = net_initialize(mlp(), seed=1, method=("Kaiming", {"mode": "fan_out"})).layers["h"].arrays["Weights"]
    assert_variance(w, 2 / 400)
    conv = NetGraph({"c": ConvolutionLayer(64, 3)}, [], Input=(32, 8, 8))
    k = net_initialize(conv, seed=2, method="KaimingNormal").layers["c"].arrays["Weights"]  # (64, 32, 3, 3)
    assert_variance(k, 2 / (32 * 9))


@pytest.mark.parametrize("method", ["Xavier", "GlorotNormal", ("Xavier", {"distribution": "normal"})])
def test_xavier_variance_is_two_over_fan_sum(method):
    w = net_initialize(mlp(), seed=3, method=method).layers["h"].arrays["Weights"]
    assert_variance(w, 2 / (300 + 400))
    uniform = "normal" not in str(method).lower()
    if uniform:  # Glorot-uniform's bound sqrt(6 / (fan_in + fan_out))
        assert float(w.abs().max()) <= math.sqrt(6 / 700)


@pytest.mark.parametrize("method, sd", [("Random", 1.0), (("Random", {"Weights": 0.1}), 0.1),
                                        (("random", {"weights": 2.0}), 2.0)])
def test_wolframs_random_method_draws_normal_weights_of_the_given_sd_and_leaves_biases_zero(method, sd):
    net = net_initialize(mlp(), method=method, seed=0)
    assert_variance(net.layers["h"].arrays["Weights"], sd ** 2)
    assert not net.layers["h"].arrays["Biases"].any()
    with pytest.raises(OptionError, match=r"Random option 'weights' must be a standard deviation >= 0"):
        net_initialize(mlp(), method=("Random", {"weights": -1.0}))


@pytest.mark.parametrize("weights, mean, variance", [(NormalDistribution(0.5, 0.1), 0.5, 0.01),
                                                     (UniformDistribution((-0.3, 0.3)), 0.0, 0.6 ** 2 / 12)])
def test_wolframs_random_method_takes_a_weight_distribution_and_biases_none(weights, mean, variance):
    """Wolfram's Method -> {"Random", "Weights" -> NormalDistribution[0, 1], "Biases" -> None}: a distribution was
    'must be a finite number' and "Biases" was 'Random has no option'."""
    net = net_initialize(mlp(), method=("Random", {"Weights": weights, "Biases": None}), seed=0)
    w = net.layers["h"].arrays["Weights"]
    assert_variance(w, variance, mean)
    if isinstance(weights, UniformDistribution):
        assert -0.3 <= float(w.min()) and float(w.max()) <= 0.3
    assert not net.layers["h"].arrays["Biases"].any()
    for bad in ({"Biases": 0.1}, {"Weights": GammaDistribution(2, 1)}, {"Weights": NormalDistribution("#m", 1)}):
        with pytest.raises(OptionError, match="Random option"):
            net_initialize(mlp(), method=("Random", bad))


def test_random_weights_are_netgraphs_distributions_not_any_class_of_that_name():
    # Found by review: the distribution was recognised by type(value).__name__
    class NormalDistribution:  # noqa: N801 (an impostor of netgraph's, same name and params)
        params = (0.0, 1.0)
    with pytest.raises(OptionError, match="Random option 'weights' must be"):
        net_initialize(mlp(), method=("Random", {"Weights": NormalDistribution()}))


def test_options_are_read_in_any_case_as_wolframs_distribution_normal():
    same = [net_initialize(mlp(), method=m, seed=3).layers["h"].arrays["Weights"]
            for m in (("Kaiming", {"Distribution": "Normal"}), ("Kaiming", {"distribution": "normal"}))]
    assert torch.equal(*same)


def test_orthogonal_rows_or_columns_are_orthonormal():
    net = net_initialize(mlp(300, 400, 20), seed=4, method="Orthogonal")
    wide = net.layers["out"].arrays["Weights"]  # (20, 400): orthonormal rows
    torch.testing.assert_close(wide @ wide.T, torch.eye(20), atol=1e-5, rtol=0)
    tall = net.layers["h"].arrays["Weights"]  # (400, 300): orthonormal columns
    torch.testing.assert_close(tall.T @ tall, torch.eye(300), atol=1e-5, rtol=0)
    gained = net_initialize(mlp(300, 400, 20), method=("Orthogonal", {"gain": 2.0})).layers["out"].arrays["Weights"]
    torch.testing.assert_close(gained @ gained.T, 4 * torch.eye(20), atol=1e-4, rtol=0)


def test_identity_makes_square_layers_pass_their_input_through():
    net = net_initialize(NetGraph({"a": LinearLayer(5), "b": LinearLayer(5)}, [("a", "b")], Input=5),
                         method="Identity")
    x = torch.randn(7, 5)
    torch.testing.assert_close(net(x), x)
    conv = net_initialize(NetGraph({"c": ConvolutionLayer(3, 3, padding_size=1)}, [], Input=(3, 6, 6)),
                          method="Identity")
    image = torch.randn(2, 3, 6, 6)
    torch.testing.assert_close(conv(image), image)


def test_per_part_rules_first_match_wins_and_the_rest_keep_defaults():
    rules = {("out", "Biases"): 0.25, "out": "Orthogonal", "All": ("Xavier", {"gain": 0.0})}
    net = net_initialize(mlp(300, 400, 20), seed=5, method=rules)
    out = net.layers["out"].arrays
    assert torch.equal(out["Biases"], torch.full((20,), 0.25))
    torch.testing.assert_close(out["Weights"] @ out["Weights"].T, torch.eye(20), atol=1e-5, rtol=0)
    assert torch.equal(net.layers["h"].arrays["Weights"], torch.zeros(400, 300))  # Xavier with gain 0
    assert torch.equal(net.layers["h"].arrays["Biases"], torch.zeros(400))  # 'All' skips biases: default zero
    pairs = net_initialize(mlp(), method=[("h/Weights", 1.5), ("*", 0.0)])
    assert torch.equal(pairs.layers["h"].arrays["Weights"], torch.full((400, 300), 1.5))
    assert torch.equal(pairs.layers["out"].arrays["Weights"], torch.zeros(200, 400))


def test_a_bare_layer_takes_array_keys_and_filled_arrays_stay_unless_all():
    layer = net_initialize(LinearLayer(3, input=4), method={"Biases": 2.0, "Weights": "Orthogonal"})
    assert torch.equal(layer.arrays["Biases"], torch.full((3,), 2.0))
    again = net_initialize(layer, method=0.0)
    assert torch.equal(again.arrays["Biases"], layer.arrays["Biases"])
    assert torch.equal(net_initialize(layer, method=0.0, all=True).arrays["Biases"], torch.zeros(3))
    pairs = net_initialize(LinearLayer(3, input=4), method=[("Weights", 1.0), ("All", 2.0)])
    assert torch.equal(pairs.arrays["Weights"], torch.ones(3, 4))
    assert torch.equal(pairs.arrays["Biases"], torch.full((3,), 2.0))


def test_a_rule_that_earlier_rules_cover_is_accepted_and_the_first_wins():
    net = net_initialize(mlp(10, 4, 2), method={"h": 1.0, "h/Weights": 2.0, "out": 3.0, "*": 4.0})
    assert torch.equal(net.layers["h"].arrays["Weights"], torch.ones(4, 10))
    assert torch.equal(net.layers["out"].arrays["Biases"], torch.full((2,), 3.0))


def test_seed_makes_methods_reproducible():
    a, b, c = (net_initialize(mlp(), seed=s, method="KaimingNormal").layers["h"].arrays["Weights"] for s in (7, 7, 8))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("method, error, message", [
    ("Kaimin", OptionError, "unknown initialisation method 'Kaimin' (did you mean 'Kaiming'?)"),
    ({"hh": "Xavier"}, OptionError, "method key 'hh' matches no array (did you mean 'h'?)"),
    (("Kaiming", {"mod": "fan_in"}), OptionError, "Kaiming has no option 'mod' (did you mean 'mode'?)"),
    (("Kaiming", {"mode": "fan_inn"}), OptionError, "'mode' must be one of ('fan_in', 'fan_out'), found 'fan_inn'"),
    ({("h", "Biases"): "Orthogonal"}, ShapeError,
     "layer 'h' array 'Biases' of shape (400,): Orthogonal needs an array of at least 2 dimensions"),
    ({"h": "Identity"}, ShapeError, "layer 'h' array 'Weights' of shape (400, 300): Identity needs as many outputs"),
    ([], None, None),
])
def test_bad_methods_are_one_clear_error(method, error, message):
    if error is None:  # no rules: the default initialisation
        assert torch.equal(net_initialize(mlp(), method=method).layers["h"].arrays["Weights"],
                           net_initialize(mlp()).layers["h"].arrays["Weights"])
        return
    with pytest.raises(error) as info:
        net_initialize(mlp(), method=method)
    assert message in str(info.value)


@pytest.mark.parametrize("method", [math.nan, math.inf, ("Constant", {"value": -math.inf}),
                                    ("Orthogonal", {"gain": math.nan})])
def test_a_non_finite_constant_or_gain_is_refused(method):
    with pytest.raises(OptionError, match="must be a finite number"):
        net_initialize(NetGraph([LinearLayer(2)], [], Input=3), method=method)


def test_a_numpy_number_is_a_constant_method():
    import numpy as np
    net = net_initialize(NetGraph([LinearLayer(2)], [], Input=3), method=np.float32(0.25))
    assert torch.equal(net.layers["1"].arrays["Weights"], torch.full((2, 3), 0.25))


def _siamese():
    """'right' uses only the arrays of 'left' (its first user): a tower shared as Keras shares a layer called twice."""
    from netgraph import NetChain, NetPort, net_insert_shared_arrays
    tower = net_insert_shared_arrays(NetChain({"l1": LinearLayer(3)}), "t")
    return NetGraph({"left": tower, "right": tower, "add": "Plus"},
                    [(NetPort("x1"), "left"), (NetPort("x2"), "right"), (["left", "right"], "add")], x1=3, x2=3)


def test_a_rule_reaches_a_shared_array_by_any_users_array_path_as_learning_rate_rules_do():
    """Found by QA with Keras habits: method={('right', 'l1', 'Weights'): 'Identity'}, a later user's array path,
    was accepted and ignored (the array was drawn by its first user's rules), though the keys are those of
    learning_rate_multipliers, which reach a shared array by any user's array path."""
    for key in (("right", "l1", "Weights"), ("left", "l1", "Weights"), "left"):
        net = net_initialize(_siamese(), seed=0, method={key: "Identity"})
        assert torch.equal(net.layers["right"].layers["l1"].arrays["Weights"], torch.eye(3))


@pytest.mark.parametrize("key", ["right", ("right", "l1")])
def test_a_layer_rule_on_a_later_user_of_only_shared_arrays_is_refused(key):
    with pytest.raises(OptionError, match=r"reaches only shared arrays whose first user is layer 'left/l1'") as info:
        net_initialize(_siamese(), seed=0, method={key: "Identity"})
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.option, problem.found) == ("shared-array-rule", "method", key)


@pytest.mark.parametrize("method", [0, 2.5, "Xavier", "Kaiming", "Orthogonal", "Identity", "Random", {"1": 0},
                                    {"All": -1}])
@pytest.mark.parametrize("fill_all", [False, True])
def test_running_statistics_keep_their_defaults_whatever_the_method(method, fill_all):
    """As Wolfram's NetInitialize: MovingMean 0 and MovingVariance 1 for every Method (a constant 0 once zeroed
    the variance); the learned arrays do follow a constant."""
    from netgraph import BatchNormalizationLayer, NetChain
    arrays = net_initialize(NetChain([BatchNormalizationLayer()], input=3), method=method, all=fill_all,
                            seed=0).layers["1"].arrays
    assert torch.equal(arrays["MovingMean"], torch.zeros(3))
    assert torch.equal(arrays["MovingVariance"], torch.ones(3))
    if isinstance(method, (int, float)):
        assert torch.equal(arrays["Scaling"], torch.full((3,), float(method)))


def test_torch_layer_buffers_keep_the_module_values_under_a_constant_method():
    from netgraph import NetChain, TorchLayer
    layer = TorchLayer(torch.nn.BatchNorm1d(3), inputs={"Input": 3})
    arrays = net_initialize(NetChain([layer], input=3), method=0, all=True).layers["1"].arrays
    assert torch.equal(arrays["running_var"], torch.ones(3)) and torch.equal(arrays["weight"], torch.zeros(3))


def test_a_rule_naming_a_running_statistic_is_refused():
    from netgraph import BatchNormalizationLayer, NetChain
    net = NetChain([BatchNormalizationLayer()], input=3)
    with pytest.raises(OptionError, match=r"method key \('1', 'MovingVariance'\) names 'MovingVariance' of layer "
                                          r"'1', a running statistic, which no method fills"):
        net_initialize(net, method={("1", "MovingVariance"): 0})
    assert torch.equal(net_initialize(net, method={"1": 0, "*": 1}).layers["1"].arrays["MovingVariance"],
                       torch.ones(3))  # a rule that earlier rules leave nothing to: accepted, as before
