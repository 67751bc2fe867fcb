"""import_onnx of LSTM and GRU: torch's batch-first exports and our own come back as our recurrent layers."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from netgraph import (AttentionLayer, DataError, EmbeddingLayer, GatedRecurrentLayer, LinearLayer,
                      LongShortTermMemoryLayer, NetChain, NetGraph, NetMapOperator, NetPort, SequenceLastLayer,
                      SpecError, export_onnx, import_onnx, net_initialize)
from netgraph.cli import main
from netgraph.export.exporter import example_inputs
from tests.onnx_helpers import pinned_model, run_onnx, torch_export

RECURRENT = {"lstm": (nn.LSTM, LongShortTermMemoryLayer), "gru": (nn.GRU, GatedRecurrentLayer)}


class TorchSequenceModel(nn.Module):
    """Embedding -> LSTM/GRU (batch_first) -> the last output, all outputs or h_n[0] -> Linear."""

    def __init__(self, kind: str, take: str):
        super().__init__()
        self.embed, self.rnn, self.linear = nn.Embedding(10, 4), RECURRENT[kind][0](4, 6, batch_first=True), nn.Linear(6, 3)
        self.take = take

    def forward(self, tokens):
        y, state = self.rnn(self.embed(tokens))
        h = state[0] if isinstance(state, tuple) else state
        return self.linear({"last": y[:, -1] if self.take == "last" else None, "all": y, "state": h[0]}[self.take])


def _export_tokens(module: nn.Module, x: torch.Tensor, path: Path, dynamic: bool = True) -> Path:
    """``module`` exported with a dynamic batch and length (or, ``dynamic=False``, at the example's sizes)."""
    return torch_export(module, x, path, "tokens", axes={"tokens": {0: "batch", 1: "time"}} if dynamic else {})


class SequenceOnly(nn.Module):
    """A recurrence's outputs at every step (batch first), nothing else."""

    def __init__(self, rnn: nn.Module):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        return self.rnn(x)[0]


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("take", ["last", "all", "state"])
def test_torch_recurrent_models_import_and_run_equal(kind, take, tmp_path):
    torch.manual_seed(0)
    module = TorchSequenceModel(kind, take)
    with torch.no_grad():  # torch's GRU initialises b_hn non-zero; make the LSTM's two biases differ too
        module.rnn.bias_hh_l0.uniform_(-1, 1)
    path = _export_tokens(module, torch.randint(0, 10, (2, 5)), tmp_path / "m.onnx")
    net = import_onnx(path)
    kinds = [layer.type_name for layer in net.layers.values()]
    assert kinds[:2] == ["EmbeddingLayer", RECURRENT[kind][1].__name__]
    assert kinds[2:] == {"last": ["PartLayer", "LinearLayer"], "all": ["NetMapOperator"],
                         "state": ["SequenceLastLayer", "LinearLayer"]}[take]
    tokens = torch.randint(0, 10, (4, 9))  # another batch size and length than the export's
    with torch.no_grad():
        want = module(tokens)
        got = net.compile().eval()(tokens)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"tokens": tokens})[0]), want, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_stacked_torch_recurrences_import_as_a_chain_of_layers(kind, tmp_path):
    torch.manual_seed(2)
    module = SequenceOnly(RECURRENT[kind][0](3, 4, num_layers=2, batch_first=True))
    net = import_onnx(_export_tokens(module, torch.randn(2, 5, 3), tmp_path / "stacked.onnx"))
    assert [layer.type_name for layer in net.layers.values()] == [RECURRENT[kind][1].__name__] * 2
    x = torch.randn(3, 8, 3)
    with torch.no_grad():
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


