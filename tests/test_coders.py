"""Encoders and decoders on graph ports: class, boolean and scalar coders, port types, YAML, save/load, diagram."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import (BooleanDecoder, BooleanEncoder, ClassDecoder, ClassEncoder, DataError, ElementwiseLayer,
                      EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort, OptionError, ReshapeLayer,
                      ScalarEncoder, ShapeError, SoftmaxLayer, TokensEncoder, WiringError, load, net_initialize,
                      net_replace_part, net_train, save)
from netgraph.core.coders import ImageEncoder, coder_from_data
from netgraph.data import parse_property


@pytest.fixture
def classifier():
    """Labels in ('x', 'y', 'z') -> probabilities of ('a', 'b')."""
    net = NetChain({"embed": EmbeddingLayer(4, 3), "lin": LinearLayer(2), "soft": SoftmaxLayer()},
                   input=ClassEncoder(["x", "y", "z"]), output=ClassDecoder(["a", "b"]))
    return net_initialize(net, seed=1)


def _probabilities(net, indices):
    """The classifier's probabilities computed by hand from its arrays."""
    e = net.layers["embed"].weights[torch.tensor(indices)]
    return torch.softmax(e @ net.layers["lin"].weights.T + net.layers["lin"].biases, -1)


def test_wolframs_second_argument_is_the_decoder_property(classifier):
    """Wolfram's net[x, "Probabilities"]: it said "pass a single positional tensor only to a net with one input",
    of a net with one input."""
    assert classifier(["x", "z"], "Probabilities") == classifier(["x", "z"], decoder="Probabilities")
    assert classifier("z", ("TopProbabilities", 1)) == classifier("z", decoder=("TopProbabilities", 1))
    with pytest.raises(OptionError, match="decoder='Probabilities' needs an output with a decoder"):
        net_initialize(NetChain([LinearLayer(2)], input=3))(torch.ones(1, 3), "Probabilities")
    with pytest.raises(OptionError, match="the property is given twice"):
        classifier("z", "Probabilities", decoder="Decision")


def test_an_encoder_fixes_its_port_type_and_a_decoder_is_checked_against_its_port(classifier):
    assert classifier.port_types["Input"].shape == () and classifier.port_types["Input"].dtype == "Integer"
    assert classifier.coders == {"Input": ClassEncoder(["x", "y", "z"]), "Output": ClassDecoder(["a", "b"])}
    assert classifier.information("Encoders") == {"Input": ClassEncoder(["x", "y", "z"])}
    assert classifier.information("Decoders") == {"Output": ClassDecoder(["a", "b"])}
    with pytest.raises(ShapeError, match=r"graph output 'Output': ClassDecoder with 2 labels takes a \(2\) "
                                         r"probability vector \(Real\), a sequence of them \(n, 2\) or a scalar "
                                         r"class index, "
                                         r"found \(3\)"):
        NetChain([LinearLayer(3)], input=2, output=ClassDecoder(["a", "b"]))
    with pytest.raises(WiringError, match="'Input': a decoder \\(ClassDecoder\\) goes on an output port"):
        NetChain([LinearLayer(3)], input=ClassDecoder(["a", "b"]))
    with pytest.raises(WiringError, match="an encoder \\(ScalarEncoder\\) goes on an input port"):
        NetGraph([LinearLayer(3)], Input=2, Output=ScalarEncoder())


def test_labels_are_encoded_and_probabilities_decoded_into_labels(classifier):
    p = _probabilities(classifier, [0, 2, 1])
    expected = [("a", "b")[i] for i in p.argmax(-1).tolist()]
    assert classifier(["x", "z", "y"]) == expected
    assert classifier("z") == expected[1]
    probabilities = classifier(["x", "z", "y"], decoder="Probabilities")
    assert [list(d) for d in probabilities] == [["a", "b"]] * 3
    assert torch.allclose(torch.tensor([list(d.values()) for d in probabilities]), p, atol=1e-6)
    top = classifier("z", decoder=("TopProbabilities", 1))
    assert top[0][0] == expected[1] and top[0][1] == pytest.approx(p[1].max().item(), abs=1e-6)
    assert classifier("z", decoder="TopDecisions") == sorted(["a", "b"], key=lambda c: -p[1][("a", "b").index(c)])
    assert torch.allclose(classifier(["x", "z"], decoder=None), p[:2], atol=1e-6)


