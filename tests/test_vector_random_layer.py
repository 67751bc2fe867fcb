"""RandomArrayLayer with vector and class distributions: shapes, bad values, specs, diagrams, eval mode, training."""

from __future__ import annotations

import json
import re
import warnings

import pytest
import torch

from netgraph import (BinomialDistribution, CategoricalDistribution, CrossEntropyLossLayer, DataError,
                      DirichletDistribution, DiscreteUniformDistribution, ElementwiseLayer, PoissonDistribution,
                      MultinormalCholeskyDistribution, MultinormalDiagonalDistribution, MultinormalDistribution,
                      NetArrayLayer, NetGraph, NetPort, OptionError, RandomArrayLayer, ShapeError, SoftmaxLayer,
                      net_initialize, net_train)
from netgraph.layers.estimators import HELD_RECORDS, EstimatorWarning
from netgraph.spec.schema import spec_schema

EYE3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def single(layer, **shapes) -> NetGraph:
    return NetGraph({"draw": layer}, [], **shapes)


# -- shapes -----------------------------------------------------------------------------------------------
def test_output_is_sample_dims_then_event_dims():
    net = single(RandomArrayLayer(MultinormalDistribution("#mu", "#sigma")), mu=(5, 3), sigma=(3, 3))
    assert net.output_shapes == {"Output": (5, 3)}
    x = net(mu=torch.zeros(2, 5, 3), sigma=torch.eye(3).expand(2, 3, 3))
    assert x.shape == (2, 5, 3)
    declared = single(RandomArrayLayer(MultinormalDistribution("#mu", EYE3), output=(4, 3)), mu=3)
    assert declared(mu=torch.zeros(2, 3)).shape == (2, 4, 3)


def test_an_unknown_slot_shape_is_inferred_from_the_output_and_the_event_size():
    net = single(RandomArrayLayer(MultinormalDistribution("#mu", "#sigma"), output=(4, 3)), mu=3)
    assert net.input_shapes["sigma"] == (4, 3, 3)
    dirichlet = single(RandomArrayLayer(DirichletDistribution("#alpha"), output=(2, 5)))
    assert dirichlet.input_shapes["alpha"] == (2, 5)


@pytest.mark.parametrize("estimator,shape,dtype", [("score_function", (2,), "Integer"),
                                                    ("straight_through", (2, 4), "Real"), ("relaxed", (2, 4), "Real")])
def test_categorical_output_depends_on_the_estimator(estimator, shape, dtype):
    layer = RandomArrayLayer(CategoricalDistribution("#p"), estimator=estimator)
    net = single(layer, p=(2, 4))
    assert net.output_shapes["Output"] == shape and net.layers["draw"].declared_types()["Output"].dtype == dtype
    x = net(p=torch.full((3, 2, 4), 0.25))
    assert x.shape == (3, *shape) and (x.dtype == torch.int64) == (dtype == "Integer")


@pytest.mark.parametrize("make,shapes,message", [
    (lambda: MultinormalDistribution("#mu", "#sigma"), {"mu": 3, "sigma": (3, 2)},
     r"sigma \(covariance matrix\) \(port 'sigma'\) has shape \(3, 2\), expected \(3, 3\)"),
    (lambda: MultinormalDistribution("#mu", EYE3), {"mu": 4},
     r"sigma \(covariance matrix\) \(constant\) has shape \(3, 3\), expected \(4, 4\): the event size k = 4 comes "
     r"from parameter mu \(mean vector\) \(port 'mu'\)"),
    (lambda: MultinormalDistribution("#mu", "#sigma"), {"mu": 3, "sigma": 3}, r"sigma.*must be a k×k matrix"),
    (lambda: MultinormalCholeskyDistribution("#mu", "#l"), {"mu": (2, 3), "l": (4, 3, 3)},
     r"MultinormalCholeskyDistribution: parameter mu \(mean vector\) \(port 'mu'\) \(2, 3\), parameter L .* "
     r"\(port 'l'\) \(4, 3, 3\) do not broadcast together"),
], ids=["covariance not k×k", "constant and slot disagree", "vector for a matrix", "sample dims"])
def test_event_sizes_that_disagree_are_a_shape_error_naming_the_parameter(make, shapes, message):
    with pytest.raises(ShapeError, match=message):
        single(RandomArrayLayer(make()), **shapes)


def test_an_output_whose_event_size_disagrees_is_a_shape_error():
    with pytest.raises(ShapeError, match=r"output has shape \(5, 3\), expected \(5, 4\)"):
        single(RandomArrayLayer(CategoricalDistribution("#p"), estimator="straight_through", output=(5, 3)), p=4)



