"""Learning-rate multipliers stored on a net (net_set_learning_rate_multipliers): training honours them,
net_train's own rules come first, YAML keeps them, bad rules are one clear error."""

from __future__ import annotations

import jsonschema
import pytest
import torch
import yaml

from netgraph import (BatchNormalizationLayer, ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetMapOperator,
                      OptionError, SpecError, TorchLayer, net_initialize, net_set_learning_rate_multipliers)
from netgraph.spec.schema import spec_schema
from netgraph.core.multiplier_rates import array_multipliers
from netgraph.core.multipliers import array_names
from netgraph.train import net_train


def net() -> NetGraph:
    enc = NetChain({"a": LinearLayer(8), "t": ElementwiseLayer("Tanh"), "b": LinearLayer(8)}, input=2)
    return NetGraph({"enc": enc, "act": ElementwiseLayer("Tanh"), "dec": LinearLayer(1)},
                    [("enc", "act", "dec")], Input=2)


def data(n: int = 64) -> dict:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, 2, generator=g) * 2 - 1
    return {"Input": x, "Target": torch.sin(2 * x[:, :1]) + x[:, 1:] ** 2}


def arrays(trained: NetGraph) -> dict[str, torch.Tensor]:
    return {"enc.a": trained.layers["enc"].layers["a"].arrays["Weights"],
            "enc.b": trained.layers["enc"].layers["b"].arrays["Weights"],
            "dec": trained.layers["dec"].arrays["Weights"], "dec.Biases": trained.layers["dec"].arrays["Biases"]}


def sgd_step(start: NetGraph, **options) -> dict[str, torch.Tensor]:
    """Each weight's change over one full-batch SGD step."""
    results = net_train(start, data(), method="SGD", learning_rate=0.1, max_training_rounds=1, batch_size=64,
                        random_seed=0, progress=False, all=True, **options)
    after = arrays(results.trained_net)
    return {k: after[k] - v for k, v in arrays(start).items()}


def test_a_stored_zero_freezes_and_a_stored_half_halves_the_sgd_step_exactly():
    start = net_initialize(net(), seed=0)
    plain = sgd_step(start)
    stored = net_set_learning_rate_multipliers(start, {("dec", "Weights"): 0, "enc/b": 0.5})
    step = sgd_step(stored)
    assert torch.count_nonzero(step["dec"]) == 0 and torch.count_nonzero(plain["dec"]) > 0
    # exact up to float32 rounding of weight - step (a few ulps of the weights, which are below 1)
    torch.testing.assert_close(step["enc.b"], 0.5 * plain["enc.b"], rtol=1e-6, atol=2e-7)
    assert float(plain["enc.b"].abs().min()) > 1e-5  # the steps are far larger than that rounding
    torch.testing.assert_close(step["enc.a"], plain["enc.a"], rtol=0, atol=0)
    torch.testing.assert_close(step["dec.Biases"], plain["dec.Biases"], rtol=0, atol=0)


def test_a_frozen_part_stays_bit_identical_over_several_rounds_and_nested_rules_apply():
    start = net_initialize(net(), seed=1)
    inner = net_set_learning_rate_multipliers(start.layers["enc"], {"a": 0})  # stored on the inner chain
    frozen = start.replace_layers({"enc": inner})
    results = net_train(frozen, data(), max_training_rounds=3, random_seed=0, progress=False, all=True)
    before, after = arrays(start), arrays(results.trained_net)
    assert torch.equal(after["enc.a"], before["enc.a"])
    assert not torch.equal(after["enc.b"], before["enc.b"]) and not torch.equal(after["dec"], before["dec"])
    assert results.learning_rate_multipliers["enc.a.Weights"] == 0.0
    assert results.trained_net.layers["enc"].learning_rate_multipliers == {"a": 0.0}  # kept on the trained net


def test_net_train_rules_come_before_the_stored_ones():
    start = net_set_learning_rate_multipliers(net_initialize(net(), seed=2), {"All": 0})
    step = sgd_step(start, learning_rate_multipliers={"dec": 1})
    assert torch.count_nonzero(step["dec"]) > 0
    assert torch.count_nonzero(step["enc.a"]) == 0 and torch.count_nonzero(step["enc.b"]) == 0