def test_torch_gru_keeps_its_memory_gate_state_bias(tmp_path):
    torch.manual_seed(1)
    module = nn.GRU(3, 4, batch_first=True)
    x = torch.randn(2, 6, 3)
    net = import_onnx(_export_tokens(SequenceOnly(module), x, tmp_path / "gru.onnx"))
    layer = next(iter(net.layers.values()))
    b_hn = module.bias_hh_l0.detach()[8:]  # torch's gates r, z, n: n's recurrence bias
    torch.testing.assert_close(layer.arrays["MemoryGateStateBiases"], b_hn)
    torch.testing.assert_close(layer.arrays["ResetGateBiases"], (module.bias_ih_l0 + module.bias_hh_l0).detach()[:4])
    torch.testing.assert_close(layer.arrays["UpdateGateStateWeights"], module.weight_hh_l0.detach()[4:8])
    with torch.no_grad():
        torch.testing.assert_close(net(x), module(x)[0], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("layer", [LongShortTermMemoryLayer(5), GatedRecurrentLayer(5),
                                   GatedRecurrentLayer(5, memory_gate_state_biases=torch.linspace(-1, 1, 5))])
def test_our_recurrent_nets_round_trip(layer, tmp_path):
    net = net_initialize(NetChain({"embed": EmbeddingLayer(4, 10), "rnn": layer, "last": SequenceLastLayer(),
                                   "out": LinearLayer(3)}, input=["n"]), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "ours.onnx"))
    assert type(layer) in {type(x) for x in back.layers.values()}
    imported = next(x for x in back.layers.values() if type(x) is type(layer))
    assert set(imported.arrays) == set(net.layers["rnn"].arrays)  # a GRU without MemoryGateStateBiases stays so
    for name, value in net.layers["rnn"].arrays.items():  # the same arrays under the same names
        torch.testing.assert_close(imported.arrays[name], value)
    inputs = example_inputs(net, batch=3, length=7, seed=2)
    torch.testing.assert_close(back.compile().eval()(**inputs), net.compile().eval()(**inputs), atol=1e-5, rtol=1e-4)


def _recurrent_model(op: str, path: Path, peepholes: bool = False, **attributes) -> Path:
    """A hand-built time-major ONNX model of one LSTM/GRU node (input 3 features, state size 2)."""
    gates, size, rng = 4 if op == "LSTM" else 3, 2, np.random.default_rng(0)
    weights = {"W": rng.normal(size=(1, gates * size, 3)), "R": rng.normal(size=(1, gates * size, size)),
               "B": rng.normal(size=(1, 2 * gates * size))}
    if peepholes:
        weights["P"] = np.ones((1, 3 * size))
    names = ["x", "W", "R", "B", *(["", "", "", "P"] if peepholes else [])]
    node = helper.make_node(op, names, ["y"], hidden_size=size, **attributes)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["t", "b", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v.astype(np.float32), k) for k, v in weights.items()])
    onnx.save(pinned_model(graph, 14), path)
    return path


def test_unsupported_recurrent_options_are_all_listed(tmp_path):
    path = _recurrent_model("LSTM", tmp_path / "lstm.onnx", direction="reverse", clip=3.0,
                            activations=["Sigmoid", "Tanh", "Relu"], peepholes=True)
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    message = str(info.value)
    assert "(LSTM): not supported by LongShortTermMemoryLayer" in message
    for fragment in ("direction='reverse'", "clip=3.0", "activations=", "P (peepholes)", "time-major input X",
                     "time-major use of output Y"):
        assert fragment in message, fragment


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2])
def test_bidirectional_torch_recurrences_import_as_bidirectional_operators(kind, layers, tmp_path):
    torch.manual_seed(3)
    rnn = {**RECURRENT, "rnn": (nn.RNN, None)}[kind][0](3, 4, num_layers=layers, batch_first=True, bidirectional=True)
    with torch.no_grad():
        for name, value in rnn.named_parameters():  # biases of both directions differ (reverse -> wrong arrays)
            value.uniform_(-1, 1) if "bias" in name else None
    module = SequenceOnly(rnn)
    path = _export_tokens(module, torch.randn(2, 5, 3), tmp_path / "bi.onnx")
    net = import_onnx(path)
    assert [layer.type_name for layer in net.layers.values()] == ["NetBidirectionalOperator"] * layers
    x = torch.randn(3, 7, 3)
    with torch.no_grad():
        want = module(x)
        torch.testing.assert_close(net(x), want, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"tokens": x})[0]), want, atol=1e-5, rtol=1e-4)


