"""Recurrent state ports (InitialState/InitialCellState in, State/CellState out) and states across calls.

Checked against torch's own nn.LSTM / nn.GRU / nn.RNN given the same arrays and initial states: the compiled
module, the reference interpreter and torch agree exactly (one fused kernel, the same inputs). Feeding a
sequence in two pieces with the state carried over equals one call on the whole sequence.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import (BasicRecurrentLayer, CatenateLayer, DataError, ElementwiseLayer, EmbeddingLayer, FunctionLayer,
                      GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer, NetBidirectionalOperator, NetChain,
                      NetFoldOperator, NetGraph, NetPort, OptionError, SequenceLastLayer, ShapeError, SpecError,
                      WiringError, interpret, net_flatten, net_initialize)

GATES = {"lstm": ("InputGate", "ForgetGate", "MemoryGate", "OutputGate"),
         "gru": ("ResetGate", "UpdateGate", "MemoryGate"), "rnn": ("",)}
LAYERS = {"lstm": LongShortTermMemoryLayer, "gru": GatedRecurrentLayer, "rnn": BasicRecurrentLayer}
TORCH = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


def _layer_like(kind: str, module: nn.Module, **options):
    """A netgraph layer holding ``module``'s arrays (torch's gate blocks split into Wolfram's gates)."""
    gates = GATES[kind]
    blocks = {"InputWeights": module.weight_ih_l0, "StateWeights": module.weight_hh_l0, "Biases": module.bias_ih_l0}
    arrays = {f"{g}{k}": part.detach().clone() for k, value in blocks.items()
              for g, part in zip(gates, value.chunk(len(gates)))}
    return LAYERS[kind](module.hidden_size, **options).with_arrays(arrays)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_given_initial_states_match_torch_exactly(kind):
    torch.manual_seed(0)
    reference = TORCH[kind](3, 4, batch_first=True)
    with torch.no_grad():
        reference.bias_hh_l0.zero_()  # netgraph's layers have one bias per gate (Wolfram's), torch two
    net = NetGraph({"r": _layer_like(kind, reference, state_input=True, state_output=True)}, [], Input=("n", 3))
    x, h0, c0 = torch.randn(2, 6, 3), torch.randn(2, 4), torch.randn(2, 4)
    inputs = {"Input": x, "InitialState": h0, **({"InitialCellState": c0} if kind == "lstm" else {})}
    # with autograd on both sides (without it, torch may pick another CPU kernel for weights needing no grad)
    out, final = reference(x, (h0[None], c0[None]) if kind == "lstm" else h0[None])
    module = net.compile()
    compiled, interpreted = module(**inputs), interpret(net, module, **inputs)
    finals = final if kind == "lstm" else (final,)
    expected = {"Output": out, "State": finals[0][0], **({"CellState": finals[1][0]} if kind == "lstm" else {})}
    assert set(compiled) == set(expected) == set(interpreted)
    for port, value in expected.items():
        assert torch.equal(compiled[port], value), port
        assert torch.equal(interpreted[port], value), port


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_state_carried_across_two_calls_equals_one_call(kind):
    layer = LAYERS[kind](5, state_input=True, state_output=True)
    net = net_initialize(NetGraph({"r": layer}, [], Input=("n", 3)), seed=1)
    x = torch.randn(3, 9, 3)
    zeros = {p: torch.zeros(3, 5) for p in net.input_ports if p != "Input"}
    whole = net(Input=x, **zeros)
    first = net(Input=x[:, :4], **zeros)
    second = net(Input=x[:, 4:], **{f"Initial{s}": first[s] for s in layer.STATES})
    torch.testing.assert_close(torch.cat([first["Output"], second["Output"]], 1), whole["Output"])
    for state in layer.STATES:
        torch.testing.assert_close(second[state], whole[state])


def test_unconnected_state_ports_default_to_zeros_and_default_ports_are_unchanged():
    plain = net_initialize(NetChain([LongShortTermMemoryLayer(4)], input=("n", 2)), seed=0)
    assert plain.input_ports == ("Input",) and plain.output_ports == ("Output",)
    exposed = plain.replace_layers({"1": plain.layers["1"].replace(state_input=True, state_output=True)})
    x = torch.randn(2, 5, 2)
    out = exposed(Input=x, InitialState=torch.zeros(2, 4), InitialCellState=torch.zeros(2, 4))
    assert torch.equal(out["Output"], plain(x))
    assert torch.equal(out["State"], out["Output"][:, -1])  # the final state is the last output


