"""The compiled module refuses what net(x) refuses with the same kind of error, never torch's from deep inside:
float indices at an EmbeddingLayer, and a sequence of length 0 at a variable-length input."""

from __future__ import annotations

import numpy
import pytest
import torch

from netgraph import (AggregationLayer, BasicRecurrentLayer, DataError, EmbeddingLayer, GatedRecurrentLayer,
                      LongShortTermMemoryLayer, NetChain, SequenceLastLayer, interpret, net_initialize)


def _classifier():
    return net_initialize(NetChain({"emb": EmbeddingLayer(4, 10), "lstm": LongShortTermMemoryLayer(3),
                                    "last": SequenceLastLayer()}, input=["n"]), seed=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bool])
def test_compiled_embedding_refuses_non_integer_indices_naming_the_layer(dtype):
    module = _classifier().compile()
    with pytest.raises(DataError, match=rf"layer 'emb' \(EmbeddingLayer\) port 'Input' takes integer indices.*"
                                        rf"found dtype {dtype}"):
        module(torch.tensor([[0, 1]]).to(dtype))  # integral values too: torch's embedding takes no floats
    assert torch.equal(module(torch.tensor([[0, 1]])), module(torch.tensor([[0, 1]], dtype=torch.int32)))


def test_index_errors_name_the_layer_compiled_or_not():
    net = _classifier()
    for run in (net, net.compile()):
        with pytest.raises(DataError, match=r"layer 'emb' \(EmbeddingLayer\) port 'Input' takes indices in \[0, 10\)"):
            run(torch.tensor([[0, 10]]))


@pytest.mark.parametrize("layers", [[LongShortTermMemoryLayer(2)], [GatedRecurrentLayer(2), SequenceLastLayer()],
                                    [SequenceLastLayer()], [AggregationLayer("Mean", 1)]])
def test_compiled_module_refuses_a_sequence_of_length_0_as_net_does(layers):
    net = net_initialize(NetChain(layers, input=("n", 3)), seed=0)
    empty = torch.zeros(2, 0, 3)
    with pytest.raises(DataError) as called:
        net(empty)
    with pytest.raises(DataError) as compiled:  # was torch's RuntimeError, IndexError, or NaN (a Mean of nothing)
        net.compile()(empty)
    assert str(compiled.value) == str(called.value)
    assert "input port 'Input'" in str(compiled.value) and "length 0 along n" in str(compiled.value)
    assert net.compile()(torch.zeros(2, 1, 3)).shape[0] == 2  # length 1 runs


@pytest.mark.parametrize("dtype", [torch.uint8, torch.int16, torch.int32])
def test_small_integer_indices_are_taken_compiled_or_not(dtype):
    net = _classifier()
    x = torch.tensor([[1, 2, 3]])
    want = net(x)
    assert torch.equal(net(x.to(dtype)), want)
    assert torch.allclose(net.compile()(x.to(dtype)), net.compile()(x))  # was torch's "Expected ... Long, Int"


@pytest.mark.parametrize("value, kind", [(float("inf"), "NaN or infinite values"), (float("nan"), "NaN or infinite"),
                                         (1e30, "values too large for int64"), (1.5, "non-integer values")])
def test_floats_that_are_no_index_are_named_not_cast(value, kind):
    """inf and 1e30 equal their own round(), so they passed as integers and became -2**63 in the range error."""
    with pytest.raises(DataError, match=rf"input port 'Input' takes integer indices \(dtype Integer\), found {kind}"):
        _classifier()(torch.tensor([[1.0, value]]))


def test_uint64_indices_past_int64_are_named_not_wrapped():
    """.long() wrapped 2**63 + 5 to a negative index, which the range error then quoted as given."""
    with pytest.raises(DataError, match=r"input port 'Input' takes integer indices \(dtype Integer\), found values "
                                        r"too large for int64 of dtype torch.uint64"):
        _classifier()(numpy.array([[1, 2 ** 63 + 5]], dtype=numpy.uint64))
    assert torch.equal(_classifier()(numpy.array([[1, 2]], dtype=numpy.uint64)), _classifier()(torch.tensor([[1, 2]])))


