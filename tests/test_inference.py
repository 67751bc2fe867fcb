"""Shape inference before any tensor exists: forward, backward, broadcasting, symbolic batch."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CrossEntropyLossLayer, ElementwiseLayer, FunctionLayer, LinearLayer, MeanSquaredLossLayer,
                      NetArrayLayer, NetChain, NetGraph, NetPort, NormalDistribution, PortType, RandomArrayLayer, ShapeError, net_initialize)
from netgraph.core.layer import Layer
from netgraph.core.types import format_shape, real_type


def test_forward_inference_through_layers():
    net = NetGraph([LinearLayer(5), ElementwiseLayer("Ramp"), LinearLayer(2)], [(1, 2, 3)], Input=7)
    assert net.input_shapes == {"Input": (7,)}
    assert net.output_shapes == {"Output": (2,)}
    assert net.layer_types("2")["Input"].shape == (5,)


def test_backward_inference_gives_an_array_its_consumers_shape():
    net = NetGraph({"w": NetArrayLayer(), "f": FunctionLayer("#x * #w", output=(3, 4))},
                   [(NetPort("w", "Output"), NetPort("f", "w"))])
    assert net.layer_types("w")["Output"].shape == (3, 4)
    initialised = net_initialize(net, seed=0)
    assert initialised.layers["w"].arrays["Array"].shape == (3, 4)


@pytest.mark.parametrize("users", [2, 3, 5])
def test_a_class_learnt_from_its_last_user_runs_every_earlier_user_again(users):
    """Inference runs again each leaf with a port in a class that changed: the first two held by number, any
    others in a list; here the input's class learns (3) from the last of its users, through that one's output."""
    names = [f"t{i}" for i in range(users)]
    edges = [e for name in names for e in ((NetPort("X"), name), (name, NetPort(f"Y{name}")))]
    net = NetGraph({name: ElementwiseLayer("Tanh") for name in names}, edges, **{f"Y{names[-1]}": 3})
    assert net.input_shapes == {"X": (3,)} and net.output_shapes == {f"Y{name}": (3,) for name in names}

def test_backward_inference_from_graph_output_shape():
    net = NetGraph([NetArrayLayer(), ElementwiseLayer("Exp")], [(1, 2)], Output=(2, 2))
    assert net.layer_types("1")["Output"].shape == (2, 2)


def test_function_layer_broadcasting_rules():
    net = NetGraph([FunctionLayer("#a * #b + #c")], [], a=(2, 3), b=(3,), c=())
    assert net.output_shapes == {"Output": (2, 3)}
    a, b, c = torch.randn(4, 2, 3), torch.randn(4, 3), torch.randn(4)
    out = net(a=a, b=b, c=c)
    torch.testing.assert_close(out, a * b[:, None, :] + c[:, None, None])


def test_broadcasting_with_size_one_dims():
    net = NetGraph([FunctionLayer("#a + #b")], [], a=(2, 1), b=(1, 5))
    assert net.output_shapes == {"Output": (2, 5)}


def test_random_layer_slots_take_output_shape_and_broadcast():
    layer = RandomArrayLayer(NormalDistribution("#mu", "#sigma"), output=(3, 2))
    net = NetGraph([layer], [], mu=(2,))
    assert net.input_shapes == {"mu": (2,), "sigma": (3, 2)}
    with pytest.raises(ShapeError, match=r"parameter shapes 'mu' \(4\), 'sigma' \(3, 2\) do not broadcast to output \(3, 2\)"):
        NetGraph([layer], [], mu=(4,))


def test_partial_shapes_stay_unknown_until_given():
    net = NetGraph([ElementwiseLayer("Tanh")], [])
    assert net.input_shapes == {"Input": None}
    assert NetGraph([ElementwiseLayer("Tanh")], [], Input=(None, 3)).output_shapes == {"Output": (None, 3)}


def test_batch_dimension_is_symbolic():
    net = net_initialize(NetGraph([LinearLayer(2)], [], Input=3), seed=0)
    for batch in (1, 5, 64):
        assert net(torch.randn(batch, 3)).shape == (batch, 2)


def test_inference_is_linear_for_long_chains():
    layers = [LinearLayer(4)] + ["Tanh", 4] * 500
    net = NetGraph(layers, [tuple(range(1, len(layers) + 1))], Input=4)
    assert net.output_shapes == {"Output": (4,)}


def test_a_linear_layers_weights_only_guess_its_input_shape():
    # weights (5 x 8) give the input's size: the (8) they suggest is a default, so a (4, 2) that reaches the
    # same port later (here through a TotalLayer run after the LinearLayer) wins instead of clashing with it
    edges = [(NetPort("X"), "lin"), ([NetPort("X"), NetPort("Y")], "add"), ("lin", NetPort("Out")),
             ("add", NetPort("Sum"))]
    g = NetGraph({"lin": LinearLayer(5, weights=torch.ones(5, 8)), "add": "TotalLayer"}, edges, Y=(4, 2))
    assert g.input_shapes == {"X": (4, 2), "Y": (4, 2)} and g.output_shapes == {"Out": (5,), "Sum": (4, 2)}
    assert NetGraph({"lin": LinearLayer(5, weights=torch.ones(5, 8))}, []).input_shapes == {"Input": (8,)}


def test_a_guess_is_still_made_when_the_only_shapeless_class_is_joined_by_edges():
    """The guesses are skipped when every class has a shape, counted over the list of class types (the keys that
    are not roots hold no type); a shapeless class whose keys an edge joined is still guessed for."""
    chain = NetChain([ElementwiseLayer("Tanh"), LinearLayer(5, weights=torch.ones(5, 8)), ElementwiseLayer("Tanh")])
    assert chain.input_shapes == {"Input": (8,)} and chain.output_shapes == {"Output": (5,)}


NETS = [lambda: NetChain([LinearLayer(4), "Tanh", LinearLayer(2)], input=3),
        lambda: NetChain([ElementwiseLayer("Tanh"), LinearLayer(5, weights=torch.ones(5, 8))]),
        lambda: NetGraph({"a": "Tanh", "b": "Tanh", "f": FunctionLayer("#x + #y")},
                         [(NetPort("In"), "a"), (NetPort("In"), "b"), ("a", NetPort("f", "x")), ("b", NetPort("f", "y")),
                          ("f", NetPort("Out")), ("f", NetPort("Out2"))], In=3),
        lambda: NetGraph({"inner": NetChain([LinearLayer(3), "Tanh"]), "out": LinearLayer(2)}, [("inner", "out")],
                         Input=4)]


@pytest.mark.parametrize("make", NETS)
def test_every_class_shaped_agrees_with_a_walk_over_the_class_roots(make):
    """``non_roots`` (the joins that merged two classes) is the number of keys that are not their class's root, so
    the shapeless types counted beyond it are the roots': none unset at first, all set once each root has a shape."""
    from netgraph.core.inference import _Classes
    from netgraph.core.inference_defaults import every_class_shaped

    problem = make()._problem()
    problem.number_rest()
    cls = _Classes(problem)
    root_of = cls.settle()
    roots = [i for i, r in enumerate(root_of) if r == i]
    assert cls.non_roots == len(root_of) - len(roots) > 0
    assert not every_class_shaped(cls)
    for root in roots[:-1]:
        cls.type[root] = PortType((2,), None)
    assert not every_class_shaped(cls)
    cls.type[roots[-1]] = PortType((), "Real")
    assert every_class_shaped(cls)

