"""Big nets (thousands of layers) keep messages short: an error listing problems shows the first ``MAX_LISTED``
and how many more, while its ``diagnostics`` keep every one. Small ``n`` and the bound itself, not timings."""

from __future__ import annotations

import pytest

from netgraph import (CycleError, ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetPort, UninitializedError,
                      SpecError, WiringError)
from netgraph.core.errors import MAX_LISTED, Diagnostic, NetGraphError, ShapeError, raise_all


def chain(n: int) -> NetChain:
    """``n`` layers, alternately LinearLayer(8) and Tanh (the brief's big net, made small)."""
    return NetChain([LinearLayer(8) if i % 2 == 0 else ElementwiseLayer("Tanh") for i in range(n)], input=8)


def test_compiling_an_uninitialised_big_chain_lists_a_bounded_number_of_arrays():
    n = 200  # 100 LinearLayers, 2 missing arrays each
    with pytest.raises(UninitializedError) as info:
        chain(n).compile()
    message, missing = str(info.value), n  # Weights and Biases of n / 2 layers
    assert len(info.value.diagnostics) == missing
    assert {d.layer for d in info.value.diagnostics} == {(str(i),) for i in range(1, n + 1, 2)}
    assert message.count("\n  - ") == MAX_LISTED
    assert f"... and {missing - MAX_LISTED} more" in message and ".diagnostics" in message
    assert f"{missing} problems" in message and "layer 1 (LinearLayer) array 'Weights'" in message
    assert f"layer {n - 1} " not in message  # past the bound


def test_a_short_list_is_listed_whole():
    problems = [Diagnostic(f"problem {i}") for i in range(MAX_LISTED)]
    with pytest.raises(ShapeError) as info:
        raise_all(problems, ShapeError, "head")
    assert str(info.value).count("\n  - ") == MAX_LISTED and "more" not in str(info.value)


def test_problems_saying_the_same_are_listed_once_and_all_kept_as_diagnostics():
    """Two problems whose fields differ but whose words are the same read as one line."""
    problems = [Diagnostic("port 'x' is fed twice", "fed-twice", edge=e) for e in range(3)] + [Diagnostic("other")]
    with pytest.raises(ShapeError) as info:
        raise_all(problems, ShapeError, "head")
    assert str(info.value) == "head: 2 problems:\n  - port 'x' is fed twice\n  - other"
    assert [d.edge for d in info.value.diagnostics] == [0, 1, 2, None]


def test_a_layer_fed_by_thousands_of_edges_names_the_first_few():
    n = 200
    layers = [ElementwiseLayer("Tanh") for _ in range(n + 1)]
    with pytest.raises(WiringError) as info:
        NetGraph(layers, [(i, n + 1) for i in range(1, n + 1)], Input=3)
    (problem,) = info.value.diagnostics
    assert f"{n} edges feed it" in problem.message and "1 -> 201, 2 -> 201" in problem.message
    assert f"... ({n} in all)" in problem.message and f"{n} -> {n + 1}" not in problem.message
    assert len(problem.edges) <= MAX_LISTED and problem.edge == 1  # the first one too many, as before


def test_a_cycle_through_thousands_of_layers_shows_its_ends():
    n = 300
    with pytest.raises(CycleError) as info:
        NetGraph([ElementwiseLayer("Tanh") for _ in range(n)], [(i, i % n + 1) for i in range(1, n + 1)])
    message = str(info.value)
    assert message.count(" -> layer ") < 2 * MAX_LISTED and f"({n} layers)" in message
    assert message.index("layer 1 (ElementwiseLayer) -> layer 2 ") < message.index(f"layer {n} (ElementwiseLayer)")
    assert message.endswith(f"closed by edge {n} -> 1")


def test_compiling_a_net_of_many_unknown_shapes_keeps_every_one_as_a_diagnostic():
    n = 40
    layers = {f"l{i}": ElementwiseLayer("Tanh") for i in range(n)}
    net = NetGraph(layers, [(NetPort(f"x{i}"), f"l{i}") for i in range(n)])  # no input has a shape
    with pytest.raises(ShapeError) as info:
        net.compile()
    problems = info.value.diagnostics
    assert {f"x{i}" for i in range(n)} <= {d.port for d in problems if d.layer == ()}  # each graph input
    message = str(info.value)
    assert message.count("\n  - ") == MAX_LISTED and f"... and {len(problems) - MAX_LISTED} more" in message