def test_an_event_size_that_disagrees_names_the_port_at_fault_and_the_shapes_in_the_diagnostic():
    """The layer's port whose graph input's declared shape is wrong (sigma, and that graph input), not the first one
    of the layer (mu), with the shapes."""
    with pytest.raises(ShapeError) as err:
        single(RandomArrayLayer(MultinormalDistribution("#mu", "#sigma")), mu=3, sigma=(3, 2))
    d = err.value.diagnostics[0]
    assert (d.layer, d.port, d.declared, d.expected, d.found) == (("draw",), "sigma", "sigma", (3, 3), (3, 2))
    with pytest.raises(ShapeError) as err:
        single(RandomArrayLayer(CategoricalDistribution("#p"), estimator="straight_through", output=(5, 3)), p=4)
    d = err.value.diagnostics[0]
    assert (d.layer, d.port, d.expected, d.found) == (("draw",), "Output", (5, 4), (5, 3))


def test_a_parameter_layer_whose_sample_dims_do_not_fit_the_output_is_named_with_the_shapes():
    """Sample dims of a parameter that do not broadcast to the output's were the bare "shapes (3), (5) do not
    broadcast" of shape broadcasting, naming neither the distribution nor the parameter."""
    layers = {"a": NetArrayLayer(array=[[1.0, 2.0]] * 3),
              "d": RandomArrayLayer(DirichletDistribution("#a"), output=(5, 2))}
    with pytest.raises(ShapeError, match=r"DirichletDistribution: parameter alpha \(concentrations\) \(port 'a'\) "
                                         r"\(3, 2\) do not broadcast to output \(5, 2\)") as err:
        NetGraph(layers, [("a", NetPort("d", "a"))])
    d = err.value.diagnostics[0]
    assert (d.layer, d.port, d.edge, d.expected, d.found) == (("d",), "a", 0, (5, 2), (3, 2))

# -- bad values: constants at construction, slots at run time --------------------------------------------
@pytest.mark.parametrize("make,message", [
    (lambda: MultinormalDistribution([0, 0], [[1, 0.5], [0.4, 1]]), r"sigma \(covariance matrix\) must be symmetric"),
    (lambda: MultinormalDistribution([0, 0], [[1, 2], [2, 1]]), r"sigma \(covariance matrix\) must be positive definite"),
    (lambda: MultinormalDistribution([0, 0], EYE3), r"event sizes k disagree: mu \(mean vector\) 2, sigma"),
    (lambda: MultinormalDistribution(0, EYE3), r"mu \(mean vector\) must be a vector"),
    (lambda: MultinormalCholeskyDistribution([0, 0], [[1, 0], [3, 0]]), r"L \(Cholesky factor.*diagonal > 0"),
    (lambda: MultinormalDiagonalDistribution([0, 0], [1, -1]), r"sigma \(standard deviations\) must be a finite number > 0"),
    (lambda: DirichletDistribution([1.0, -0.5]), r"alpha \(concentrations\) must be a finite number > 0, found -0.5"),
    (lambda: CategoricalDistribution([0.5, 0.6]), r"p \(class probabilities\) must sum to 1 \(within 0.0001\), found a sum of 1.1"),
    (lambda: CategoricalDistribution([1.5, -0.5]), r"p \(class probabilities\) must be a finite number in \[0, 1\]"),
    (lambda: CategoricalDistribution([]), r"p \(class probabilities\) must be a vector \(a list of k numbers\) with "
                                          r"k ≥ 1, found shape \(0\)$"),
    (lambda: DirichletDistribution(torch.zeros(2, 0)), r"alpha \(concentrations\) must be .* with k ≥ 1, found "
                                                       r"shape \(2, 0\)"),
], ids=["asymmetric", "not positive definite", "sizes", "scalar mean", "cholesky diagonal", "diagonal", "alpha",
        "sum", "range", "no classes", "empty events"])
def test_bad_constants_are_one_option_error_naming_distribution_and_parameter(make, message):
    with pytest.raises(OptionError, match=message) as info:
        make()
    assert re.match(r"^\w+Distribution: ", str(info.value))  # one error, led by the distribution's name


def test_the_probability_sum_tolerance_is_1e_4():
    assert CategoricalDistribution([0.25, 0.25, 0.5 + 5e-5]).slots == ()
    with pytest.raises(OptionError, match="must sum to 1"):
        CategoricalDistribution([0.25, 0.25, 0.5 + 2e-4])