def test_yaml_keeps_the_multipliers_in_order():
    stored = net_set_learning_rate_multipliers(net(), [("dec/Weights", 0), ("enc*", 0.1), (3, 2)])
    assert stored.learning_rate_multipliers == {"dec/Weights": 0.0, "enc*": 0.1, "dec": 2.0}
    back = NetGraph.from_yaml(stored.to_yaml())
    assert back == stored and list(back.learning_rate_multipliers) == ["dec/Weights", "enc*", "dec"]
    assert back != net() and net_set_learning_rate_multipliers(stored, {}) == net()
    nested = stored.replace_layers({"enc": net_set_learning_rate_multipliers(stored.layers["enc"], {"a": 0})})
    validator = jsonschema.Draft202012Validator(spec_schema())
    validator.validate(yaml.safe_load(nested.to_yaml()))
    negative = yaml.safe_load(nested.to_yaml().replace("a: 0.0", "a: -1"))
    assert not validator.is_valid(negative)


@pytest.mark.parametrize("rules, message", [
    ({"dex": 1}, "key 'dex' matches no array (did you mean 'dec'?)"),
    ({"enc/a/Wieghts": 1}, "key 'enc/a/Wieghts' matches no array (did you mean 'enc/a/Weights'?)"),  # found by QA
    ({"dec": -1}, "multiplier of 'dec' must be a number >= 0 (0 freezes), found -1"),
    ({"act": 1}, "key 'act' names a layer without arrays; layers with arrays: ['dec', 'enc/a', 'enc/b']"),
    ("fast", "learning-rate multipliers are a number, a dict {layer: r} or (layer, r) pairs"),
    ({"1;;2": 0}, "key '1;;2' is a span of layers (Wolfram's m;;n), which rules do not take: give a rule per layer"),
    ([(range(1, 3), 0)], "key range(1, 3) is a span of layers (Wolfram's m;;n)"),  # it said 'matches no array'
])
def test_bad_rules_are_one_clear_error(rules, message):
    with pytest.raises(OptionError) as info:
        net_set_learning_rate_multipliers(net(), rules)
    assert message in str(info.value)


def test_a_bad_rule_in_yaml_is_located():
    text = net_set_learning_rate_multipliers(net(), {"dec": 0.5}).to_yaml().replace("dec: 0.5", "dex: 0.5")
    with pytest.raises(SpecError, match=r"key 'dex' matches no array \(did you mean 'dec'\?\)"):
        NetGraph.from_yaml(text)


def test_an_index_in_a_tuple_key_names_a_layer_at_any_depth_negative_from_the_end():
    # (1, -1) matched no array ('-1' was read as a layer name below the top level), though layer_at, the surgery
    # functions and a top-level key (-1) take it; an index names the same layer in net_initialize(method=)
    inner = NetGraph({"a": LinearLayer(3), "b": LinearLayer(3)}, [("a", "b")])
    fresh = NetChain([inner, LinearLayer(2)], input=4)
    deep = net_initialize(fresh, seed=0)
    for key in ((1, -1), (-2, 2), (1, "b"), (1, -1, "Weights")):
        rates = net_set_learning_rate_multipliers(deep, {key: 0}).information("ArraysLearningRateMultipliers")
        assert {p for p, r in rates.items() if r == 0} == {("1", "b", "Weights")} | (
            set() if len(key) == 3 else {("1", "b", "Biases")})
    with pytest.raises(OptionError, match=r"key \(1, -3\) matches no array"):
        net_set_learning_rate_multipliers(deep, {(1, -3): 0})
    filled = net_initialize(fresh, method={(1, -1, "Biases"): 0.25}, seed=0)
    assert torch.equal(filled.layer_at(("1", "b")).arrays["Biases"], torch.full((3,), 0.25))


