"""Operators checked where they are built and edited: a bidirectional inner net must keep its sequence, and
surgery inside an inner net infers the operator's ports again (or names the operator when the edit does not fit)."""

from __future__ import annotations

import re

import pytest
import torch

import netgraph

from netgraph import (BatchNormalizationLayer, CatenateLayer, DataError, ElementwiseLayer, FunctionLayer,
                      GatedRecurrentLayer, LinearLayer, NetBidirectionalOperator, NetChain, NetFoldOperator, NetGraph,
                      NetGraphError, NetMapOperator, NetNestOperator, NetPort, OptionError, SequenceLastLayer,
                      ShapeError, TorchLayer, interpret, net_initialize, net_replace_part)


def cell(size: int = 4) -> NetGraph:
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(size)},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin")], Input=3)


def test_bidirectional_refuses_an_inner_net_that_does_not_output_a_sequence():
    with pytest.raises(ShapeError, match=r"'b' \(NetBidirectionalOperator\): the forward net must map a sequence to a "
                                         r"sequence .*its Input is \(n, 4\), its Output \(4\)"):
        NetGraph({"b": NetBidirectionalOperator(SequenceLastLayer())}, [], Input=("n", 4))
    ok = NetGraph({"b": NetBidirectionalOperator(GatedRecurrentLayer(2))}, [], Input=("n", 4))
    assert ok.port_types["Output"].shape == ("n", 4)


def test_bidirectional_refuses_an_input_that_is_no_sequence():
    """A plain vector was accepted and its backward net read the features reversed (flip along dim 1)."""
    for inner in ("Tanh", GatedRecurrentLayer(2), NetChain([LinearLayer(3)])):
        for shape, found in ((4, "a vector (4)"), ((), "a scalar ()")):
            with pytest.raises(ShapeError, match=rf"'b' \(NetBidirectionalOperator\): input port 'Input' expects a "
                                                 rf"sequence .*found {re.escape(found)}"):
                NetGraph({"b": NetBidirectionalOperator(inner)}, [], Input=shape)
    for shape in (("n", 4), (3, 4)):  # a variable or a fixed length
        assert NetGraph({"b": NetBidirectionalOperator("Tanh")}, [], Input=shape).port_types["Output"].shape[-1] == 8
    with pytest.raises(ShapeError, match=r"layer 2 \(NetBidirectionalOperator\): input port 'Input' expects a "
                                         r"sequence .*found a vector \(4\) .*set by layer 1 \(LinearLayer\)"):
        NetChain([LinearLayer(4), NetBidirectionalOperator("Tanh")])  # a vector set by the layer before it


def test_bidirectional_catenate_refuses_sequences_of_scalars():
    """Catenate joins along the last dim, which for (n) is the sequence: Output (?) that no call could specify."""
    message = r"do not join by Catenate: a direction's output {} is a sequence of scalars.*'Plus' or 'Mean'"
    with pytest.raises(ShapeError, match=message.format(r"\(n\)")):
        NetGraph({"b": NetBidirectionalOperator("Tanh")}, [], Input=("n",))
    with pytest.raises(ShapeError, match=message.format(r"\(3\)")):  # a (3, 4) -> (3) net: its length kept by chance
        NetGraph({"b": NetBidirectionalOperator(NetChain([LinearLayer(3)]))}, [], Input=(3, 4))
    plus = net_initialize(NetGraph({"b": NetBidirectionalOperator("Tanh", "Plus")}, [], Input=("n",)))
    x = torch.randn(2, 3)
    torch.testing.assert_close(plus(x), 2 * torch.tanh(x))