@pytest.mark.parametrize("make,shapes,values,message", [
    (lambda: MultinormalDistribution("#mu", "#sigma"), {"mu": 2, "sigma": (2, 2)},
     {"mu": torch.zeros(3, 2), "sigma": torch.tensor([[1.0, 2.0], [2.0, 1.0]]).expand(3, 2, 2)},
     r"sigma \(covariance matrix\) must be positive definite .*\(the matrix at index \(0,\)\)"),
    (lambda: MultinormalDistribution("#mu", "#sigma"), {"mu": 2, "sigma": (2, 2)},
     {"mu": torch.zeros(3, 2), "sigma": torch.tensor([[1.0, 0.0], [1.0, 1.0]]).expand(3, 2, 2)}, r"must be symmetric"),
    (lambda: MultinormalCholeskyDistribution("#mu", "#l"), {"mu": 2, "l": (2, 2)},
     {"mu": torch.zeros(3, 2), "l": -torch.eye(2).expand(3, 2, 2)}, r"L \(Cholesky factor of the covariance\) must have a diagonal > 0"),
    (lambda: DirichletDistribution("#alpha"), {"alpha": 3}, {"alpha": torch.tensor([[1.0, 0.0, 2.0]])},
     r"alpha \(concentrations\) must be a finite number > 0, found 0.0 at index \(0, 1\)"),
    (lambda: CategoricalDistribution("#p"), {"p": 3}, {"p": torch.tensor([[0.2, 0.2, 0.2]])},
     r"p \(class probabilities\) must sum to 1 \(within 0.0001\), found a sum of 0.6.*The data at input port 'p' holds"),
    (lambda: MultinormalDiagonalDistribution("#mu", "#sigma"), {"mu": 2, "sigma": 2},
     {"mu": torch.zeros(1, 2), "sigma": torch.tensor([[1.0, float("nan")]])}, r"sigma \(standard deviations\)"),
], ids=["not positive definite", "asymmetric", "cholesky diagonal", "alpha", "sum", "nan"])
def test_bad_slot_values_are_a_data_error_naming_layer_and_parameter(make, shapes, values, message):
    net = single(RandomArrayLayer(make()), **shapes)
    with pytest.raises(DataError, match=rf"layer 'draw'.*{type(make()).__name__}.*{message}"):
        net(**values)


def test_class_probabilities_a_layer_computed_get_the_softmax_hint():
    net = NetGraph({"id": ElementwiseLayer("#"), "draw": RandomArrayLayer(CategoricalDistribution("#p"))},
                   [("id", NetPort("draw", "p"))], Input=3)
    with pytest.raises(DataError, match=r"found a sum of 0.6.*SoftmaxLayer"):
        net(Input=torch.tensor([[0.2, 0.2, 0.2]]))


# -- specs, schema, diagrams ------------------------------------------------------------------------------
SPEC_LAYERS = [
    RandomArrayLayer(MultinormalDistribution([1.0, 2.0], [[4.0, 1.0], [1.0, 2.0]]), output=(5, 2)),
    RandomArrayLayer(MultinormalCholeskyDistribution("#mu", "#l"), estimator="score_function"),
    RandomArrayLayer(MultinormalDiagonalDistribution("#mu", [0.5, 2.0]), eval_mode="mean"),
    RandomArrayLayer(DirichletDistribution([0.5, 1.5, 3.0]), output=(2, 3)),
    RandomArrayLayer(CategoricalDistribution("#p"), estimator="relaxed", temperature=0.3),
]


@pytest.mark.parametrize("layer", SPEC_LAYERS, ids=lambda layer: type(layer.distribution).__name__)
def test_specs_round_trip(layer):
    shapes = {"mu": 2, "l": (2, 2), "p": 4}
    net = single(layer, **{s: shapes[s] for s in layer.input_ports})
    text = net.to_yaml()
    back = NetGraph.from_yaml(text)
    assert back.to_yaml() == text
    assert back.layers["draw"].distribution == layer.distribution
    assert back.output_shapes == net.output_shapes


def test_the_schema_lists_every_vector_distribution_and_accepts_matrix_arguments():
    schema = json.dumps(spec_schema())
    for name in ("MultinormalDistribution", "MultinormalCholeskyDistribution", "MultinormalDiagonalDistribution",
                 "DirichletDistribution", "CategoricalDistribution"):
        assert f'"const": "{name}"' in schema


def test_a_bad_constant_in_a_spec_is_reported_with_its_location():
    text = """netgraph: 1
layers:
  draw: {type: RandomArrayLayer, distribution: {type: CategoricalDistribution, args: [[0.5, 0.6]]}}
edges: []
"""
    with pytest.raises(Exception, match=r"3:\d+: .*CategoricalDistribution: parameter p \(class probabilities\) must sum to 1"):
        NetGraph.from_yaml(text)


