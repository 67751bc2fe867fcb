"""The compiled module under torch's tracers: ``torch.fx.symbolic_trace``, ``torch.export.export`` and
``torch.compile`` (backend "eager": CPU, cheap) give the module's values; checks of the data run in eager calls only."""

from __future__ import annotations

import pytest
import torch
from torch.export import Dim

from netgraph import (AggregationLayer, BasicRecurrentLayer, CatenateLayer, ConstantArrayLayer, ContrastiveLossLayer,
                      ConvolutionLayer, CrossEntropyLossLayer, CTCLossLayer, DataError, EmbeddingLayer, ExtractLayer,
                      FlattenLayer, GatedRecurrentLayer, KLDivergenceLayer, LinearLayer, LongShortTermMemoryLayer,
                      NetChain, NetFoldOperator, NetGraph, NetMapOperator, NetPort,
                      NormalDistribution, OptionError, PaddingLayer, PortType, RandomArrayLayer, SequenceLastLayer, SequenceMostLayer,
                      SoftmaxLayer, net_initialize)

TOKENS = PortType(("n",), "Integer")


def _inputs(batch: int, length: int, seed: int) -> dict[str, dict[str, torch.Tensor]]:
    """Sample inputs for each net of ``NETS``, at this batch size and sequence length."""
    g = torch.Generator().manual_seed(seed)
    sequence = {"Input": torch.randn(batch, length, 3, generator=g)}
    return {"mlp": {"Input": torch.randn(batch, 4, generator=g)},
            "cnn": {"Input": torch.randn(batch, 3, 8, 8, generator=g)},
            "embedding": {"Input": torch.randint(0, 10, (batch, length), generator=g)},
            "gru": sequence, "lstm": sequence, "rnn": sequence, "gru_state_biases": sequence,
            "map": sequence,
            "random": {"mu": torch.randn(batch, 3, generator=g), "sigma": torch.rand(batch, 3, generator=g) + 0.5}}


NETS = {
    "mlp": NetChain([LinearLayer(8), "ReLU", LinearLayer(3)], input=4),
    "cnn": NetChain([ConvolutionLayer(2, 3), "ReLU", FlattenLayer(), LinearLayer(2)], input=(3, 8, 8)),
    "embedding": NetChain([EmbeddingLayer(5, 10), AggregationLayer("Mean", 1), LinearLayer(3), SoftmaxLayer()],
                          input=TOKENS),
    "gru": NetChain([GatedRecurrentLayer(4), SequenceLastLayer(), LinearLayer(2)], input=("n", 3)),
    "lstm": NetGraph({"lstm": LongShortTermMemoryLayer(4, state_output=True)}, [], Input=("n", 3)),
    "rnn": NetChain([BasicRecurrentLayer(4)], input=("n", 3)),
    "gru_state_biases": NetChain([GatedRecurrentLayer(4, memory_gate_state_biases=torch.tensor([0.5, -0.3, 0.1, 0.2]))],
                                 input=("n", 3)),
    "map": NetChain([NetMapOperator(LinearLayer(4)), "Tanh"], input=("n", 3)),
    "random": NetGraph([RandomArrayLayer(NormalDistribution("#mu", "#sigma"))], [], mu=3, sigma=3),
}
RECURRENT = {"gru", "lstm", "rnn", "gru_state_biases"}


def _module(name: str) -> torch.nn.Module:
    return net_initialize(NETS[name], seed=0).compile()


def _same(run, module: torch.nn.Module, inputs: dict[str, torch.Tensor]) -> None:
    """``run(**inputs)`` equals the module's values (each drawn from the same seed)."""
    torch.manual_seed(1)
    expected = module(**inputs)
    torch.manual_seed(1)
    torch.testing.assert_close(run(**inputs), expected)


@pytest.mark.parametrize("name", NETS)
def test_symbolic_trace_gives_a_graph_module_with_the_modules_values(name):
    # the checks of the data (an embedding's index range, a recurrent layer's input shape, an input of length 0)
    # branched on fx's proxies: "symbolically traced variables cannot be used as inputs to control flow"
    module = _module(name)
    traced = torch.fx.symbolic_trace(module)
    assert isinstance(traced, torch.fx.GraphModule)
    for batch, length in ((4, 7), (2, 3)):  # another batch and length: neither was fixed by the trace
        _same(traced, module, _inputs(batch, length, seed=batch)[name])


@pytest.mark.parametrize("name", sorted(RECURRENT))
def test_a_traced_recurrent_net_takes_the_modules_state_dict_strictly(name):
    # the zero state biases were a buffer outside the state dict that fx copied in as a key of the graph's own
    # ("Missing key(s) in state_dict: '1.zero_bias'"): fx now records their making
    module, other = _module(name), net_initialize(NETS[name], seed=1).compile()
    traced = torch.fx.symbolic_trace(module)
    assert set(traced.state_dict()) == set(module.state_dict())
    traced.load_state_dict(other.state_dict(), strict=True)
    _same(traced, other, _inputs(2, 3, seed=0)[name])