def test_a_shape_conflict_in_a_wide_fan_out_names_only_the_edges_joining_its_ports():
    """One graph input feeds every layer; half of them take another size: each conflict named every edge (then the
    first few of them, edges that play no part in it): now the two that join its ports through the input."""
    n = 100
    layers = {f"l{i}": LinearLayer(3, input=5 if i % 2 == 0 else 4) for i in range(n)}
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [(NetPort("x"), f"l{i}") for i in range(n)])
    problems = info.value.diagnostics
    assert len(problems) == n // 2 and all(p.found == (5,) and p.expected == (4,) for p in problems)
    assert all("in all" not in p.message for p in problems)
    assert [p.message.rsplit("joined by edge ", 1)[1] for p in problems] == \
        [f"NetPort('x') -> l0, NetPort('x') -> l{i})" for i in range(1, n, 2)]


def test_jupyter_shows_a_big_net_as_text_not_a_diagram(monkeypatch):
    """Displaying a net in a notebook drew it: 5,000 layers took seconds and put 10 MB of SVG in the notebook."""
    from netgraph.core import stage_doors
    drawn = []
    monkeypatch.setattr(NetChain, "render_svg", lambda self, **options: drawn.append(self) or "<svg/>")
    big, small = chain(stage_doors.MAX_NOTEBOOK_LAYERS + 1), chain(stage_doors.MAX_NOTEBOOK_LAYERS)
    assert big._repr_svg_() is None and f"<{stage_doors.MAX_NOTEBOOK_LAYERS + 1} layers>" in repr(big) and not drawn
    assert small._repr_svg_() == "<svg/>" and drawn == [small]


@pytest.mark.parametrize("part", ["nope", 500])
def test_a_port_path_through_a_big_net_names_a_few_of_its_layers(part):
    n = 200
    with pytest.raises(WiringError) as info:
        NetGraph({"enc": chain(n)}, [(NetPort(("enc", part, "Output")), NetPort("Aux"))])
    message = str(info.value)
    assert "'1', '2'," in message and f"... ({n} in all)" in message and f"'{n}'" not in message