def test_the_diagram_shows_distribution_and_estimator():
    net = single(RandomArrayLayer(MultinormalDistribution("#mu", EYE3)), mu=3)
    svg = net.render_svg(backend="builtin")
    assert "MultinormalDistribution(#mu, array (3, 3))" in svg and "pathwise (default)" in svg
    categorical = single(RandomArrayLayer(CategoricalDistribution([0.5, 0.5]), estimator="straight_through"))
    svg = categorical.render_svg(backend="builtin")
    assert "CategoricalDistribution([0.5, 0.5])" in svg and "estimator: straight_through" in svg


# -- eval mode and training -------------------------------------------------------------------------------
def test_eval_mode_mean_outputs_the_mean_vector_or_refuses_class_indices():
    layer = RandomArrayLayer(MultinormalDiagonalDistribution("#mu", [0.5, 2.0]), output=(3, 2), eval_mode="mean")
    module = single(layer, mu=2).compile().eval()
    mu = torch.tensor([[1.0, -1.0]])
    assert torch.equal(module(mu=mu), mu[:, None].expand(1, 3, 2))
    with pytest.raises(OptionError, match="draws class indices, which have no mean"):
        RandomArrayLayer(CategoricalDistribution("#p"), eval_mode="mean")
    one_hot = single(RandomArrayLayer(CategoricalDistribution("#p"), estimator="straight_through", eval_mode="mean"),
                     p=3).compile().eval()
    p = torch.tensor([[0.2, 0.3, 0.5]])
    torch.testing.assert_close(one_hot(p=p), p)


def test_net_train_learns_a_categorical_policy_through_class_indices():
    """Minimise E[-log q_I], I ~ Categorical(softmax(logits)): the policy moves onto argmax q (score function)."""
    net = NetGraph({"logits": NetArrayLayer(output=4), "p": SoftmaxLayer(),
                    "draw": RandomArrayLayer(CategoricalDistribution("#p")),
                    "loss": CrossEntropyLossLayer("Index")},
                   [("logits", "p", NetPort("draw", "p")), ("draw", NetPort("loss", "Target"))], Input=4)
    q = torch.tensor([0.1, 0.2, 0.6, 0.1]).expand(512, 4)
    trained = net_train(net_initialize(net, seed=0), {"Input": q}, batch_size=64, max_training_rounds=10,
                        learning_rate=0.1, random_seed=0)
    logits = trained.layers["logits"].arrays["Array"]
    assert int(logits.argmax()) == 2 and float(torch.softmax(logits, 0)[2]) > 0.9


def test_class_index_records_are_held_until_the_surrogate_and_a_forgotten_one_warns():
    """Integer draws carry no autograd graph to keep their score records alive: the layer holds them."""
    module = single(RandomArrayLayer(CategoricalDistribution("#p")), p=3).compile()
    p = torch.full((4, 3), 1 / 3, requires_grad=True)
    for _ in range(3):  # draw, take the surrogate, draw again: no warning
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            losses = module(p=p).float()
            (losses.mean() + module.surrogate_loss(losses)).backward()
    assert p.grad is not None and float(p.grad.abs().sum()) > 0
    module(p=p)
    with pytest.warns(EstimatorWarning, match="drew again .* WITHOUT the score-function surrogate term"):
        module(p=p)
    held = next(m for m in module.modules() if hasattr(m, "_held"))._held  # per thread
    assert [len(h) <= HELD_RECORDS for h in held.values()] == [True]


def test_parameters_beyond_the_float32_range_are_errors_naming_them():
    with pytest.raises(OptionError, match=r"mu \(mean vector\) must lie within ±1e\+38"):
        MultinormalDiagonalDistribution(torch.tensor([1e39, 0.0], dtype=torch.float64), [1.0, 1.0])
    net = single(RandomArrayLayer(DirichletDistribution("#alpha")), alpha=2)
    with pytest.raises(DataError, match=r"layer 'draw'.*alpha \(concentrations\) must lie within ±1e\+38"):
        net(alpha=torch.tensor([[1.0, 2e38]]))