def test_an_encoded_port_takes_already_encoded_tensors(classifier):
    assert classifier(torch.tensor([2, 0])) == classifier(["z", "x"])


def test_bad_labels_and_wrong_types_name_the_port_and_every_bad_example(classifier):
    with pytest.raises(DataError, match=r"input port 'Input' \(ClassEncoder\): example 1: label 'w' is not one of "
                                        r"the 3 labels \['x', 'y', 'z'\]; .*example 3: label 'q'") as info:
        classifier(["x", "w", "y", "q"])
    assert info.value.diagnostics[0].port == "Input"
    with pytest.raises(DataError, match=r"input port 'Input' \(ClassEncoder\): example 0: expected a label, "
                                        r"found dict"):
        classifier([{"x": 1}])
    with pytest.raises(OptionError, match="decoder= must be one of"):
        classifier("x", decoder="Probability")


def test_boolean_and_scalar_coders():
    net = NetGraph({"lin": LinearLayer(1), "sig": ElementwiseLayer("LogisticSigmoid"), "flat": ReshapeLayer(())},
                   [("lin", "sig", "flat")], Input=ScalarEncoder(min=0, max=10), Output=BooleanDecoder())
    net = net_initialize(net, seed=2)
    w, b = net.layers["lin"].weights.reshape(()), net.layers["lin"].biases.reshape(())
    p = torch.sigmoid(w * torch.tensor([0.25, 0.9]) + b)
    assert net([2.5, 9]) == [bool(v > 0.5) for v in p]
    assert net(2.5, decoder="Probabilities") == pytest.approx(p[0].item(), abs=1e-6)
    with pytest.raises(DataError, match=r"input port 'Input' \(ScalarEncoder\): example 1: expected a number, "
                                        r"found str 'high'"):
        net([1, "high"])
    flags = NetChain([LinearLayer(2)], input=BooleanEncoder())
    assert flags.port_types["Input"].shape == ()
    with pytest.raises(DataError, match=r"example 1: expected True or False, found int 1"):
        flags([True, 1])


def test_a_scalar_encoder_names_a_number_beyond_the_working_precision_s_range():
    """1e300 (or 1e300 rescaled by min and max) became inf in float32 without a word, and an int past float64's
    range was Python's raw OverflowError "int too large to convert to float"."""
    scaled = net_initialize(NetChain([LinearLayer(2)], input=ScalarEncoder(min=0, max=10)), seed=0)
    plain = net_initialize(NetChain([LinearLayer(2)], input=ScalarEncoder()), seed=0)
    with pytest.raises(DataError, match=r"^input port 'Input' \(ScalarEncoder\): example 1: the number 1e\+300, "
                                        r"rescaled to 1e\+299, lies beyond float32's range \(largest 3\.4e\+38\): it "
                                        r"would become infinite; scale the data$"):
        scaled([1.0, 1e300])
    with pytest.raises(DataError, match=r"the value: an integer of 401 digits lies beyond float32's range"):
        plain(-10 ** 400)
    with pytest.raises(DataError, match=r"example 1: the number 1e\+300 lies beyond float32's range"):
        net_train(plain, {"Input": [1.0, 1e300], "Output": torch.zeros(2, 2)}, max_training_rounds=1, progress=False)
    assert torch.isfinite(scaled(3e38)).all()  # in range (an infinity given: test_table_scalar_inputs)