def test_the_compiled_module_names_uint64_indices_past_int64_as_net_does():
    """The module wrapped 2**63 to -2**63 and quoted that in its range error, a value nobody gave."""
    net, x = _classifier(), torch.tensor([[1, 2 ** 63]], dtype=torch.uint64)
    with pytest.raises(DataError) as called:
        net(x)
    with pytest.raises(DataError) as compiled:
        net.compile()(x)
    assert str(compiled.value) == str(called.value) and "-9223372036854775808" not in str(compiled.value)
    assert compiled.value.diagnostics[0].kind == called.value.diagnostics[0].kind == "data-dtype"
    small = torch.tensor([[1, 0]])
    assert torch.equal(net.compile()(small.to(torch.uint64)), net.compile()(small))


@pytest.mark.parametrize("layer", [LongShortTermMemoryLayer, GatedRecurrentLayer, BasicRecurrentLayer])
@pytest.mark.parametrize("features", [1, 5])
def test_compiled_recurrent_layer_refuses_another_feature_size(layer, features):
    """torch.lstm's fused kernel took any feature size and returned numbers (its weights read out of shape); the
    GRU and RNN kernels failed with torch's matmul error. nn.LSTM checks its input; so does the compiled module."""
    net = net_initialize(NetChain({"rnn": layer(3)}, input=("n", 2)), seed=0)
    module = net.compile()
    bad = torch.randn(2, 4, features)
    for run in (module, lambda x: interpret(module.net, module, Input=x)):
        with pytest.raises(DataError, match=rf"layer 'rnn' \({layer.__name__}\): input port 'Input': expected shape "
                                            rf"\(batch, length, 2\) \(2 features per step\), found \(2, 4, {features}\)"):
            run(bad)
    x = torch.randn(2, 4, 2)
    assert torch.allclose(module(x), net(x), atol=1e-6)  # the right size runs as before


@pytest.mark.parametrize("bad", ["Input", "InitialState"])
def test_a_compiled_recurrent_layers_data_error_names_its_layer_by_path(bad):
    """Its module knew only its label text ('layer 'enc/rnn' (...)'): Diagnostic.layer was None, so a reader could not
    tell which layer, as it can for a random or KL layer."""
    from netgraph import NetGraph
    inner = NetGraph({"rnn": GatedRecurrentLayer(3, state_input=True)}, [], Input=("n", 2))
    net = net_initialize(NetGraph({"enc": inner}, []), seed=0)
    module = net.compile()
    x, h = torch.randn(2, 4, 2), torch.zeros(2, 3)
    inputs = {"Input": torch.randn(2, 4, 5) if bad == "Input" else x, "InitialState": torch.zeros(2, 7) if
              bad == "InitialState" else h}
    for run in (lambda: module(**inputs), lambda: interpret(net, module, **inputs)):
        with pytest.raises(DataError, match=rf"layer 'enc/rnn' \(GatedRecurrentLayer\): input port '{bad}'") as info:
            run()
        d = info.value.diagnostics[0]
        assert (d.kind, d.layer, d.port) == ("data-shape", ("enc", "rnn"), bad)


@pytest.mark.parametrize("name", ["emb", "part", "fold"])
def test_an_embedding_part_and_fold_modules_data_error_names_its_layer_by_path(name):
    """Their modules were told their path (layer_path) but raised without it: Diagnostic.layer was None, as the
    recurrent module's was before."""
    from netgraph import EmbeddingLayer, FunctionLayer, NetFoldOperator, NetGraph, PartLayer
    fold = NetFoldOperator(NetGraph({"f": FunctionLayer("Tanh[#State + #Input]")}, []))
    layer, shape, bad, kind = {"emb": (EmbeddingLayer(3, 4), ("n",), torch.tensor([[0, 5]]), "data-range"),
                               "part": (PartLayer(3), ("n", 3), torch.randn(2, 2, 3), "data-shape"),
                               "fold": (fold, (5, 2), torch.randn(2, 4, 2), "data-shape")}[name]
    net = net_initialize(NetGraph({"enc": NetGraph({name: layer}, [], Input=shape)}, []), seed=0)
    module = net.compile()
    runs = [lambda: module.enc._modules[name](bad)]  # its module, alone too
    if name != "fold":  # the compiled net's input check (and interpret's) names a fold's wrong length as its input's
        runs += [lambda: interpret(net, module, Input=bad), lambda: module(bad)]
    for run in runs:
        with pytest.raises(DataError, match=rf"layer 'enc/{name}' \(") as info:
            run()
        d = info.value.diagnostics[0]
        assert (d.kind, d.layer, d.port) == (kind, ("enc", name), "Input")