def test_return_states_by_layer_path_and_feeding_them_back():
    enc = NetChain({"emb": EmbeddingLayer(4, 10), "lstm": LongShortTermMemoryLayer(5)})
    net = net_initialize(NetGraph({"enc": enc, "gru": GatedRecurrentLayer(3), "last": SequenceLastLayer()},
                                  [("enc", "gru", "last")], Input=["n"]), seed=0)
    x = torch.randint(0, 10, (2, 7))
    whole, states = net(x, return_states=True)
    assert torch.equal(whole, net(x))
    assert {k: sorted(v) for k, v in states.items()} == {"enc/lstm": ["CellState", "State"], "gru": ["State"]}
    assert states["enc/lstm"]["State"].shape == (2, 5) and states["gru"]["State"].shape == (2, 3)
    _, first = net(x[:, :3], return_states=True)
    second, carried = net(x[:, 3:], states=first, return_states=True)
    torch.testing.assert_close(second, whole)
    for layer, values in states.items():
        for name, value in values.items():
            torch.testing.assert_close(carried[layer][name], value)
    one, single = net(x[0], states={("gru",): {"State": first["gru"]["State"][0]}}, return_states=True)
    assert one.shape == (3,) and single["gru"]["State"].shape == (3,)
    batched, in_pieces = net(x, batch_size=1, return_states=True)
    torch.testing.assert_close(batched, whole)
    torch.testing.assert_close(in_pieces["enc/lstm"]["CellState"], states["enc/lstm"]["CellState"])
    wide, wide_states = net(x, precision="float64", states=first, return_states=True)
    assert wide.dtype == wide_states["gru"]["State"].dtype == torch.float64
    given = first["gru"]["State"].clone().requires_grad_()
    net(x, states={"gru": {"State": given}}).sum().backward()  # truncated backpropagation through time
    assert given.grad is not None and given.grad.abs().sum() > 0


def test_return_states_keeps_state_ports_the_net_wires_itself():
    net = net_initialize(NetGraph({"lstm": LongShortTermMemoryLayer(3, state_input=True, state_output=True),
                                   "gru": GatedRecurrentLayer(2)}, [("lstm", "gru")], Input=("n", 2)), seed=0)
    inputs = {"Input": torch.randn(2, 4, 2), "InitialState": torch.randn(2, 3), "InitialCellState": torch.randn(2, 3)}
    plain = net(inputs)
    outputs, states = net(inputs, return_states=True)
    assert set(outputs) == set(plain) == {"Output", "State", "CellState"}
    for port, value in plain.items():
        assert torch.equal(outputs[port], value)
    assert set(states) == {"gru"}  # the lstm's initial states are its own input ports: states= cannot set them
    net(inputs, states=states)
    with pytest.raises(DataError, match="layer 'lstm' takes its initial states from its own InitialState port") \
            as caught:
        net(inputs, states={"lstm": {"State": plain["State"]}})
    assert caught.value.diagnostics[0].kind == "option-combination"


def test_states_returned_by_a_net_with_a_wired_initial_state_are_accepted_back():
    s2s = net_initialize(NetGraph({"enc": GatedRecurrentLayer(4, state_output=True),
                                   "dec": GatedRecurrentLayer(4, state_input=True)},
                                  [(NetPort("A"), "enc"), (NetPort("B"), "dec"),
                                   (NetPort("enc", "State"), NetPort("dec", "InitialState"))],
                                  A=("n", 3), B=("m", 3)), seed=0)
    a, b = torch.randn(2, 6, 3), torch.randn(2, 4, 3)
    whole, _ = s2s(A=a, B=b, return_states=True)
    first, carried = s2s(A=a[:, :4], B=b, return_states=True)
    assert set(carried) == {"enc"}
    rest = s2s(A=a[:, 4:], B=b, states=carried)  # the encoder continues; the decoder starts from its final state
    torch.testing.assert_close(torch.cat([first["Output1"], rest["Output1"]], 1), whole["Output1"])
    torch.testing.assert_close(rest["Output2"], whole["Output2"])