def test_replacing_a_layer_inside_an_operator_infers_its_ports_again():
    net = net_initialize(NetGraph({"fold": NetFoldOperator(cell(4))}, [], Input=("n", 3)), seed=0)
    edited = net_initialize(net_replace_part(net, {("fold", "net", "lin"): LinearLayer(5)}), seed=0)
    assert edited.port_types["State"].shape == (5,) and edited.port_types["Output"].shape == ("n", 5)
    assert edited(Input=torch.randn(2, 3, 3))["Output"].shape == (2, 3, 5)
    bi = net_initialize(NetGraph({"bi": NetBidirectionalOperator(GatedRecurrentLayer(2))}, [], Input=("n", 3)), seed=0)
    wider = net_initialize(net_replace_part(bi, {("bi", "forward_net", "layer"): GatedRecurrentLayer(3)}), seed=0)
    assert wider.port_types["Output"].shape == ("n", 5) and wider(torch.randn(1, 2, 3)).shape == (1, 2, 5)


def test_an_inner_edit_that_does_not_fit_names_the_operator_and_its_inner_net():
    net = NetGraph({"n": NetNestOperator(NetChain({"l": LinearLayer(3)}), 2)}, [], Input=3)
    with pytest.raises(NetGraphError, match=r"net_replace_part: the edit inside layer 1 'n' \(NetNestOperator\) "
                                            r"\(inner net 'net'\) .*'Output' is fed back into 'Input', so they "
                                            r"must agree: expected shape \(3\), found \(5\)") as info:
        net_replace_part(net, {("n", "net", "l"): LinearLayer(5)})
    assert [(d.kind, d.expected, d.found) for d in info.value.diagnostics] == [("shape", (3,), (5,))]  # kept


def test_a_length_shared_only_by_inference_is_checked_at_every_call():
    """X gets Input's length n from the fold (not declared): a longer X was cut silently, a shorter an IndexError."""
    two = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(3)},
                   [([NetPort("Input"), NetPort("X"), NetPort("State")], "cat"), ("cat", "lin")], Input=2, X=1)
    fold = net_initialize(NetGraph({"f": NetFoldOperator(two)}, [], Input=("n", 2)), seed=0)
    assert fold.port_types["X"].shape == ("n", 1)
    message = r"input ports 'Input' and 'X' share the length n \(typed \(n, 2\) and \(n, 1\)\), found {} and {}"
    for a, b in ((3, 5), (5, 3)):
        with pytest.raises(DataError, match=message.format(a, b)):
            fold(Input=torch.randn(1, a, 2), X=torch.randn(1, b, 1))
        with pytest.raises(DataError, match=message.format(a, b)):
            fold(Input=[torch.randn(a, 2)], X=[torch.randn(b, 1)])
    inner = NetGraph({"p": "Plus"}, [([NetPort("a"), NetPort("b")], "p")], a=2, b=2)
    mapped = net_initialize(NetGraph({"m": NetMapOperator(inner)}, [], a=("n", 2)))
    with pytest.raises(DataError, match=r"input ports 'a' and 'b' share the length n .*found 3 and 4"):
        mapped(a=torch.randn(1, 3, 2), b=torch.randn(1, 4, 2))


def test_operators_take_the_layer_shorthands_yaml_takes():
    """YAML read ``net: Tanh`` / ``net: 5`` / ``net: [4, Tanh]``; Python refused the same values."""
    for shorthand, out in (("Tanh", ("n", 3)), (5, ("n", 5)), ([4, "Tanh"], ("n", 4))):
        python = NetGraph({"m": NetMapOperator(shorthand)}, [], Input=("n", 3))
        yaml = NetGraph.from_yaml(f"netgraph: 1\nlayers:\n  m: {{type: NetMapOperator, net: {shorthand}}}\n"
                                  f"inputs: {{Input: [n, 3]}}\n".replace("'", ""))
        assert python.port_types["Output"].shape == yaml.port_types["Output"].shape == out
    with pytest.raises(OptionError, match=r"takes a net .*a layer shorthand .*found 'Tanhh' \(did you mean 'Tanh'\?\)"):
        NetMapOperator("Tanhh")