class BidirectionalClassifier(nn.Module):
    """Embedding -> bidirectional GRU (batch first) -> the outputs at the last step -> Linear."""

    def __init__(self):
        super().__init__()
        self.embed, self.rnn = nn.Embedding(10, 4), nn.GRU(4, 5, batch_first=True, bidirectional=True)
        self.linear = nn.Linear(10, 3)

    def forward(self, tokens):
        return self.linear(self.rnn(self.embed(tokens))[0][:, -1])


def test_a_torch_bidirectional_gru_classifier_imports_and_runs_equal(tmp_path):
    torch.manual_seed(5)
    module = BidirectionalClassifier()
    path = _export_tokens(module, torch.randint(0, 10, (2, 5)), tmp_path / "bigru.onnx")
    net = import_onnx(path)
    assert [layer.type_name for layer in net.layers.values()] == ["EmbeddingLayer", "NetBidirectionalOperator",
                                                                  "PartLayer", "LinearLayer"]
    tokens = torch.randint(0, 10, (4, 9))
    with torch.no_grad():
        want = module(tokens)
        torch.testing.assert_close(net(tokens), want, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"tokens": tokens})[0]), want, atol=1e-5, rtol=1e-4)


class StackedState(nn.Module):
    """A stacked recurrence's final state of layer ``k`` (``h_n[k]``)."""

    def __init__(self, rnn: nn.Module, k: int):
        super().__init__()
        self.rnn, self.k = rnn, k

    def forward(self, x):
        state = self.rnn(x)[1]
        return (state[0] if isinstance(state, tuple) else state)[self.k]


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("k", [-1, 0, 1])
def test_a_stacked_recurrences_final_state_is_its_layers_last_output(kind, k, tmp_path):
    torch.manual_seed(4)
    module = StackedState(RECURRENT[kind][0](3, 4, num_layers=3, batch_first=True), k)
    net = import_onnx(_export_tokens(module, torch.randn(2, 5, 3), tmp_path / "state.onnx"))
    kinds = [layer.type_name for layer in net.layers.values()]
    assert kinds.count(RECURRENT[kind][1].__name__) == k % 3 + 1  # the layers above layer k feed nothing: pruned
    assert kinds.count("SequenceLastLayer") == 1
    x = torch.randn(3, 6, 3)
    with torch.no_grad():
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


def test_the_final_states_of_a_bidirectional_recurrence_are_refused_with_the_reason(tmp_path):
    module = StackedState(nn.GRU(3, 2, batch_first=True, bidirectional=True), -1)
    with pytest.raises(SpecError, match="final states Y_h of a bidirectional recurrence"):
        import_onnx(_export_tokens(module, torch.randn(2, 4, 3), tmp_path / "bi.onnx"))


def test_a_gru_resetting_before_the_recurrent_matrix_is_refused(tmp_path):
    with pytest.raises(SpecError, match="linear_before_reset=0"):
        import_onnx(_recurrent_model("GRU", tmp_path / "gru.onnx"))


def test_cli_renders_an_imported_recurrent_model(tmp_path):
    torch.manual_seed(0)
    path = _export_tokens(TorchSequenceModel("lstm", "last"), torch.randint(0, 10, (2, 5)), tmp_path / "rnn.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["render", str(path), "-o", str(tmp_path / "rnn.svg"), "--backend", "builtin"]) == 0
    svg = (tmp_path / "rnn.svg").read_text()
    assert "LongShortTermMemoryLayer" in svg and "EmbeddingLayer" in svg


def test_a_squeeze_of_data_elsewhere_is_a_reshape(tmp_path):
    class Squeezed(nn.Module):
        def forward(self, x):
            return torch.tanh(x.squeeze(1))
    torch_export(Squeezed(), torch.randn(2, 1, 4), tmp_path / "squeeze.onnx", "x")  # only the batch dynamic
    net = import_onnx(tmp_path / "squeeze.onnx")
    assert [layer.type_name for layer in net.layers.values()] == ["ReshapeLayer", "ElementwiseLayer"]
    x = torch.randn(3, 1, 4)
    torch.testing.assert_close(net(x), torch.tanh(x[:, 0]))


@pytest.mark.parametrize("aggregation", ["Catenate", "Plus"])
def test_our_bidirectional_operator_round_trips(aggregation, tmp_path):
    from netgraph import NetBidirectionalOperator
    net = net_initialize(NetChain([NetBidirectionalOperator(GatedRecurrentLayer(3), aggregation), SequenceLastLayer(),
                                   LinearLayer(2)], input=["n", 2]), seed=0)  # exported as reversing Slices around two GRUs
    path = export_onnx(net, tmp_path / "bi.onnx")
    back = import_onnx(path)
    kinds = [layer.type_name for layer in back.layers.values()]
    assert kinds.count("GatedRecurrentLayer") == 2 and kinds.count("SequenceReverseLayer") == 2
    inputs = example_inputs(net, batch=3, length=6, seed=2)
    want = net.compile().eval()(**inputs)
    torch.testing.assert_close(back.compile().eval()(**inputs), want, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, inputs)[0]), want, atol=1e-5, rtol=1e-4)