def test_state_errors_name_layer_port_expected_and_found():
    with pytest.raises(ShapeError) as caught:
        NetGraph({"a": GatedRecurrentLayer(4, state_output=True), "b": GatedRecurrentLayer(3, state_input=True)},
                 [(NetPort("a", "State"), NetPort("b", "InitialState"))], Input=("n", 2))
    assert "'b' (GatedRecurrentLayer) port 'InitialState' (from its options): expected shape (3), found (4)" \
        in str(caught.value)  # the port's own shape is expected, the fed one found (they were swapped)
    with pytest.raises(ShapeError, match=r"port 'InitialCellState' \(from its options\): expected rank 1 \(5\), "
                                         r"found rank 2 \([n?], 5\)"):
        NetGraph({"enc": GatedRecurrentLayer(5), "dec": LongShortTermMemoryLayer(5, state_input=True)},
                 [(NetPort("enc", "Output"), NetPort("dec", "InitialCellState"))], Input=("n", 3))
    net = net_initialize(NetGraph({"gru": GatedRecurrentLayer(3)}, [], Input=("n", 2)), seed=0)
    x = torch.randn(2, 4, 2)
    with pytest.raises(DataError, match=r"layer 'gru' state 'State' expected shape \(2, 3\).*found \(2, 4\)"):
        net(x, states={"gru": {"State": torch.zeros(2, 4)}})
    with pytest.raises(DataError, match=r"'gruu' is no recurrent layer.*did you mean 'gru'"):
        net(x, states={"gruu": {}})
    with pytest.raises(OptionError, match="state_input= must be True or False"):
        LongShortTermMemoryLayer(3, state_input="yes")


def _fold(_, **options):
    return NetFoldOperator(NetGraph({"f": FunctionLayer("#State + #Input")}, []), **options)


@pytest.mark.parametrize("make, option", [(LongShortTermMemoryLayer, "state_input"),
                                          (GatedRecurrentLayer, "state_output"), (_fold, "state_input")])
def test_a_state_flag_other_than_true_or_false_is_refused_by_the_shared_rule(make, option):
    """A recurrent layer said 'takes True or False' with no kind; every other bool option (NetFoldOperator's too)
    says 'must be True or False', kind "option-value"."""
    with pytest.raises(OptionError, match=rf"option {option}= must be True or False, found 1") as info:
        make(3, **{option: 1})
    assert (info.value.kind, info.value.option, info.value.found) == ("option-value", option, 1)


def test_a_misspelt_state_name_is_refused_not_ignored():
    net = net_initialize(NetChain({"emb": EmbeddingLayer(8, 100), "lstm": LongShortTermMemoryLayer(4)},
                                  input=["n"]), seed=0)
    x = torch.randint(0, 100, (2, 5))
    _, carried = net(x, return_states=True)
    typo = {"lstm": {"Stat": carried["lstm"]["State"], "CellState": carried["lstm"]["CellState"]}}
    with pytest.raises(DataError, match=r"layer 'lstm' has no state 'Stat' \(did you mean 'State'\?\); its states "
                                        r"are \['State', 'CellState'\]"):
        net(x, states=typo)  # was: silently started from zeros
    with pytest.raises(DataError, match=r"layer 'lstm' takes a dict by state name \(State, CellState\), found Tensor"):
        net(x, states={"lstm": carried["lstm"]["State"]})
    feedforward = net_initialize(NetChain({"emb": EmbeddingLayer(8, 100)}, input=["n"]), seed=0)
    with pytest.raises(DataError, match=r"'lstm' is no recurrent layer of this net; it has no recurrent layers "
                                        r"\(states= sets"):
        feedforward(x, states={"lstm": carried["lstm"]})  # was: "its recurrent layers are []"


def test_states_with_the_wrong_number_of_examples_on_a_ragged_call_name_the_shapes():
    net = net_initialize(NetChain([GatedRecurrentLayer(4), SequenceLastLayer()], input=("n", 2)), seed=0)
    xs = [torch.randn(n, 2) for n in (3, 5, 3)]
    message = r"layer '1' state 'State' expected shape \(3, 4\) \(batch, size\), found \(2, 4\)"
    for data in (torch.randn(3, 4, 2), xs):  # the ragged call raised an IndexError from the length groups
        with pytest.raises(DataError, match=message):
            net(data, states={"1": {"State": torch.zeros(2, 4)}})
    given = torch.randn(3, 4)
    out = net(xs, states={"1": {"State": given.numpy()}})
    for i, x in enumerate(xs):
        torch.testing.assert_close(out[i], net(x[None], states={"1": {"State": given[i:i + 1]}})[0])