def test_a_fold_state_error_names_the_users_initial_state_port():
    """The error spoke of the inner net's 'State' only, a port the user never gave (their port is 'InitialState')."""
    cell = NetGraph({"f": FunctionLayer("Tanh[#State + #Input]")}, [])
    with pytest.raises(ShapeError, match=r"'fold' \(NetFoldOperator\).*the inner net's 'State' is the fold's state: "
                                         r"its output 'State', input 'InitialState' .*here 'InitialState' \(4\)"):
        NetGraph({"fold": NetFoldOperator(cell, state_input=True)}, [], Input=("n", 3), InitialState=4)


def test_map_in_training_mode_interprets_as_it_compiles_one_batch_of_every_element():
    """The reference module called the inner net once per step, the compiled forward once on the sequence folded
    into the batch: a batch norm inside gave other outputs and moving statistics in training mode."""
    inner = NetGraph({"bn": BatchNormalizationLayer(), "lin": LinearLayer(2)}, [(NetPort("Input"), "bn", "lin"),
                                                                                 (NetPort("bn", "Output"), NetPort("Normed"))])
    net = net_initialize(NetGraph({"map": NetMapOperator(inner)}, [], Input=(5, 3)), seed=0)
    x = torch.randn(4, 5, 3) * 3 + 1
    compiled, reference = net.compile().train(), net.compile().train()
    a, b = compiled(x), interpret(net, reference, Input=x)
    hand = torch.nn.BatchNorm1d(3, eps=0.001, momentum=0.1).train()
    normed = hand(x.flatten(0, 1)).view(4, 5, 3)  # one batch of all 20 elements
    for out in (a, b):
        torch.testing.assert_close(out["Normed"], normed)
    torch.testing.assert_close(a["Output"], b["Output"])
    for module in (compiled, reference):
        torch.testing.assert_close(module.map.net.bn.MovingMean, hand.running_mean)
        torch.testing.assert_close(module.map.net.bn.MovingVariance, hand.running_var)


def test_a_data_error_inside_an_inner_net_names_the_layer_by_its_path_through_the_operators():
    from netgraph import EmbeddingLayer, net_extract
    step = NetGraph({"m": NetMapOperator(NetChain({"e": EmbeddingLayer(4, 10)})), "l": SequenceLastLayer(),
                     "cat": CatenateLayer(), "lin": LinearLayer(4)},
                    [(NetPort("Input"), "m", "l"), (["l", NetPort("State")], "cat"), ("cat", "lin")], Input=["k"])
    net = net_initialize(NetGraph({"enc": NetGraph({"fold": NetFoldOperator(step)}, [])}, [], Input=("n", "k")))
    single = net_initialize(NetGraph({"map": NetMapOperator(EmbeddingLayer(3, 10))}, [], Input=["n"]))
    for model, path in ((net, ("enc", "fold", "net", "m", "net", "e")), (single, ("map", "net", "layer"))):
        assert isinstance(net_extract(model, path), EmbeddingLayer)
        bad = torch.full((2, 3, 4) if model is net else (2, 3), 11)
        for call in (model, model.compile()):
            with pytest.raises(DataError, match=rf"^layer '{'/'.join(path)}' \(EmbeddingLayer\) port 'Input' takes "
                                                r"indices in \[0, 10\), found values from 11 to 11"):
                call(bad)


def test_compile_checks_reach_inner_nets_and_name_the_random_layer_by_its_path():
    from netgraph import NormalDistribution, RandomArrayLayer
    inner = NetGraph({"r": RandomArrayLayer(NormalDistribution(0, "#sigma"))}, [], sigma=3)
    net = net_initialize(NetGraph({"m": NetMapOperator(inner)}, [], sigma=("n", 3)))
    sigma = -torch.ones(2, 4, 3)
    checked = net.compile(checks=True)
    assert "randn" not in checked.m.net.code  # not inlined: the draw goes through the checked module
    with pytest.raises(DataError, match=r"^layer 'm/net/r' \(RandomArrayLayer with NormalDistribution\(0.0, "
                                        r"'#sigma'\)\): NormalDistribution parameter sigma .* found -1.0"):
        checked(sigma)
    assert net.compile(checks=False)(sigma).shape == (2, 4, 3)  # unchecked, as asked