@pytest.mark.parametrize("padding", ["Reflected", "Periodic", "Fixed"])
def test_a_traced_padding_layer_makes_its_indices_in_the_graph_and_takes_the_modules_state_dict_strictly(padding):
    # its source indices, made outside the graph, were a constant fx kept as a state-dict key of the graph's own
    # ("Missing key(s) in state_dict: '_tensor_constant0'")
    net = NetChain([PaddingLayer([[2, 1], [1, 1]], padding=padding), LinearLayer(2)], input=(3, 4))
    module, other = net_initialize(net, seed=0).compile(), net_initialize(net, seed=1).compile()
    traced = torch.fx.symbolic_trace(module)
    assert set(traced.state_dict()) == set(module.state_dict())
    traced.load_state_dict(other.state_dict(), strict=True)
    x = torch.randn(2, 3, 4)
    torch.testing.assert_close(traced(x), other(x))


@pytest.mark.parametrize("name", NETS)
def test_torch_export_with_a_dynamic_batch_and_length(name):
    module = _module(name)
    dynamic = {0: Dim("batch")} | ({1: Dim("n")} if name in {"embedding", "map"} else {})
    example = _inputs(4, 7, seed=0)[name]
    exported = torch.export.export(module, (), example, dynamic_shapes={p: dynamic for p in example}).module()
    length = 3 if 1 in dynamic else 7
    _same(exported, module, _inputs(2, length, seed=1)[name])


@pytest.mark.parametrize("name", sorted(RECURRENT))
def test_a_recurrent_layer_exports_at_the_examples_length_only(name):
    # torch's recurrent kernels (aten.gru, aten.lstm, aten.rnn_tanh, as for nn.GRU) fix the length when traced:
    # torch's limit
    example = _inputs(4, 7, seed=0)[name]
    dims = {0: Dim("batch"), 1: Dim("n")}
    with pytest.raises(torch._dynamo.exc.UserError, match=r"specialized it to be a constant \(7\)"):
        torch.export.export(_module(name), (), example, dynamic_shapes={"Input": dims})


@pytest.mark.parametrize("name", NETS)
def test_torch_compile_gives_the_modules_values_in_one_graph(name):
    torch._dynamo.reset()  # each net recompiles the modules' shared code: past 8, dynamo's recompile limit
    module = _module(name)
    compiled = torch.compile(module, backend="eager", fullgraph=True)  # fullgraph: no graph break on a check
    with torch._dynamo.config.patch(allow_rnn=name == "lstm"):  # the LSTM's kernel: in the graph when asked
        _same(compiled, module, _inputs(4, 7, seed=0)[name])


@pytest.mark.parametrize("name", sorted(RECURRENT))
def test_torch_compile_through_aot_autograd_gives_a_recurrent_nets_values_and_gradients(name):
    # AOTAutograd (behind "aot_eager" and the default inductor backend) failed on the LSTM's backward, which saves a
    # None ("expected all tensors_saved_with_vc_check to be Tensors"): its kernel runs outside the graph, as nn.LSTM's
    torch._dynamo.reset()
    module, inputs = _module(name), _inputs(3, 5, seed=0)[name]
    compiled = torch.compile(module, backend="aot_eager")
    torch.testing.assert_close(compiled(**inputs), module(**inputs))
    def total(outputs):  # the LSTM's net also outputs its final states: a dict
        return sum(y.sum() for y in (outputs.values() if isinstance(outputs, dict) else [outputs]))
    total(compiled(**inputs)).backward()
    expected = torch.autograd.grad(total(module(**inputs)), list(module.parameters()))
    torch.testing.assert_close([p.grad for p in module.parameters()], list(expected))


def test_an_lstm_in_one_graph_without_allow_rnn_is_torchs_error_for_nn_lstm():
    torch._dynamo.reset()
    module, inputs = _module("lstm"), _inputs(2, 3, seed=0)["lstm"]
    module(**inputs)  # an eager call first makes the kernel's compiler.disable wrapper (made at first need), as an
    # earlier test in the same process did; traced before it, the call that makes it is dynamo's "skipped" error
    compiled = torch.compile(module, backend="eager", fullgraph=True)
    with pytest.raises(torch._dynamo.exc.Unsupported, match="allow_rnn"):
        compiled(**inputs)