class FixedLength(nn.Module):
    """A GRU whose length a layer fixes: the flattened outputs into a Linear, or a constant added per step."""

    def __init__(self, how: str):
        super().__init__()
        self.rnn, self.linear, self.how = nn.GRU(3, 4, batch_first=True), nn.Linear(20, 2), how
        self.steps = nn.Parameter(torch.randn(5, 3))

    def forward(self, x):
        if self.how == "positions":
            return self.rnn(x + self.steps)[0][:, -1]
        return self.linear(self.rnn(x)[0].reshape(x.shape[0], -1))


STATIC = {  # torch module, example input, the layer types of the import
    "lstm_last": (lambda: TorchSequenceModel("lstm", "last"), (2, 5), ["EmbeddingLayer", "LongShortTermMemoryLayer",
                                                                       "PartLayer", "LinearLayer"]),
    "gru_state": (lambda: TorchSequenceModel("gru", "state"), (2, 5), ["EmbeddingLayer", "GatedRecurrentLayer",
                                                                       "SequenceLastLayer", "LinearLayer"]),
    "rnn": (lambda: SequenceOnly(nn.RNN(3, 4, batch_first=True)), (2, 5, 3), ["BasicRecurrentLayer"]),
    "lstm_stacked": (lambda: SequenceOnly(nn.LSTM(3, 4, num_layers=2, batch_first=True)), (2, 5, 3),
                     ["LongShortTermMemoryLayer"] * 2),
    "gru_bidirectional": (lambda: SequenceOnly(nn.GRU(3, 4, batch_first=True, bidirectional=True)), (2, 5, 3),
                          ["NetBidirectionalOperator"]),
}


@pytest.mark.parametrize("name", sorted(STATIC))
def test_static_torch_recurrences_import_and_run_at_other_sizes(name, tmp_path):
    # torch builds the zero initial state from the Shape of the transposed input when no axis is dynamic:
    # the import was refused naming that Transpose
    torch.manual_seed(6)
    make, shape, kinds = STATIC[name]
    module = make()
    example = torch.randint(0, 10, shape) if len(shape) == 2 else torch.randn(shape)
    path = _export_tokens(module, example, tmp_path / "static.onnx", dynamic=False)
    net = import_onnx(path)
    assert [layer.type_name for layer in net.layers.values()] == kinds
    with torch.no_grad():
        torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"tokens": example})[0]), module(example),
                                   atol=1e-5, rtol=1e-4)
        for size in ((2, 5), (4, 9), (1, 1)):  # the export's sizes and others
            x = torch.randint(0, 10, size) if len(shape) == 2 else torch.randn(*size, 3)
            torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("how", ["flatten", "positions"])
def test_a_static_recurrence_whose_length_a_layer_fixes_keeps_it(how, tmp_path):
    # a length variable would take the constant's size 5 and fail in torch at another length
    torch.manual_seed(7)
    module = FixedLength(how)
    net = import_onnx(_export_tokens(module, torch.randn(2, 5, 3), tmp_path / "fixed.onnx", dynamic=False))
    assert net.input_shapes["tokens"] == (5, 3)
    x = torch.randn(3, 5, 3)
    with torch.no_grad():
        torch.testing.assert_close(net(x), module(x), atol=1e-5, rtol=1e-4)
    with pytest.raises(DataError, match="expected shape"):
        net(torch.randn(3, 7, 3))