def test_a_scalar_encoder_keeps_the_digits_of_a_float64_call():
    """The numbers were encoded in float32 whatever the call's precision: net(1.0000000001, precision="float64")
    through a weight of 1e9 gave 1000000000.0, the float32 rounding of the input, not 1000000000.1."""
    net = net_initialize(NetChain([LinearLayer(1)], input=ScalarEncoder()), seed=0)
    net = net_replace_part(net, {(1, "Weights"): torch.tensor([[1e9]], dtype=torch.float64),
                                 (1, "Biases"): torch.tensor([0.0], dtype=torch.float64)})
    value = 1.0000000001
    assert net(value, precision="float64").item() == net(torch.tensor(value, dtype=torch.float64),
                                                         precision="float64").item() == pytest.approx(1e9 * value)
    assert net([value, 2.0]).dtype == torch.float32 and net(value).item() == 1e9  # float32 calls as before


def test_coder_options_are_checked():
    with pytest.raises(OptionError, match="labels must be distinct"):
        ClassDecoder(["a", "a"])
    with pytest.raises(OptionError, match=r"ScalarEncoder option min=: give both min= and max="):
        ScalarEncoder(min=1)
    with pytest.raises(OptionError, match="ClassEncoder option output=: 'Index' or 'UnitVector'"):
        ClassEncoder(["a"], output="OneHot")
    with pytest.raises(OptionError, match=r"found 'Unitvector' \(did you mean 'UnitVector'\?\)$"):  # found by QA
        ClassEncoder(["a"], output="Unitvector")
    assert ClassEncoder(["a", "b"], output="UnitVector").port_type().shape == (2,)


def test_coders_survive_yaml_save_load_and_surgery(classifier, tmp_path):
    text = classifier.to_yaml()
    assert "encoder:\n      type: ClassEncoder" in text and "decoder:\n      type: ClassDecoder" in text
    assert NetGraph.from_yaml(text) == classifier
    loaded = load(save(classifier, tmp_path / "net.yaml"))
    assert loaded.coders == classifier.coders and loaded(["x", "y"]) == classifier(["x", "y"])
    changed = classifier.replace_layers({"lin": LinearLayer(2)})
    assert changed.coders == classifier.coders


def test_yaml_ports_take_encoders_and_decoders_with_clear_errors():
    spec = """
netgraph: 1
type: NetChain
layers: [{type: LinearLayer, output: 2}, {type: SoftmaxLayer}]
inputs: {Input: {encoder: {type: ScalarEncoder}}}
outputs: {Output: {decoder: {type: ClassDecoder, labels: [cat, dog]}}}
"""
    net = NetGraph.from_yaml(spec)
    assert net.coders["Output"] == ClassDecoder(["cat", "dog"]) and net.port_types["Input"].shape == ()
    with pytest.raises(Exception, match=r"encoder type must be one of .* found 'ScalarEncodr' \(did you mean "
                                        r"'ScalarEncoder'\?\)"):
        NetGraph.from_yaml(spec.replace("type: ScalarEncoder", "type: ScalarEncodr"))
    with pytest.raises(Exception, match="ClassDecoder has no option 'classes'"):
        NetGraph.from_yaml(spec.replace("labels:", "classes:"))


def test_the_diagram_shows_coders_on_the_periphery_ports(classifier):
    svg = classifier.render_svg()
    assert "ClassEncoder: x, y, z" in svg and "ClassDecoder: a, b" in svg
    assert "ClassDecoder: a, b" in classifier.to_dot()


def test_a_class_decoder_reads_scalar_class_indices():
    chain = NetChain([LinearLayer([], weights=torch.ones(1, 1), biases=torch.zeros(1))], input=ScalarEncoder(),
                     output=ClassDecoder(["low", "mid", "high"]))  # the identity on scalars
    assert chain([0, 1.2, 2]) == ["low", "mid", "high"]  # rounded to the nearest index
    with pytest.raises(DataError, match=r"output port 'Output' \(ClassDecoder\): example 1: index 3 is not a "
                                        r"class index in \[0, 3\)"):
        chain([0, 3])
    with pytest.raises(OptionError, match="gives class indices, not probabilities"):
        chain(1, decoder="Probabilities")