def test_a_spec_edge_to_a_missing_layer_of_a_big_net_names_a_few():
    n = 300
    text = ("netgraph: 1\nlayers:\n" + "".join(f"  l{i}: {{type: LinearLayer, output: 2}}\n" for i in range(n))
            + "inputs: {Input: 2}\nedges:\n  - nope.Output -> l0\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    (problem,) = [d for d in info.value.diagnostics if d.kind == "unknown-layer"]
    assert "the layers are l0, l1, l2" in problem.message and f"... ({n} in all)" in problem.message
    assert "characters not shown" not in problem.message and len(problem.expected) == n


def test_a_graph_input_of_unknown_shape_feeding_a_big_net_names_a_few_layers():
    n = 100
    net = NetGraph({f"l{i}": ElementwiseLayer("Tanh") for i in range(n)}, [(NetPort("x"), f"l{i}") for i in range(n)])
    with pytest.raises(ShapeError) as info:
        net.compile()
    (problem,) = [d for d in info.value.diagnostics if d.layer == () and d.port == "x"]
    assert "(feeding layer 1 'l0' (ElementwiseLayer) port 'Input', layer 2 'l1'" in problem.message
    assert f"... ({n} in all))" in problem.message and f"'l{n - 1}'" not in problem.message


def test_training_a_big_net_whose_input_the_data_lacks_names_a_few_layers_it_feeds():
    import torch

    from netgraph import ThreadingLayer, net_train
    n = 60
    layers = {**{f"l{i}": LinearLayer(1) for i in range(n)}, "sum": ThreadingLayer("Plus")}
    net = NetGraph(layers, [([f"l{i}" for i in range(n)], "sum")])  # every l feeds on the one graph input 'Input'
    with pytest.raises(ShapeError) as info:
        net_train(net, {"a": torch.randn(8, 3), "Target": torch.randn(8, 1)}, max_training_rounds=1, progress=False)
    assert "graph input 'Input' (feeding layer 1 'l0' (LinearLayer) port 'Input', layer 2 " in str(info.value)
    assert f"... ({n} in all)) has unknown shape" in str(info.value)


def test_a_multiplier_key_matching_nothing_in_a_big_net_names_a_few_layers():
    from netgraph import net_set_learning_rate_multipliers
    n = 200
    with pytest.raises(NetGraphError) as info:
        net_set_learning_rate_multipliers(chain(n), {"nope": 0.5})
    assert "layers with arrays: ['1', '101', '103'," in str(info.value)  # sorted as text, as before
    assert f"... ({n // 2} in all)" in str(info.value) and len(str(info.value)) < 1000


def test_many_random_layers_scored_against_losses_of_another_size_warn_once_with_a_count():
    import warnings

    import torch

    from netgraph import BernoulliDistribution, RandomArrayLayer
    from netgraph.layers.estimators import EstimatorWarning
    n = 30
    module = NetGraph({f"coin{i}": RandomArrayLayer(BernoulliDistribution("#p")) for i in range(n)}, [], p=()).compile()
    draws = module(p=torch.full((4,), 0.3, requires_grad=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module.surrogate_loss(torch.ones(6))
    (warning,) = [w for w in caught if issubclass(w.category, EstimatorWarning)]
    assert "layer 'coin0'" in str(warning.message) and f"and {n - 1} other layers" in str(warning.message)
    del draws


def test_a_backward_pass_past_many_random_layers_without_their_surrogate_warns_once_with_a_count():
    import warnings

    import torch

    from netgraph import BernoulliDistribution, RandomArrayLayer
    from netgraph.layers.estimators import EstimatorWarning
    n = 30
    module = NetGraph({f"coin{i}": RandomArrayLayer(BernoulliDistribution("#p")) for i in range(n)}, [], p=()).compile()
    p = torch.full((4,), 0.3, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sum(((draw - 0.5) ** 2).mean() for draw in module(p=p).values()).backward()
    (warning,) = [w for w in caught if issubclass(w.category, EstimatorWarning)]
    assert "layer 'coin" in str(warning.message) and f"(and {n - 1} other layers)" in str(warning.message)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)
        sum(((draw - 0.5) ** 2).mean() for draw in module(p=p).values()).backward()  # each layer warned once


def _many_shape_errors(n: int) -> str:
    """A spec whose ``n`` graph inputs of size 5 each feed a layer taking size 4: ``n`` shape problems, found at
    once."""
    return ("netgraph: 1\nlayers:\n" + "".join(f"  l{i}: {{type: LinearLayer, output: 2, input: 4}}\n" for i in range(n))
            + "inputs:\n" + "".join(f"  x{i}: 5\n" for i in range(n))
            + "edges:\n" + "".join(f"  - x{i} -> l{i}\n" for i in range(n)))


def test_a_spec_with_more_graph_problems_than_are_shown_says_how_many_in_all():
    """The graph's error knew all 300; the message said "reading stopped at 100 problems; there may be more"."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(_many_shape_errors(300))
    message, error = str(info.value), info.value
    assert message.startswith("300 problems in ") and message.endswith("\n100 of 300 problems shown"), message[-200:]
    assert "there may be more" not in message
    assert (error.complete, error.problem_count, len(error.diagnostics)) == (False, 300, 100)


def test_a_spec_with_few_problems_lists_them_all():
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(_many_shape_errors(3))
    assert (info.value.complete, info.value.problem_count, len(info.value.diagnostics)) == (True, 3, 3)
    assert "shown" not in str(info.value)


def test_jupyter_counts_the_layers_inside_operators(monkeypatch):
    """The layers an operator holds are drawn too (its inner net as a cluster): a map over a chain of 1,500 layers
    put 3 MB of SVG in the notebook, as the operator counted as one layer."""
    from netgraph import NetMapOperator
    from netgraph.core import stage_doors
    drawn = []
    monkeypatch.setattr(NetGraph, "render_svg", lambda self, **options: drawn.append(self) or "<svg/>")
    n = stage_doors.MAX_NOTEBOOK_LAYERS
    big = NetGraph({"map": NetMapOperator(chain(n)), "after": ElementwiseLayer("Tanh")}, [("map", "after")])
    small = NetGraph({"map": NetMapOperator(chain(n - 1)), "after": ElementwiseLayer("Tanh")}, [("map", "after")])
    assert big._repr_svg_() is None and not drawn
    assert small._repr_svg_() == "<svg/>" and drawn == [small]