class WordsThenRecurrence(nn.Module):
    """Each word of each sentence read by one GRU (words merged into the batch), its last output per word."""

    def __init__(self):
        super().__init__()
        self.embed, self.gru = nn.Embedding(10, 4), nn.GRU(4, 6, batch_first=True)

    def forward(self, tokens):
        b, n, m = tokens.shape
        y, _ = self.gru(self.embed(tokens.reshape(b * n, m)))
        return y[:, -1].reshape(b, n, 6)


def test_a_recurrence_over_a_merged_batch_imports_mapped_over_the_merged_dims(tmp_path):
    # was: "cannot import node '/gru/Transpose': NetMapOperator option net= takes a net ..., found None" (the layout
    # glue folded away was mapped as if it were a layer)
    torch.manual_seed(0)
    module = WordsThenRecurrence().eval()
    path = torch_export(module, torch.randint(0, 10, (2, 3, 5)), tmp_path / "words.onnx", "tokens",
                        axes={"tokens": {0: "batch", 1: "n", 2: "m"}})
    back = import_onnx(path)
    assert any(type(layer.net.layers.get("layer")) is GatedRecurrentLayer for layer in back.layers.values()
               if isinstance(layer, NetMapOperator))
    for shape in ((2, 3, 5), (1, 4, 2)):
        tokens = torch.randint(0, 10, shape)
        with torch.no_grad():
            torch.testing.assert_close(back(tokens), module(tokens), atol=1e-5, rtol=1e-4)
    words = NetChain({"embed": EmbeddingLayer(4, 10), "gru": GatedRecurrentLayer(6), "last": SequenceLastLayer()})
    ours = net_initialize(NetChain({"map": NetMapOperator(words)}, input=("n", "m")), seed=0)
    again = import_onnx(export_onnx(ours, tmp_path / "ours.onnx"))
    tokens = torch.randint(0, 10, (3, 4, 2))
    torch.testing.assert_close(again(tokens), ours(tokens), atol=1e-5, rtol=1e-4)


def test_a_recurrences_output_as_attentions_keys_imports(tmp_path):
    # torch's exporter joins the glue's Transpose [1, 0, 2] with the keys' transpose into one Transpose [1, 2, 0] of
    # the time-major output: was refused, "a time-major use of output Y by node '/g/Squeeze'"
    net = net_initialize(NetGraph({"gru": GatedRecurrentLayer(4), "att": AttentionLayer()},
                                  [(NetPort("Input"), "gru"),
                                   ("gru", [NetPort("att", "Key"), NetPort("att", "Value"), NetPort("att", "Query")])],
                                  Input=("n", 3)), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "gru_attention.onnx"))
    assert any(type(layer) is GatedRecurrentLayer for layer in back.layers.values())  # (the attention: its ops)
    for shape in ((2, 4, 3), (1, 7, 3)):
        x = torch.randn(*shape)
        torch.testing.assert_close(back(x), net(x), atol=1e-5, rtol=1e-4)


class SwappedBetween(nn.Module):
    """Two batch-first LSTMs with the first one's outputs transposed (batch <-> time) between them."""

    def __init__(self):
        super().__init__()
        self.first, self.second = nn.LSTM(4, 3, batch_first=True), nn.LSTM(3, 2, batch_first=True)

    def forward(self, x):
        return self.second(self.first(x)[0].transpose(0, 1))[0]


def test_a_swap_of_batch_and_time_between_recurrences_is_refused_not_read_as_glue(tmp_path):
    path = torch_export(SwappedBetween(), torch.randn(3, 6, 4), tmp_path / "swap.onnx", axes={})
    with pytest.raises(SpecError, match="'/second/LSTM' .*time-major input X") as info:
        import_onnx(path)  # it imported, the second LSTM reading the batch as its time axis: wrong values
    assert info.value.kind == "unsupported-node"