@pytest.mark.parametrize("encoder", ["{type: [x]}", "{type: ImageEncoder, color_space: [1]}", "[ImageEncoder]",
                                     "{type: TokensEncoder, vocabulary: [a], unknown: [1]}",
                                     "{type: ClassEncoder, labels: [[1]]}", "{type: ImageEncoder, std: .nan}",
                                     "{type: ClassDecoder, labels: [a, b]}", "{size: 3}"])
def test_malformed_encoders_in_yaml_are_spec_errors_at_their_port(encoder):
    from netgraph import SpecError
    spec = f"netgraph: 1\ntype: NetChain\nlayers: [{{type: LinearLayer, output: 2}}]\ninputs: {{Input: {{encoder: {encoder}}}}}\n"
    with pytest.raises(SpecError, match=r"<string>:4:\d+: input 'Input': "):
        NetGraph.from_yaml(spec)


def test_a_repeated_plain_call_still_decodes():
    """net(x) has a fast path for one plain tensor once the module is compiled; a decoder must still apply."""
    net = net_initialize(NetGraph({"l": LinearLayer(2), "s": SoftmaxLayer()}, [("l", "s")], Input=3,
                                  Output=ClassDecoder(["a", "b"])), seed=0)
    x = torch.randn(4, 3)
    first, second = net(x), net(x)
    assert first == second and set(first) <= {"a", "b"} and len(first) == 4


def test_true_is_no_label_1_and_1_no_label_true():
    """Python's True == 1 made ClassEncoder([0, 1]) encode True as index 1, and a [True, False] decoder's target 1
    the label True (index 0): a bool and an int label are told apart; numpy scalars still match."""
    from netgraph.data import encode
    with pytest.raises(DataError, match=r"label True is not one of the 2 labels \[0, 1\]"):
        encode(ClassEncoder([0, 1]), "Input", True)
    with pytest.raises(DataError, match=r"example 0: label 1 is not one of the 2 labels \[True, False\]"):
        encode(ClassDecoder([True, False]), "Output", [1], what="target")
    assert encode(ClassEncoder([0, 1, 2]), "Input", [np.int64(2), 1]).tolist() == [2, 1]
    assert encode(ClassEncoder([True, False]), "Input", [np.bool_(False), True]).tolist() == [1, 0]


def test_asking_a_net_without_decoders_or_a_probe_for_probabilities_is_refused_not_ignored():
    """decoder='Probabilities' returned the plain tensor, silently, where no output had a decoder, or with outputs=."""
    plain = net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=3), seed=0)
    x = torch.rand(2, 3)
    for prop in ("Probabilities", ("TopDecisions", 1)):
        with pytest.raises(OptionError, match=r"decoder='(Probabilities|TopDecisions)' needs an output with a decoder"):
            plain(x, decoder=prop)
    assert torch.equal(plain(x, decoder="Decision"), plain(x)) and torch.equal(plain(x, decoder=None), plain(x))
    labelled = net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=3, output=ClassDecoder(["a", "b"])),
                              seed=0)
    with pytest.raises(OptionError, match=r"decoder='Probabilities' applies to the net's outputs; outputs= returns"):
        labelled(x, outputs="Output", decoder="Probabilities")
    assert torch.equal(labelled(x, outputs="Output"), labelled(x, decoder=None))  # a probe: the tensor


def test_labels_at_a_port_without_an_encoder_name_the_encoder_to_attach():
    """net('r') said "cannot make a tensor from str: new(): invalid data type 'str'" (net_train said what to do)."""
    inner = NetChain([EmbeddingLayer(4, 3), LinearLayer(2), SoftmaxLayer()], input=())
    outer = net_initialize(NetChain({"inner": inner}), seed=0)
    for value in ("r", ["r", "g"], np.array(["r"])):
        with pytest.raises(DataError, match=r"input port 'Input' has no encoder, but it was given str_? 'r'; attach a "
                                            r"ClassEncoder \(labels\)"):
            outer(value)
    assert outer(torch.tensor([0, 2])).shape == (2, 2)