def test_an_index_in_a_tuple_key_names_a_layer_inside_an_operators_inner_net():
    # ("map", "net", -1) matched no array (an index past an operator was read as a name), though net_take and
    # layer_at take that path; it names the same layer in net_train's rules and net_initialize(method=)
    inner = NetGraph({"a": LinearLayer(3), "b": LinearLayer(3)}, [("a", "b")])
    fresh = NetGraph({"pre": NetGraph({"map": NetMapOperator(inner)}, []), "out": LinearLayer(2)},
                     [("pre", "out")], Input=(5, 4))
    deep = net_initialize(fresh, seed=0)
    for key in (("pre", "map", "net", -1), (1, 1, "net", 2), (-2, "map", "net", "b", "Weights")):
        rates = net_set_learning_rate_multipliers(deep, {key: 0}).information("ArraysLearningRateMultipliers")
        frozen = {p for p, r in rates.items() if r == 0}
        assert frozen == {("pre", "map", "net", "b", "Weights")} | (set() if len(key) == 5 else {
            ("pre", "map", "net", "b", "Biases")})
        given = array_multipliers(deep, array_names(deep), [(key, 0)])  # net_train's learning_rate_multipliers=
        assert {tuple(name.split(".")) for name, r in given.items() if r == 0} == frozen
    with pytest.raises(OptionError, match=r"key \('pre', 'map', 'net', -3\) matches no array"):
        net_set_learning_rate_multipliers(deep, {("pre", "map", "net", -3): 0})
    filled = net_initialize(fresh, method={("pre", "map", "net", -1, "Biases"): 0.25}, seed=0)
    assert torch.equal(filled.layer_at(("pre", "map", "net", "b")).arrays["Biases"], torch.full((3,), 0.25))


def test_yaml_takes_one_number_for_every_array_as_python_does():
    """``learning_rate_multipliers: 0.5`` was refused ('is a mapping'), though net_train and
    net_set_learning_rate_multipliers take a number as {All: r}."""
    text = net().to_yaml() + "learning_rate_multipliers: 0.5\n"
    assert NetGraph.from_yaml(text) == net_set_learning_rate_multipliers(net(), 0.5)
    assert NetGraph.from_yaml(text).learning_rate_multipliers == {"All": 0.5}
    assert jsonschema.Draft202012Validator(spec_schema()).is_valid(yaml.safe_load(text))
    for bad, message in [("-1", "multiplier of 'All' must be a number >= 0"), ("true", "found a bool value"),
                         ("fast", "is a number or a mapping {layer: multiplier}, found a str value")]:
        with pytest.raises(SpecError, match=r"<string>:\d+:\d+: .*" + message.replace("{", r"\{")):
            NetGraph.from_yaml(text.replace("multipliers: 0.5", f"multipliers: {bad}"))


def test_yaml_tells_each_bad_rule_at_its_key_or_value():
    """Found by QA: every bad rule was told in one message at the mapping's '{', in Python's words
    ('net_set_learning_rate_multipliers: 2 problems: ...')."""
    text = ("netgraph: 1\nlayers: {a: 3, c: 3}\ninputs: {Input: 3}\nedges: [Input -> a -> c]\n"
            "learning_rate_multipliers: {a: .nan, b: 1, c: -1}\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    assert [(d.line, d.column, d.message) for d in info.value.diagnostics] == [
        (5, 32, "learning_rate_multipliers: multiplier of 'a' must be a number >= 0 (0 freezes), found nan"),
        (5, 38, "learning_rate_multipliers: key 'b' matches no array; layers with arrays: ['a', 'c']"),
        (5, 47, "learning_rate_multipliers: multiplier of 'c' must be a number >= 0 (0 freezes), found -1")]
    assert NetGraph.from_yaml(text.replace("{a: .nan, b: 1, c: -1}", "{a: 0.5, 'a*': 2}")).learning_rate_multipliers \
        == {"a": 0.5, "a*": 2.0}  # good rules: stored together, in order


@pytest.mark.parametrize("rules", [{"enc": 0, "dec": 0.5, "*": 1}, {"All": 0.5, "dec": 0.1},
                                   {"dec": 0.5, "dec/Weights": 0.1}])
def test_net_train_accepts_a_rule_that_earlier_rules_cover_as_the_stored_rules_do(rules):
    start = net_initialize(net(), seed=3)
    stored = sgd_step(net_set_learning_rate_multipliers(start, rules))  # accepted there: the first rule wins
    given = sgd_step(start, learning_rate_multipliers=rules)
    for key, change in given.items():
        torch.testing.assert_close(change, stored[key], rtol=0, atol=0)
    with pytest.raises(OptionError, match=r"key 'dex' matches no array \(did you mean 'dec'\?\)"):
        sgd_step(start, learning_rate_multipliers={**rules, "dex": 1})