def test_the_traced_graph_has_no_checks_and_eager_calls_still_check():
    module = _module("embedding")
    traced = torch.fx.symbolic_trace(module)
    assert "if not symbolic_tracing():" in module.code
    assert "_empty_length_error" not in traced.code and "_empty_length_error" in module.code
    out_of_range = torch.tensor([[3, 10]])
    with pytest.raises(IndexError, match="index out of range"):  # torch's own error, as an exported program's
        traced(out_of_range)
    with pytest.raises(DataError, match=r"indices in \[0, 10\), found values from 3 to 10"):
        module(out_of_range)
    with pytest.raises(DataError, match="has length 0 along n"):
        module(torch.zeros(2, 0, dtype=torch.long))
    with pytest.raises(DataError, match=r"expected shape \(batch, length, 3\)"):
        _module("lstm").lstm(torch.randn(2, 5, 4))


def test_a_fold_operators_loop_over_the_length_cannot_be_symbolically_traced():
    # the loop runs once per step of the input's length, which fx's proxies do not know; torch.export and
    # torch.compile trace it at the example's length
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(4)},
                    [((NetPort("State"), NetPort("Input")), "cat"), ("cat", "lin")], State=4, Input=3)
    module = net_initialize(NetChain([NetFoldOperator(cell)], input=("n", 3)), seed=0).compile()
    with pytest.raises(TypeError, match="'Proxy' object cannot be interpreted as an integer"):
        torch.fx.symbolic_trace(module)
    x = torch.randn(2, 5, 3)
    exported = torch.export.export(module, (x,), dynamic_shapes={"Input": {0: Dim("batch")}}).module()
    y = torch.randn(3, 5, 3)
    torch.testing.assert_close(exported(y), module(y))