def test_a_port_type_an_encoder_gives_is_named_by_the_encoder_in_a_conflict():
    """It said 'the shape given for graph input', though no shape was given: the ClassEncoder's indices clash."""
    with pytest.raises(ShapeError, match=r"the ClassEncoder on graph input 'Input': expected dtype Real, found Integer"):
        NetChain([LinearLayer(3)], input=ClassEncoder(["a", "b"]))


def test_a_label_from_a_numpy_array_is_shown_as_the_value_not_numpy_s_repr():
    """Labels from a numpy array (or a pandas column) were shown as "label np.str_('cow')" (numpy 2's repr)."""
    net = NetChain([LinearLayer(2), SoftmaxLayer()], Input=2, output=ClassDecoder(["cat", "dog"]))
    data = {"Input": np.zeros((3, 2), "f4"), "Output": np.array(["cat", "cow", "dog"])}
    with pytest.raises(DataError) as info:
        net_train(net, data, max_training_rounds=1, progress=False)
    assert str(info.value).endswith("example 1: label 'cow' is not one of the 2 labels ['cat', 'dog']")
    from netgraph.data import encode
    with pytest.raises(DataError, match=r"example 1: label 7 is not one of the 3 labels \[10, 20, 30\]$"):
        encode(ClassEncoder([10, 20, 30]), "Input", np.array([10, 7]))


@pytest.mark.parametrize("coder, count", [(ClassEncoder(["a", "b", "c", "d"]), 4), (TokensEncoder(["a", "b"]), 4)])
def test_an_encoder_giving_more_indices_than_its_embedding_takes_is_refused_when_built(coder, count):
    """Found by QA: ClassEncoder with 4 labels before EmbeddingLayer(n=3) was built, and only net('d') failed, with
    "layer '1' (EmbeddingLayer) port 'Input' takes indices in [0, 3)"; Wolfram's index types refuse it at once."""
    with pytest.raises(ShapeError, match=rf"graph input 'Input': the {type(coder).__name__} gives indices 0 to "
                                         rf"{count - 1}, but layer 'emb' \(EmbeddingLayer\) takes n=3") as info:
        NetChain({"emb": EmbeddingLayer(2, 3), "act": "Tanh"}, input=coder)
    assert info.value.diagnostics[0].port == "Input"
    assert NetChain({"emb": EmbeddingLayer(2, count)}, input=coder).port_types["Input"].dtype == "Integer"


def test_every_bad_option_of_a_coder_is_reported_at_once():
    """A bad size= hid a bad color_space= (and an unknown option hid the rest): each fix showed the next problem."""
    with pytest.raises(OptionError) as info:
        ImageEncoder(size=(0, 28), color_space="CMYK", std=-1)
    assert {d.option for d in info.value.diagnostics} == {"size", "color_space", "std"}
    assert "ImageEncoder options: 3 problems" in str(info.value)
    with pytest.raises(OptionError) as info:
        coder_from_data({"type": "ImageEncoder", "size": "big", "color_spcae": "RGB", "meen": 0.5}, "encoder", "port")
    assert [d.option for d in info.value.diagnostics] == ["color_spcae", "meen", "size"]
    assert "(did you mean 'color_space'?)" in str(info.value) and "(did you mean 'mean'?)" in str(info.value)
    with pytest.raises(OptionError) as info:
        TokensEncoder(["a"], max_length=0, lowercase="yes")
    assert [d.option for d in info.value.diagnostics] == ["max_length", "lowercase"]
    with pytest.raises(OptionError, match=r"^ImageEncoder option size=: \(width, height\), two positive ints"):
        ImageEncoder(size=(0, 28))  # one problem: said as before