@pytest.mark.parametrize("make, option, found", [
    (lambda: NetFoldOperator(-1), "net", "LinearLayer option output= dims must be positive"),
    (lambda: NetNestOperator([]), "net", "NetChain needs at least one layer"),
    (lambda: NetBidirectionalOperator(3, backward_net=0), "backward_net", "LinearLayer option output="),
    (lambda: NetMapOperator(2**40), "net", "more than the port_elements limit"),
])
def test_a_net_shorthand_its_own_layer_refuses_is_an_option_error_of_the_operators_option(make, option, found):
    """The shorthand's layer refused it as its own option (``output``) or as a WiringError of an empty chain, naming
    neither the operator nor the option the user gave (found by fuzzing every layer type's options)."""
    with netgraph.limits(port_elements=2**20), pytest.raises(OptionError) as info:
        make()
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.option == option and diagnostic.kind != "error"
    assert re.search(rf"Operator option {option}=: .*{re.escape(found)}", str(info.value))


def test_an_inner_layer_refusing_the_operators_types_is_told_once_where_the_user_set_them():
    gru = TorchLayer(torch.nn.GRU(3, 4, batch_first=True))  # returns (output, h_n): one output port takes one tensor
    with pytest.raises(ShapeError) as caught:
        NetGraph({"map": NetMapOperator(gru)}, [], Input=("n", 2, 3))
    message = str(caught.value)
    assert "net/layer (TorchLayer): the module must return one tensor per output port" in message
    assert caught.value.layer == ("map", "net", "layer")  # the refusing layer, though the operator declared its input
    # was also "['Input' (2, 3) set by the shape given for graph input 'Input']": the inner net's own port, which the
    # operator declared, told as if the user had
    assert message.count(" set by ") == 1 and message.endswith(
        "['Input' (n, 2, 3) set by the shape given for graph input 'Input']")


def test_an_initial_state_of_another_size_than_the_inner_output_says_the_output_is_the_state():
    # was only "its inner net's port 'Output': expected shape (4), found (5)": the 5 was the initial state's size
    with pytest.raises(ShapeError, match=r"its inner net's port 'Output': expected shape \(4\), found \(5\) \(the "
                                         r"inner net's 'State' is the fold's state: its output 'State', input "
                                         r"'InitialState' and each step's 'Output'; here 'InitialState' \(5\)"):
        NetGraph({"enc": GatedRecurrentLayer(5, state_output=True), "fold": NetFoldOperator(cell(), state_input=True)},
                 [(NetPort("Src"), "enc"), (NetPort("enc", "State"), NetPort("fold", "InitialState")),
                  (NetPort("enc", "Output"), None), (NetPort("Tgt"), NetPort("fold", "Input"))],
                 Src=("n", 2), Tgt=("m", 3))


def test_an_inner_layer_refusing_the_fold_state_is_named_with_the_note_on_the_state():
    """The note on the fold's state was added where the inner layer's words quoted 'State' (and then named the fold
    with the inner layer's port as if the fold's); a refusal not quoting it had no note."""
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(4, input=7), "t": ElementwiseLayer("Tanh")},
                    [([NetPort("State"), NetPort("Input")], "cat", "lin", "t")])
    with pytest.raises(ShapeError, match=r"net/cat \(CatenateLayer\): .*found 7 \(the inner net's 'State' is the "
                                         r"fold's state: .*here 'InitialState' \(4\)\)") as caught:
        NetGraph({"fold": NetFoldOperator(cell, state_input=True)}, [], Input=("n", 4), InitialState=4)
    assert (caught.value.layer, caught.value.port) == (("fold", "net", "cat"), "Output")
    quoted = NetGraph({"f": FunctionLayer("Tanh[#State + #Input]")}, [])
    with pytest.raises(ShapeError) as caught:
        NetGraph({"fold": NetFoldOperator(quoted, state_input=True)}, [], Input=("n", 3), InitialState=4)
    assert (caught.value.layer, caught.value.port) == (("fold", "net", "f"), "Input")  # was ("fold",), "Input"