@pytest.mark.parametrize("make, mean", [
    (lambda: BatchNormalizationLayer(), "MovingMean"),
    (lambda: TorchLayer(torch.nn.Sequential(torch.nn.BatchNorm1d(3), torch.nn.Dropout(0.5))), "0.running_mean")])
def test_a_frozen_batch_norm_keeps_its_moving_statistics(make, mean):
    """Freezing keeps a layer's arrays bit-identical: its moving mean and variance too (torch updated them in
    train mode whatever the gradients), native or in a TorchLayer."""
    torch.manual_seed(0)
    data = {"Input": torch.randn(64, 3) * 3 + 2, "Target": torch.randn(64, 3)}
    start = net_initialize(NetChain({"lin": LinearLayer(3), "bn": make()}, input=3), seed=0)
    frozen = net_train(start, data, max_training_rounds=2, learning_rate_multipliers={"bn": 0}, progress=False)
    trained = net_train(start, data, max_training_rounds=2, progress=False)
    for name, value in start.layers["bn"].arrays.items():
        assert torch.equal(frozen.layers["bn"].arrays[name], value), name
    assert not torch.equal(trained.layers["bn"].arrays[mean], start.layers["bn"].arrays[mean])
    assert not torch.equal(frozen.layers["lin"].arrays["Weights"], start.layers["lin"].arrays["Weights"])


@pytest.mark.parametrize("make, rules, kept, moved", [
    (BatchNormalizationLayer, {"bn/*c*": 0}, ["Scaling", "MovingVariance"], ["Biases", "MovingMean"]),
    (BatchNormalizationLayer, {("bn", "MovingMean"): 0}, ["MovingMean"], ["Scaling", "MovingVariance"]),
    (lambda: TorchLayer(torch.nn.BatchNorm1d(3)), {"bn/*var": 0}, ["running_var"], ["weight", "running_mean"])])
def test_a_partly_frozen_batch_norm_keeps_its_frozen_statistics(make, rules, kept, moved):
    """Only a module whose buffers were all frozen was held: a frozen moving variance beside a moving mean that
    trains moved all the same; and a rule naming a buffer alone was refused as matching no array."""
    torch.manual_seed(0)
    data = {"Input": torch.randn(64, 3) * 3 + 2, "Target": torch.randn(64, 3)}
    start = net_initialize(NetChain({"lin": LinearLayer(3), "bn": make()}, input=3), seed=0)
    trained = net_train(start, data, max_training_rounds=2, learning_rate_multipliers=rules, progress=False)
    before, after = start.layers["bn"].arrays, trained.layers["bn"].arrays
    assert all(torch.equal(after[name], before[name]) for name in kept)
    assert not any(torch.equal(after[name], before[name]) for name in moved)


@pytest.mark.parametrize("make", [BatchNormalizationLayer, lambda: TorchLayer(torch.nn.BatchNorm1d(3))])
def test_learning_rate_0_moves_no_array_moving_statistics_included(make):
    """A global rate of 0 is every array's multiplier times 0: the moving statistics stay too (they moved)."""
    torch.manual_seed(0)
    data = {"Input": torch.randn(64, 3) * 3 + 2, "Target": torch.randn(64, 3)}
    start = net_initialize(NetChain({"lin": LinearLayer(3), "bn": make()}, input=3), seed=0)
    trained = net_train(start, data, max_training_rounds=2, learning_rate=0, progress=False)
    for layer in ("lin", "bn"):
        for name, value in start.layers[layer].arrays.items():
            assert torch.equal(trained.layers[layer].arrays[name], value), (layer, name)


def test_frozen_parameters_beside_moving_statistics_that_would_move_name_them():
    """Every parameter frozen, the moving statistics not: the refusal says what would still move (it said every
    array was frozen)."""
    start = net_initialize(NetChain({"lin": LinearLayer(3), "bn": BatchNormalizationLayer()}, input=3), seed=0)
    rules = {"lin": 0, "bn/Scaling": 0, "bn/Biases": 0}
    with pytest.raises(OptionError, match=r"moving statistics alone \(bn\.MovingMean, bn\.MovingVariance\)") as info:
        net_train(start, {"Input": torch.randn(8, 3), "Target": torch.randn(8, 3)}, learning_rate_multipliers=rules,
                  progress=False)
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.option, problem.found) == ("nothing-to-train", "learning_rate_multipliers", 4)