@pytest.mark.parametrize("shapes", [(("n", 64), ("n",)), (("n",), (64,)), (("n", 64), ("n", 64, 1))])
def test_a_length_variable_does_not_broadcast_against_a_fixed_size(shapes):
    """(n, 64) + (n) was inferred as (n, 64) — n taken as 64 — and compiled, then failed at run time for
    any other length (a fuzz escape from specs/transformer_block.yaml with the feed-forward's output [])."""
    with pytest.raises(ShapeError, match="do not broadcast"):
        NetGraph({"plus": FunctionLayer("#a + #b")}, [], a=shapes[0], b=shapes[1])


def test_a_length_variable_still_broadcasts_against_itself_and_one():
    net = NetGraph({"plus": FunctionLayer("#a + #b")}, [], a=("n", 64), b=("n", 1))
    assert net.output_shapes == {"Output": ("n", 64)}
    x = torch.rand(2, 5, 64)
    assert torch.equal(net(a=x, b=x[..., :1]), x + x[..., :1])


@pytest.mark.parametrize("layer, given", [(FunctionLayer("#a + #b"), "a"), (FunctionLayer("#a * #b + #c"), "a"),
                                          ("Plus", "Input1")])
def test_an_input_that_cannot_broadcast_to_the_output_set_backwards_is_a_shape_error(layer, given):
    """An unknown input takes the output's shape (5); a known one, (7), that does not broadcast to it is refused
    when the net is built, as when both inputs are given, not left for initialising or calling to find."""
    with pytest.raises(ShapeError, match=rf"'f' .*input ports '{given}' \(7\), .* do not broadcast together"):
        NetGraph({"f": layer, "lin": LinearLayer(4, input=5)}, [("f", "lin")], **{given: 7})
    nested = NetGraph({"arr": NetArrayLayer(), "f": FunctionLayer("#a + #b")}, [(NetPort("arr", "Output"), NetPort("f", "b"))])
    with pytest.raises(ShapeError, match=r"'in' \(NetGraph\) > layer 2 'f' .*'a' \(7\), 'b' \(5\) do not broadcast"):
        NetGraph({"in": nested, "lin": LinearLayer(4, input=5)}, [("in", "lin")], a=7)
    fits = NetGraph({"f": layer, "lin": LinearLayer(4, input=(5, 3))}, [("f", "lin")], **{given: (1, 3)})
    assert fits.layer_types("f")["Output"].shape == (5, 3)