@pytest.mark.parametrize("names", [("enc/lstm",), ("my gru", "my_gru")])
def test_states_of_layers_whose_names_are_no_identifiers(names):
    """net_flatten names layers 'enc/lstm'; the state ports' internal names are mangled, the keys stay the paths."""
    net = net_initialize(NetChain({n: LongShortTermMemoryLayer(3) for n in names}, input=("n", 2)), seed=0)
    x = torch.randn(2, 6, 2)
    whole, states = net(x, return_states=True)
    assert list(states) == list(names) and torch.equal(whole, net(x))
    _, first = net(x[:, :2], return_states=True)
    torch.testing.assert_close(net(x[:, 2:], states=first), whole[:, 2:])
    nested = net_initialize(NetChain({"enc": NetChain({"lstm": LongShortTermMemoryLayer(3)})}, input=("n", 2)), seed=0)
    flat_out, flat_states = net_flatten(nested)(x, return_states=True)
    nested_out, nested_states = nested(x, return_states=True)
    assert list(flat_states) == list(nested_states) == ["enc/lstm"]
    torch.testing.assert_close(flat_out, nested_out)
    torch.testing.assert_close(flat_states["enc/lstm"]["CellState"], nested_states["enc/lstm"]["CellState"])


def test_state_options_round_trip_through_yaml():
    net = NetGraph({"lstm": LongShortTermMemoryLayer(4, state_input=True, state_output=True),
                    "lin": LinearLayer(2)}, [(NetPort("lstm", "State"), "lin")], Input=("n", 3))
    text = net.to_yaml()
    assert "state_input: true" in text and "state_output: true" in text
    again = NetGraph.from_yaml(text)
    assert again.input_ports == ("Input", "InitialState", "InitialCellState")
    assert again.output_ports == net.output_ports and "CellState" in again.output_ports


def test_svg_draws_state_ports_of_recurrent_layers_and_folds():
    net = NetGraph({"lstm": LongShortTermMemoryLayer(4, state_input=True, state_output=True),
                    "gru": GatedRecurrentLayer(2)}, [("lstm", "gru")], Input=("n", 3))
    svg = net.render_svg()
    for text in (">InitialState<", ">InitialCellState<", ">State<", ">CellState<",
                 "states: State, CellState (from given, final out)", "states: State (from zeros)"):
        assert text in svg, text
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": ElementwiseLayer("Tanh")},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)
    fold = NetGraph({"fold": NetFoldOperator(cell, state_input=True)}, [], Input=("n", 3)).to_dot()
    assert '"I.fold.InitialState" -> "I.fold.net.State"' in fold  # the given state enters the inner net's State
    assert '"O.fold.net.Output" -> "O.fold.State"' in fold  # the inner Output is the final State