@pytest.mark.parametrize("dist", [MultinormalDistribution("#mu", "#s"), MultinormalDiagonalDistribution("#mu", "#s")])
def test_a_float64_parameter_beside_a_float32_one_draws_in_float64(dist):
    """Noise took the dtype of the first parameter (found by QA): float32 mu beside float64 sigma drew float32
    noise (2 in 5 draws of 1 + eps equal to a float32), and a full covariance was a torch dtype error."""
    k = 2
    full = isinstance(dist, MultinormalDistribution)
    second = torch.eye(k, dtype=torch.float64).expand(1, 500, k, k) if full else torch.ones(1, 500, k, dtype=torch.float64)
    torch.manual_seed(0)
    module = NetGraph([RandomArrayLayer(dist)], [], mu=(500, k), s=tuple(second.shape[1:])).compile()
    out = module(mu=torch.ones(1, 500, k), s=second)
    assert out.dtype == torch.float64 and bool((out.float().double() != out).all())


@pytest.mark.parametrize("forward", [True, False], ids=["draw-first", "consumer-first"])
def test_class_indices_wired_into_a_real_port_say_how_to_convert_them(forward):
    """'expected dtype Real, found Integer' said nothing of how to go on; the hint is in the message and in the
    Diagnostic's hint field (either way round the conflict is found)."""
    from netgraph import LinearLayer
    layers = {"c": RandomArrayLayer(CategoricalDistribution([0.2, 0.3, 0.5]), output=4), "lin": LinearLayer(2)}
    if not forward:
        layers = dict(reversed(layers.items()))
    with pytest.raises(ShapeError, match=r"expected dtype Real, found Integer.*estimator='straight_through' or "
                                         r"'relaxed'.*EmbeddingLayer\(size, 3\)") as error:
        NetGraph(layers, [("c", "lin")])
    (diagnostic,) = error.value.diagnostics
    assert "estimator='straight_through'" in diagnostic.hint and "EmbeddingLayer(size, 3)" in diagnostic.hint
    assert diagnostic.hint in diagnostic.message
    # the remedy it names works: one-hot draws (4, 3) feed the LinearLayer
    fixed = RandomArrayLayer(CategoricalDistribution([0.2, 0.3, 0.5]), output=(4, 3), estimator="straight_through")
    assert NetGraph({"c": fixed, "lin": LinearLayer(2)}, [("c", "lin")]).output_shapes == {"Output": (2,)}


def test_a_real_value_wired_into_an_index_port_gets_no_conversion_hint():
    from netgraph import EmbeddingLayer, LinearLayer
    with pytest.raises(ShapeError, match="expected dtype Integer, found Real") as error:
        NetGraph({"lin": LinearLayer(4, input=3), "emb": EmbeddingLayer(2, 5)}, [("lin", "emb")])
    assert error.value.diagnostics[0].hint is None


@pytest.mark.parametrize("forward", [True, False], ids=["draw-first", "consumer-first"])
@pytest.mark.parametrize("dist", [PoissonDistribution(2.0), BinomialDistribution(3, 0.5),
                                  DiscreteUniformDistribution([0, 3])], ids=lambda d: type(d).__name__)
def test_whole_number_draws_wired_into_an_index_port_say_they_are_real_and_how_to_convert_them(dist, forward):
    """Poisson, Binomial and DiscreteUniform draw whole numbers as Real values: 'expected dtype Integer, found Real'
    said no more (a Categorical's class indices wired into a Real port say how to convert them)."""
    from netgraph import EmbeddingLayer, PortType, TorchLayer
    drawn = RandomArrayLayer(dist, output=4)
    layers = {"d": drawn, "emb": EmbeddingLayer(2, 5)}
    with pytest.raises(ShapeError, match=r"expected dtype Integer, found Real") as error:
        NetGraph(layers if forward else dict(reversed(layers.items())), [("d", "emb")])
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.hint.startswith(f"{type(dist).__name__} draws whole numbers as Real values")
    assert "x.long()" in diagnostic.hint and diagnostic.hint in diagnostic.message

    class Long(torch.nn.Module):
        def forward(self, x):
            return x.long()
    # the remedy it names works: the draws, as indices, feed the EmbeddingLayer
    to_long = TorchLayer(Long(), inputs={"Input": (4,)}, outputs={"Output": PortType((4,), "Integer")})
    net = NetGraph({"d": drawn, "long": to_long, "emb": EmbeddingLayer(2, 5)}, [("d", "long", "emb")])
    assert net.output_shapes == {"Output": (4, 2)}


def test_one_hot_draws_wired_into_an_index_port_name_the_estimator_that_draws_indices():
    from netgraph import EmbeddingLayer
    drawn = RandomArrayLayer(CategoricalDistribution([0.2, 0.8]), output=(4, 2), estimator="straight_through")
    with pytest.raises(ShapeError, match=r"expected dtype Integer, found Real") as error:
        NetGraph({"c": drawn, "emb": EmbeddingLayer(2, 5)}, [("c", "emb")])
    assert "estimator='score_function'" in error.value.diagnostics[0].hint