def test_a_clash_between_merged_inputs_says_they_are_one_graph_input():
    # unwired inputs that share a name merge (Wolfram's rule): the clash named two layers and no reason they meet
    layers = {"a": LinearLayer(2, input=3), "b": LinearLayer(2, input=4)}
    with pytest.raises(ShapeError, match=r"both are the graph input 'Input': unwired inputs that share a name merge "
                                         r"into one; give one its own, e\.g\. the edge \(NetPort\('Input2'\), "
                                         r"NetPort\('b', 'Input'\)\)"):
        NetGraph(layers, [])
    assert NetGraph(layers, [(NetPort("Input2"), NetPort("b", "Input"))]).input_shapes == {"Input2": (4,), "Input": (3,)}


def test_wolframs_automatic_dim_is_an_unknown_dim_not_a_length_name():
    # ("Automatic", 3) was a variable length named 'Automatic', which refused to broadcast against x's 2
    net = NetGraph([FunctionLayer("#x + #y")], [], x=(2, 3), y=("Automatic", 3))
    assert net.input_shapes == {"x": (2, 3), "y": (None, 3)}
    assert NetGraph([LinearLayer(2, input=3), "Tanh"], [(1, 2)], Input="Automatic").input_shapes == {"Input": (3,)}
    assert NetGraph([LinearLayer(2)], [], Input=("Automatic",)).input_shapes == {"Input": (None,)}


def test_a_loss_fed_as_a_group_in_keras_order_is_told_the_swap_fits():
    """Found by QA with Keras habits: [y_true, y_pred] -> loss into Input, Target gave a correct dtype conflict but
    no hint that the other order fits."""
    from netgraph import CrossEntropyLossLayer
    from netgraph.core.types import PortType
    layers = {"lin": LinearLayer(3), "loss": CrossEntropyLossLayer("Index")}
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [(NetPort("x"), "lin"), ([NetPort("y"), "lin"], "loss")], x=4, y=PortType((), "Integer"))
    message = str(info.value)
    assert "expected dtype Integer, found Real" in message  # the conflict itself, as before
    assert ("the group [NetPort('y'), lin] -> loss fits with its sources swapped: layer 'loss' "
            "(CrossEntropyLossLayer) takes 'Input' then 'Target'") in message
    assert "Keras's losses take (y_true, y_pred)" in message
    assert all(d.kind == "shape" for d in info.value.diagnostics)
    fixed = NetGraph(layers, [(NetPort("x"), "lin"), (["lin", NetPort("y")], "loss")], x=4, y=PortType((), "Integer"))
    assert fixed.output_shapes == {"Loss": ()}
    with pytest.raises(ShapeError) as info:  # no order fits: no hint
        NetGraph(layers, [(NetPort("x"), "lin"), ([NetPort("y"), "lin"], "loss")], x=4, y=PortType((5,), "Integer"))
    assert "swapped" not in str(info.value)