def test_probing_outputs_with_states_is_refused_not_dropped():
    """The states run returns the net's own outputs; a probe asked for beside it must not vanish silently."""
    net = net_initialize(NetChain([GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2)], input=("n", 4)),
                         seed=0)
    x = torch.randn(2, 5, 4)
    for keywords in ({"return_states": True}, {"states": net(x, return_states=True)[1]}):
        with pytest.raises(OptionError, match="outputs= cannot be combined with states="):
            net(x, outputs=[NetPort(("2", "Output"))], **keywords)
    assert net(x, outputs=NetPort(("2", "Output"))).shape == (2, 3)  # probing alone still works


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_the_compiled_module_refuses_initial_states_of_the_wrong_size_or_batch(kind):
    """The fused kernels ran an LSTM on with a wrong state size or batch (a wrong-width result); GRU/RNN hit matmul."""
    net = net_initialize(NetGraph({"r": LAYERS[kind](4, state_input=True)}, [], Input=("n", 3)), seed=0)
    module, x = net.compile(), torch.randn(2, 5, 3)
    ports = ("InitialState", "InitialCellState") if kind == "lstm" else ("InitialState",)
    for state, found in ((torch.randn(2, 5), r"\(2, 5\)"), (torch.randn(3, 4), r"\(3, 4\)"), (torch.randn(4), r"\(4,\)")):
        with pytest.raises(DataError, match=rf"layer 'r' \({LAYERS[kind].__name__}\): input port 'InitialState': "
                                            rf"expected shape \(2, 4\) .*found {found}"):
            module(Input=x, **{p: state for p in ports})
    assert module(Input=x, **{p: torch.randn(2, 4) for p in ports}).shape == (2, 5, 4)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_recurrent_layers_keep_the_length_names_their_inputs_declare(kind):
    """Lengths declared apart (p, q) were reported as one "n" by port_types, information and the diagram."""
    net = NetGraph({"a": LAYERS[kind](3), "b": LAYERS[kind](3)}, [(NetPort("A"), "a"), (NetPort("B"), "b")],
                   A=("p", 2), B=("q", 2))
    assert {p: t.shape for p, t in net.port_types.items()} == \
        {"A": ("p", 2), "B": ("q", 2), "Output1": ("p", 3), "Output2": ("q", 3)}
    assert net.information("InputPorts") == {"A": ("p", 2), "B": ("q", 2)}
    assert NetGraph({"r": LAYERS[kind](3, input=2)}, []).port_types["Output"].shape == ("n", 3)  # nothing names it


@pytest.mark.parametrize("edge, state_output, state_input, hint", [
    (("State", "InitialState"), False, True, r"'enc' .* has no port 'State' \(state_output=True adds it\)"),
    (("CellState", "InitialCellState"), False, True, r"has no port 'CellState' \(state_output=True adds it\)"),
    (("State", "InitialState"), True, False, r"'dec' .* has no port 'InitialState' \(state_input=True adds it\)"),
    (("State", "State"), True, True, r"'dec' .* has no port 'State' \(the initial state is the input 'InitialState'\)"),
])
def test_a_missing_state_port_names_the_option_that_adds_it(edge, state_output, state_input, hint):
    layers = {"enc": LongShortTermMemoryLayer(6, state_output=state_output),
              "dec": LongShortTermMemoryLayer(6, state_input=state_input)}
    with pytest.raises(WiringError, match=hint):
        NetGraph(layers, [(NetPort("enc", edge[0]), NetPort("dec", edge[1]))], Input=("n", 3))


def test_a_missing_state_port_in_yaml_names_the_option_that_adds_it():
    text = ("netgraph: 1\nlayers:\n  enc: {type: GatedRecurrentLayer, output: 4}\n"
            "  dec: {type: GatedRecurrentLayer, output: 4, state_input: true}\n"
            "inputs: {Input: [n, 3]}\nedges: [Input -> enc, enc.State -> dec.InitialState, enc -> dec]\n")
    with pytest.raises(SpecError, match=r"has no port 'State' \(state_output: true adds it\)"):
        NetGraph.from_yaml(text)


@pytest.mark.parametrize("dec_state_input, hint", [
    (True, r"has no port 'State' \(the initial state is the input 'InitialState'\)"),
    (False, r"has no port 'State' \(the initial state is the input 'InitialState', state_input: true adds it\)"),
])
def test_wolframs_state_input_fed_in_yaml_names_the_initial_state_port(dec_state_input, hint):
    """An edge into dec.State is fed, so its hint is an input's, as in Python (it was the output's option)."""
    text = ("netgraph: 1\nlayers:\n  enc: {type: GatedRecurrentLayer, output: 4, state_output: true}\n"
            f"  dec: {{type: GatedRecurrentLayer, output: 4, state_input: {str(dec_state_input).lower()}}}\n"
            "inputs: {Input: [n, 3]}\nedges: [Input -> enc, enc.State -> dec.State, enc -> dec]\n")
    with pytest.raises(SpecError, match=hint):
        NetGraph.from_yaml(text)