def test_a_fold_operator_over_a_fixed_length_is_symbolically_traced_and_checks_the_length_eagerly():
    # its loop runs over the length it was given, which fx knows; its check of the input's length branched on a proxy
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(4)},
                    [((NetPort("State"), NetPort("Input")), "cat"), ("cat", "lin")], State=4, Input=3)
    module = net_initialize(NetChain([NetFoldOperator(cell)], input=(5, 3)), seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    for batch in (2, 3):
        x = torch.randn(batch, 5, 3)
        torch.testing.assert_close(traced(x), module(x))
    with pytest.raises(DataError, match="'Input'"):
        module(torch.randn(2, 4, 3))


def test_a_layer_that_shortens_the_length_is_symbolically_traced_and_checks_it_eagerly():
    # SequenceMostLayer's check that a sequence has 2 elements or more branched on fx's proxy of the length
    module = net_initialize(NetChain([SequenceMostLayer(), "Tanh"], input=("n", 3)), seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    for length in (2, 6):
        x = torch.randn(3, length, 3)
        torch.testing.assert_close(traced(x), module(x))
    with pytest.raises(DataError, match=r"SequenceMostLayer\) port 'Input': it needs a length of at least 2"):
        module(torch.randn(3, 1, 3))


def test_a_net_without_inputs_traces_one_unbatched_draw():
    # forward(batch_size=None) tested the batch size it is given: fx passed a proxy for it ("batch_size must be an
    # integer >= 0, found Proxy(batch_size)"); the traced graph now draws one example, as with concrete_args
    module = net_initialize(NetGraph([ConstantArrayLayer(output=(2, 3))], []), seed=0).compile()
    unbatched = torch.fx.symbolic_trace(module, concrete_args={"batch_size": None})
    for traced in (torch.fx.symbolic_trace(module), unbatched):
        assert torch.equal(traced(), module())
    with pytest.raises(OptionError, match="traced by torch.fx without concrete_args draws one unbatched example .* "
                                          "found 3") as caught:
        torch.fx.symbolic_trace(module)(batch_size=3)  # not silently one example
    assert caught.value.diagnostics[0].option == "batch_size"
    assert module(batch_size=3).shape == (3, 2, 3)


def _softmax_probabilities(batch: int, seed: int = 0) -> torch.Tensor:
    return torch.softmax(torch.randn(batch, 4, generator=torch.Generator().manual_seed(seed)), -1)


LOSS_NETS = {
    # CrossEntropyLossLayer decided whether to widen a float16 input by its dtype, which fx's proxies have not
    "cross_entropy_index": (NetGraph([CrossEntropyLossLayer("Index")], [], Input=4),
                            lambda b: {"Input": _softmax_probabilities(b), "Target": torch.arange(b) % 4}),
    "cross_entropy_probabilities": (NetGraph([CrossEntropyLossLayer("Probabilities")], [], Input=4),
                                    lambda b: {"Input": _softmax_probabilities(b),
                                               "Target": _softmax_probabilities(b, seed=1)}),
    "cross_entropy_binary": (NetGraph([CrossEntropyLossLayer("Binary")], [], Input=3),
                             lambda b: {"Input": torch.rand(b, 3), "Target": torch.rand(b, 3).round()}),
    # ContrastiveLossLayer's and ExtractLayer's checks of the target's and positions' values branched on them
    "contrastive": (NetGraph([ContrastiveLossLayer()], [], Input=3, Target=PortType((3,), "Integer")),
                    lambda b: {"Input": torch.rand(b, 3), "Target": torch.arange(3 * b).reshape(b, 3) % 2}),
    "extract": (NetGraph([ExtractLayer()], [], Input=(4, 5), Position=PortType((2,), "Integer")),
                lambda b: {"Input": torch.randn(b, 4, 5),
                           "Position": torch.stack([torch.arange(b) % 4 + 1, -(torch.arange(b) % 5) - 1], 1)}),
    # a random layer's slot took the input's dtype into account (is_floating_point) in Python
    "kl_divergence": (NetGraph({"kl": KLDivergenceLayer(NormalDistribution("#mu", "#s"), NormalDistribution())}, [],
                               mu=3, s=3),
                      lambda b: {"mu": torch.randn(b, 3), "s": torch.rand(b, 3) + 0.5}),
}


@pytest.mark.parametrize("name", LOSS_NETS)
def test_a_loss_extract_or_kl_layer_is_symbolically_traced_and_exported(name):
    net, inputs = LOSS_NETS[name]
    module = net_initialize(net, seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    for batch in (5, 2):
        _same(traced, module, inputs(batch))
    example = inputs(5)
    exported = torch.export.export(module, (), example,
                                   dynamic_shapes={p: {0: Dim("batch")} for p in example}).module()
    _same(exported, module, inputs(3))


def test_a_traced_cross_entropy_still_widens_a_float16_input():
    module = net_initialize(LOSS_NETS["cross_entropy_binary"][0], seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    x, t = torch.zeros(2, 3).half(), torch.zeros(2, 3).half()  # the floor 1e-12 is 0 in float16: 0 * log 0 is NaN
    out = traced(x, t)
    assert out.dtype == torch.float16
    torch.testing.assert_close(out, module(x, t))


def test_a_traced_kl_divergence_converts_an_integer_slot_input_when_it_runs():
    # the graph calls the conversion (fx records it as a call): the dtype is read from the input it is given
    module = net_initialize(LOSS_NETS["kl_divergence"][0], seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    mu, s = torch.randn(2, 3, dtype=torch.float64), torch.full((2, 3), 2)
    out = traced(mu, s)
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, module(mu, s))


@pytest.mark.parametrize("logits", [False, True])
def test_a_ctc_loss_is_symbolically_traced_and_checks_its_labels_eagerly(logits):
    # the empty-batch guard (if Input.shape[0]) and the checks of the labels' values branched on fx's proxies
    net = NetGraph([CTCLossLayer(logits=logits)], [], Input=("n", 5), Target=PortType(("m",), "Integer"))
    module = net_initialize(net, seed=0).compile()
    traced = torch.fx.symbolic_trace(module)
    g = torch.Generator().manual_seed(0)
    for batch, length in ((2, 6), (3, 4)):
        x = torch.randn(batch, length, 5, generator=g)
        x = x if logits else torch.softmax(x, -1)
        target = torch.tensor([[1, 2, 2], [0, -1, -1], [3, 1, -1]])[:batch]
        torch.testing.assert_close(traced(x, target), module(x, target))
    with pytest.raises(DataError, match="negative \\(padding\\) entries must come after the labels"):
        module(torch.softmax(torch.randn(1, 6, 5), -1), torch.tensor([[-1, 2]]))


def test_torch_export_of_a_ctc_loss_fails_with_torchs_own_error():
    # aten._ctc_loss has a data-dependent output shape under torch's fake tensors: torch's limit. The module's
    # search for an input that does not fit its port read the symbolic batch sizes ("unhashable type: SymInt")
    net = NetGraph([CTCLossLayer()], [], Input=("n", 5), Target=PortType(("m",), "Integer"))
    module = net_initialize(net, seed=0).compile()
    x, target = torch.softmax(torch.randn(2, 6, 5), -1), torch.tensor([[1, 2], [0, -1]])
    with pytest.raises(torch._subclasses.fake_tensor.DynamicOutputShapeException, match="aten._ctc_loss"):
        torch.export.export(module, (x, target), dynamic_shapes={p: {0: Dim("batch")} for p in ("Input", "Target")})


@pytest.mark.parametrize("level, shape", [(-1, (2, 3, 4)), (1, (2, 3, 4)), (-1, ("n", 3, 4)), (-1, (3, "n", 4, 2))])
def test_a_flatten_layer_of_some_levels_is_symbolically_traced(level, shape):
    # its reshape unpacked x.shape[:k] (fx: "Proxy object cannot be iterated")
    module = net_initialize(NetChain([FlattenLayer(level), "Tanh"], input=shape)).compile()
    traced = torch.fx.symbolic_trace(module)
    for length in (5, 2):
        x = torch.randn(3, *(length if isinstance(d, str) else d for d in shape))
        _same(traced, module, {"Input": x})