def test_a_class_decoder_decodes_a_sequence_of_probability_vectors_at_each_position():
    """Wolfram's class decoder of a rank-2 input takes its last dim as the classes (a tagger's (n, k) output): one
    label per position, lengths as the input's."""
    tagger = net_initialize(NetChain([NetMapOperator(LinearLayer(3)), SoftmaxLayer()], input=("n", 2),
                                     output=ClassDecoder(["a", "b", "c"])), seed=0)
    x = torch.randn(2, 4, 2, generator=torch.Generator().manual_seed(0))
    p = tagger(x, decoder=None)
    assert p.shape == (2, 4, 3)
    assert tagger(x) == [[("a", "b", "c")[i] for i in row] for row in p.argmax(-1).tolist()]
    probabilities = tagger(x, decoder="Probabilities")
    assert [len(row) for row in probabilities] == [4, 4] and list(probabilities[1][2]) == ["a", "b", "c"]
    assert torch.allclose(torch.tensor([[list(d.values()) for d in row] for row in probabilities]).to(p), p)
    top = tagger(x, decoder=("TopDecisions", 2))
    assert [[labels[0] for labels in row] for row in top] == tagger(x)
    with pytest.raises(ShapeError, match=r"ClassDecoder with 3 labels takes a \(3\) probability vector \(Real\), "
                                         r"a sequence of them \(n, 3\) or a scalar class index, found \(n, 4\)"):
        NetChain([NetMapOperator(LinearLayer(4))], input=("n", 2), output=ClassDecoder(["a", "b", "c"]))


def test_a_top_k_property_decodes_the_outputs_it_fits_beside_a_boolean_output():
    """decoder='TopProbabilities' raised for the BooleanDecoder output of a net that also has a ClassDecoder output,
    so no top-k could be asked of such a net; a net whose only decoded output cannot give it is still refused."""
    graph = NetGraph({"lin": LinearLayer(2), "soft": SoftmaxLayer(), "one": LinearLayer(1),
                      "sig": ElementwiseLayer("LogisticSigmoid"), "flat": ReshapeLayer(())},
                     [("lin", "soft", NetPort("Class")), ("one", "sig", "flat", NetPort("Flag"))], Input=3,
                     Class=ClassDecoder(["a", "b"]), Flag=BooleanDecoder())
    net = net_initialize(graph, seed=3)
    x = torch.rand(2, 3)
    p, flag = net(x, decoder=None)["Class"], net(x, decoder=None)["Flag"]
    top = net(x, decoder=("TopProbabilities", 1))
    assert [row[0][0] for row in top["Class"]] == [("a", "b")[i] for i in p.argmax(-1).tolist()]
    assert [row[0][1] for row in top["Class"]] == pytest.approx(p.max(-1).values.tolist(), abs=1e-6)
    assert top["Flag"] == [bool(v > 0.5) for v in flag] == net(x)["Flag"]  # the default where the property fits not
    assert net(x, decoder="TopDecisions")["Flag"] == net(x)["Flag"]
    flags = net_initialize(NetGraph({"one": LinearLayer(1), "sig": ElementwiseLayer("LogisticSigmoid"),
                                     "flat": ReshapeLayer(())}, [("one", "sig", "flat")], Input=3,
                                    Output=BooleanDecoder()), seed=3)
    with pytest.raises(OptionError, match=r"output port 'Output' \(BooleanDecoder\) gives 'Decision' or "
                                          r"'Probabilities', not 'TopProbabilities'") as info:
        flags(x, decoder="TopProbabilities")
    assert info.value.port == "Output" and info.value.option == "decoder"