@pytest.mark.parametrize("given, port, expected, found", [
    ({"InitialState": (2, 5)}, "InitialState", (2, 6), (2, 5)),
    ({"InitialCellState": (3, 6)}, "InitialCellState", (2, 6), (3, 6)),
    ({"Input": (2, 4, 5)}, "Input", ("batch", "length", 3), (2, 4, 5)),
])
def test_the_compiled_modules_state_and_input_errors_carry_port_expected_and_found(given, port, expected, found):
    """Its DataError named them in its text only (an initial state's not even its port), not as Diagnostic fields."""
    module = net_initialize(NetGraph({"l": LongShortTermMemoryLayer(6, state_input=True)}, [], Input=("n", 3)),
                            seed=0).compile()
    shapes = {"Input": (2, 4, 3), "InitialState": (2, 6), "InitialCellState": (2, 6), **given}
    with pytest.raises(DataError) as info:
        module(**{p: torch.randn(*s) for p, s in shapes.items()})
    d = info.value.diagnostics[0]
    assert (d.port, d.expected, d.found) == (port, expected, found)


def test_probing_a_state_the_layer_does_not_give_says_how_to_get_it():
    """Wolfram's net[x, NetPort[{"lstm", "State"}]] and net[x, NetPort[All, "States"]]: an edge to a missing state
    port named the option that adds it, but a probe said only 'no output port' or 'no layer All'."""
    net = net_initialize(NetChain({"emb": EmbeddingLayer(4, 10), "lstm": LongShortTermMemoryLayer(3)}, input=["n"]),
                         seed=0)
    x = torch.randint(0, 10, (2, 5))
    with pytest.raises(WiringError, match=r"layer 'lstm' has no output port 'State'.*\(state_output=True adds it\)") \
            as err:
        net(x, outputs=NetPort("lstm", "State"))
    assert (err.value.diagnostics[0].kind, err.value.diagnostics[0].port) == ("unknown-port", "State")
    with pytest.raises(WiringError, match=r"Wolfram's NetPort\[All, \"States\"\].* return_states=True"):
        net(x, outputs=NetPort("All", "States"))
    outputs, states = net(x, return_states=True)
    assert set(states["lstm"]) == {"State", "CellState"}


def test_states_for_a_recurrent_layer_inside_an_operator_say_that_operators_keep_their_own():
    net = net_initialize(NetGraph({"bi": NetBidirectionalOperator(GatedRecurrentLayer(3)),
                                   "gru": GatedRecurrentLayer(2)}, [("bi", "gru")], Input=("n", 2)), seed=0)
    x = torch.randn(2, 4, 2)
    with pytest.raises(DataError) as caught:
        net(x, states={"bi/forward_net/layer": {"State": torch.zeros(2, 3)}})
    message = str(caught.value)  # was: "... is no recurrent layer of this net; its recurrent layers are ['gru']"
    assert "'bi/forward_net/layer' is inside NetBidirectionalOperator 'bi'" in message
    assert "its recurrent layers are ['gru']" in message
    (problem,) = caught.value.diagnostics
    assert (problem.kind, problem.layer) == ("state-in-operator", ("bi", "forward_net", "layer"))
    only_inside = net_initialize(NetGraph({"bi": NetBidirectionalOperator(GatedRecurrentLayer(3))}, [],
                                          Input=("n", 2)), seed=0)
    with pytest.raises(DataError, match=r"'bi/backward_net/layer' is inside NetBidirectionalOperator 'bi'.*"
                                        r"no recurrent layer outside operators"):  # was: "it has no recurrent layers"
        only_inside(x, states={"bi/backward_net/layer": {"State": torch.zeros(2, 3)}})


def test_states_for_a_fold_name_its_initial_state_port():
    cell = NetGraph({"plus": "Plus"}, [([NetPort("Input"), NetPort("State")], "plus")], Input=2)
    net = net_initialize(NetGraph({"fold": NetFoldOperator(cell)}, [], Input=("n", 2)), seed=0)
    with pytest.raises(DataError, match=r"states=: 'fold' is a NetFoldOperator, whose initial state is its input port "
                                        r"'InitialState' \(state_input=True adds it\) and final state its output "
                                        r"'State'") as caught:  # was: "'fold' is no recurrent layer of this net"
        net(torch.randn(2, 3, 2), states={"fold": {"State": torch.zeros(2, 2)}})
    assert (caught.value.diagnostics[0].kind, caught.value.diagnostics[0].layer) == ("state-of-fold", ("fold",))