@pytest.mark.parametrize("make, port, expected, found", [
    # a layer port expects its own type and finds the one fed to it
    (lambda: NetGraph({"a": LinearLayer(6), "b": LinearLayer(2, input=8)}, [("a", "b")], Input=3), "Input", (8,), (6,)),
    # a graph input's given shape is what was found
    (lambda: NetGraph({"a": LinearLayer(6, input=3)}, [], Input=4), "Input", (3,), (4,)),
    (lambda: NetGraph({"a": ElementwiseLayer("Tanh")}, [], Input=PortType((3,), "Integer")), "Input", "Real",
     "Integer"),
])
def test_a_shape_conflict_carries_what_was_expected_and_found_as_fields(make, port, expected, found):
    """They were in the message only: a reader had to parse "expected shape (8), found (6)"."""
    with pytest.raises(ShapeError) as info:
        make()
    d = info.value.diagnostics[0]
    assert (d.port, d.expected, d.found) == (port, expected, found)
    assert f"expected shape {format_shape(expected)}, found {format_shape(found)}" in d.message \
        if isinstance(expected, tuple) else f"expected dtype {expected}, found {found}" in d.message


@pytest.mark.parametrize("make, port, expected, found", [
    # fill(): the rule names the port and the shape it derives for it (expected), the port's given one found
    (lambda: NetGraph({"l": CrossEntropyLossLayer("Index")}, [], Input=(5, 3), Target=(4,)), "Target", (5,), (4,)),
    # a rule that words unify's conflict its own way (two of its ports must agree)
    (lambda: NetGraph({"l": MeanSquaredLossLayer()}, [], Input=(5, 3), Target=(4, 3)), None, (5, 3), (4, 3)),
])
def test_a_conflict_inside_a_layers_own_rule_carries_what_was_expected_and_found(make, port, expected, found):
    """Only a conflict between two ports' types had the fields; one a layer's infer raised had them in its text only."""
    with pytest.raises(ShapeError) as info:
        make()
    d = info.value.diagnostics[0]
    assert (d.expected, d.found) == (expected, found)
    assert f"expected shape {format_shape(expected)}, found {format_shape(found)}" in d.message
    assert port is None or d.port == port


class _DeclaresAnotherPort(Layer, register=False):
    """A layer whose options declare a type for a port it does not have, beside its own two."""

    input_ports = ("Input",)
    output_ports = ("Output",)

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": real_type((2,)), "Spare": real_type((3,)), "Output": real_type((2,))}

    def infer(self, types):
        return dict(types)


def test_a_type_declared_for_a_port_a_layer_has_not_is_kept_at_its_key():
    """A leaf's types are held without a tuple a port, but one declaring another port keeps each as given: every
    type applies, in the order declared, and the other port's key has its type."""
    net = NetChain([LinearLayer(2), _DeclaresAnotherPort(), ElementwiseLayer("Tanh")])
    types = net.nested_port_types()
    assert types[(("2",), "Spare")] == real_type((3,)) and types[(("3",), "Output")] == real_type((2,))
    with pytest.raises(ShapeError, match=r"the shape given for graph input 'Input': expected shape \(2\), found "
                                         r"\(5\) \(the \(2\) was set by layer 1 \(_DeclaresAnotherPort\) port 'Input' "
                                         r"\(from its options\)\)"):
        NetChain([_DeclaresAnotherPort()], input=5)


def test_a_type_a_layer_s_options_set_names_them_in_a_conflict():
    """A class's type declared by a layer's options is held by the key's number until a conflict reads its origin:
    the message names that layer's port, as one made for every class did."""
    with pytest.raises(ShapeError) as caught:
        NetChain([LinearLayer(3), LinearLayer(4, input=2)])
    assert "(the (3) was set by layer 1 (LinearLayer) port 'Output' (from its options); joined by edge 1 -> 2)" \
        in str(caught.value)
    assert caught.value.diagnostics[0].layer == ("2",) and caught.value.diagnostics[0].port == "Input"