@pytest.mark.parametrize("encoder", [ClassEncoder(["x", "y", "z"]), ImageEncoder((4, 2))])
def test_replacing_an_encoder_by_none_keeps_the_type_it_gave_the_port(encoder):
    """Wolfram's NetReplacePart[net, "Input" -> None] removes the encoder; the port lost its type too (a class index
    became shape unknown, so one index read as one example of any shape)."""
    layer = EmbeddingLayer(4, 3) if isinstance(encoder, ClassEncoder) else LinearLayer(2)
    net = net_initialize(NetGraph({"l": layer}, [], Input=encoder), seed=0)
    plain = net_replace_part(net, {"Input": None})
    assert not plain.coders and plain.port_types["Input"] == net.port_types["Input"]
    x = torch.tensor([2, 0]) if isinstance(encoder, ClassEncoder) else torch.rand(2, 3, 2, 4)
    torch.testing.assert_close(plain(x), net.compile().eval()(Input=x))


@pytest.mark.parametrize("decoder", [ClassDecoder(["a", "b", "c"]), BooleanDecoder()])
def test_replacing_a_decoder_by_none_keeps_the_type_it_gave_the_port(decoder):
    """NetReplacePart[net, "Output" -> None] removes the decoder, as for an encoder: the port keeps its type and the
    net gives the undecoded values (probabilities, not labels)."""
    if isinstance(decoder, ClassDecoder):
        layers, edges = {"l": LinearLayer(3), "soft": SoftmaxLayer()}, [("l", "soft")]
    else:
        layers = {"one": LinearLayer(1), "sig": ElementwiseLayer("LogisticSigmoid"), "flat": ReshapeLayer(())}
        edges = [("one", "sig", "flat")]
    net = net_initialize(NetGraph(layers, edges, Input=2, Output=decoder), seed=0)
    plain = net_replace_part(net, {"Output": None})
    assert not plain.coders and plain.port_types["Output"] == net.port_types["Output"]
    assert plain.output_shapes["Output"] == ((3,) if isinstance(decoder, ClassDecoder) else ())
    x = torch.rand(4, 2, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(plain(x), net.compile().eval()(Input=x))


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_a_top_property_with_no_positive_k_says_what_k_must_be(k):
    """('TopProbabilities', 0) got "did you mean 'TopProbabilities'?", naming the property it gave (QA)."""
    with pytest.raises(OptionError) as caught:
        parse_property(("TopProbabilities", k))
    assert str(caught.value) == (f"decoder=('TopProbabilities', k) needs k a positive int (how many classes to "
                                 f"give), found k={k!r}")
    assert caught.value.option == "decoder" and caught.value.found == k and "did you mean" not in str(caught.value)


def test_a_property_taking_no_argument_says_so():
    with pytest.raises(OptionError, match=r"^decoder='Probabilities' takes no argument: give "
                                          r"decoder='Probabilities', found \('Probabilities', 3\)$"):
        parse_property(("Probabilities", 3))
    assert parse_property(("TopDecisions", 2)) == ("TopDecisions", 2)


def test_an_image_size_over_the_port_elements_limit_is_refused_at_construction():
    """ImageEncoder(size=(100000, 100000)) was made, and refused only when a net was built on it (QA)."""
    from netgraph import limits
    with pytest.raises(OptionError) as caught:
        ImageEncoder(size=(100000, 100000))
    assert str(caught.value) == (
        "ImageEncoder option size=: (100000, 100000) gives 30,000,000,000 values per example (3 channels x width x "
        "height), more than the port_elements limit of 268,435,456 (netgraph.limits(port_elements=...) raises it "
        "(command line: --limit port_elements=N))")
    assert caught.value.option == "size"
    with limits(port_elements=99):
        with pytest.raises(OptionError, match=r"\(10, 10\) gives 100 values per example \(1 channel x"):
            ImageEncoder(size=10, color_space="Grayscale")
        assert ImageEncoder(size=(11, 3), color_space="Grayscale").size == (11, 3)  # 33 values: under it
        assert ImageEncoder(size=(11, 3)).size == (11, 3)  # 99 values: the limit itself is allowed
