"""A layer that changes a variable length gives a length of its own, named after the input's (equal names mean
equal lengths): the build refuses joining it with the input's, and ONNX export names its dim apart."""

from __future__ import annotations

import onnx
import pytest
import torch

from netgraph import (AppendLayer, CatenateLayer, ConvolutionLayer, DataError, DeconvolutionLayer, NetChain, NetGraph, NetPort,
                      PartLayer, PoolingLayer, SequenceMostLayer, SequenceRestLayer, ShapeError, ThreadingLayer,
                      TorchLayer, TotalLayer, export_onnx, net_initialize)
from netgraph.core.length_names import length_steps, lengths_along, shifted_length, strided_length


@pytest.mark.parametrize("layer, shape, length", [
    (SequenceMostLayer(), ("n", 3), 5), (SequenceRestLayer(), ("n", 3), 5), (PartLayer("2;;All"), ("n", 3), 5),
    (PartLayer("1;;-3"), ("n", 3), 5), (PoolingLayer(2, 2), (2, "n"), 6),
    (PoolingLayer(3, 2, padding_size=1), (2, "n"), 7),
    (ConvolutionLayer(2, 3), (2, "n"), 6), (ConvolutionLayer(2, 2, stride=3), (2, "n"), 8),
    (DeconvolutionLayer(2, 4, stride=2, padding_size=1), (2, "n"), 5), (DeconvolutionLayer(2, 3), (2, "n"), 5),
    (TorchLayer(torch.nn.MaxPool1d(2)), (2, "n"), 6), (TorchLayer(torch.nn.Conv1d(2, 2, 2)), (2, "n"), 6),
])
def test_a_changed_length_is_named_apart_and_plus_with_the_input_fails_at_build(layer, shape, length):
    net = net_initialize(NetChain([layer], input=shape), seed=0)
    axis = shape.index("n")
    out = net.output_shapes["Output"][axis]
    assert isinstance(out, str) and out != "n" and out.startswith("n_")
    x = torch.randn(2, *(length if d == "n" else d for d in shape))
    assert net(x).shape[axis + 1] != length  # the length does change: its name must differ
    with pytest.raises(ShapeError, match="changed by a layer"):
        NetGraph({"f": layer, "t": ThreadingLayer("Plus")}, [("f", "t"), (NetPort("Input"), "t")], Input=shape)


def test_lengths_kept_or_changed_alike_are_equal():
    """Padding that keeps the length keeps the name; the same change in two branches gives one name."""
    assert NetChain([ConvolutionLayer(2, 3, padding_size=1)], input=(2, "n")).output_shapes["Output"] == (2, "n")
    assert NetChain([AppendLayer(), SequenceMostLayer()], input=("n", 2)).output_shapes["Output"] == ("n", 2)
    g = NetGraph({"a": SequenceMostLayer(), "b": SequenceMostLayer(), "t": ThreadingLayer("Plus")},
                 [(NetPort("Input"), "a"), (NetPort("Input"), "b"), (["a", "b"], "t")], Input=("n", 2))
    assert g.output_shapes["Output"] == ("n_minus_1", 2)
    assert NetGraph([PoolingLayer(2, 2)], [], Output=(2, "n_minus_1_over_2")).input_shapes["Input"] == (2, "n")
    assert shifted_length(shifted_length("n", 3), -3) == "n" and strided_length("n", 1) == "n"


def test_onnx_export_declares_a_changed_length_with_its_own_dim_param(tmp_path):
    nets = {"most": NetChain([SequenceMostLayer()], input=("n", 3)),
            "append": NetGraph({"ap": AppendLayer()}, [([NetPort("Seq"), NetPort("El")], "ap")], Seq=("n", 2), El=2),
            "pool": NetChain([PoolingLayer(2, 2)], input=(2, "n"))}
    for name, net in nets.items():
        export_onnx(net_initialize(net, seed=0), tmp_path / f"{name}.onnx")
        graph = onnx.load(tmp_path / f"{name}.onnx").graph
        params = {v.name: [d.dim_param for d in v.type.tensor_type.shape.dim if d.dim_param]
                  for v in (*graph.input, *graph.output)}
        inputs = {p for v in graph.input for p in params[v.name]}
        assert "n" in inputs and not set(params["Output"]) & (inputs - {"batch"}), (name, params)


def test_a_length_too_short_for_a_kernel_is_a_data_error_naming_the_layer_and_the_shortest_length():
    """A sequence of 2 into a kernel of 3 once reached F.conv1d and raised torch's RuntimeError."""
    from netgraph import AggregationLayer, DataError, EmbeddingLayer, TransposeLayer
    net = net_initialize(NetChain({"emb": EmbeddingLayer(4, 10), "tr": TransposeLayer(), "conv": ConvolutionLayer(2, 3),
                                   "pool": PoolingLayer(2, stride=2), "max": AggregationLayer("Max", levels=2)},
                                  input=("n",)), seed=0)
    with pytest.raises(DataError, match=r"a length of 2 along n is too short for layer 'conv' \(ConvolutionLayer\) "
                                        r"port 'Output': its n_minus_2 would be 0 .*give lengths of 4 or more"):
        net(torch.randint(0, 10, (2, 2)))
    with pytest.raises(DataError, match=r"a length of 3 along n \(example 1\) is too short for layer 'pool'"):
        net([torch.randint(0, 10, (6,)), torch.randint(0, 10, (3,))])  # ragged: the shortest example counts
    assert net(torch.randint(0, 10, (2, 4))).shape == (2, 2)
    assert net([torch.randint(0, 10, (n,)) for n in (4, 9)]).shape == (2, 2)


def test_the_compiled_module_called_directly_gives_the_same_data_error():
    """module(x) with a sequence of 2 into a kernel of 3 raised torch's RuntimeError from inside F.conv1d."""
    from netgraph import DataError
    net = net_initialize(NetChain({"conv": ConvolutionLayer(2, 3), "pool": PoolingLayer(2, stride=2)}, input=(2, "n")),
                         seed=0)
    module = net.compile()
    for n in (1, 2, 3):
        with pytest.raises(DataError, match=rf"a length of {n} along n is too short for layer .*give lengths of 4 or more"):
            module(torch.randn(2, 2, n))
    assert module(torch.randn(2, 2, 4)).shape == net(torch.randn(2, 2, 4)).shape == (2, 2, 1)


def test_the_shortest_length_is_the_first_that_every_step_keeps_at_least_1():
    from netgraph.backend.derived_lengths import shortest_length
    from netgraph.core.length_names import lengths_along
    steps = [("plus", 2), ("minus", 3), ("over", 2), ("times", 3), ("over", 3), ("minus", 1)]
    for i in range(len(steps)):
        for j in range(i + 1, len(steps) + 1):
            for ops in (tuple(steps[i:j]), tuple(reversed(steps[i:j]))):
                first = next(n for n in range(1, 200) if min(lengths_along(n, ops)) >= 1)
                assert shortest_length(ops) == first, ops


def test_export_and_cli_run_trace_at_a_length_every_layer_takes(tmp_path):
    """Both traced at length 3, which a kernel of 3 then a pooling of 2 refuses (it needs 4): export_onnx and
    `netgraph run` failed with the DataError the net gives for such a call."""
    from netgraph.cli.run import example_inputs
    net = net_initialize(NetChain([ConvolutionLayer(2, 3), PoolingLayer(2, 2)], input=(2, "n")), seed=0)
    graph = onnx.load(export_onnx(net, tmp_path / "m.onnx")).graph
    assert [d.dim_param for d in graph.input[0].type.tensor_type.shape.dim] == ["batch", "", "n"]
    inputs, notes = example_inputs(net)
    assert inputs["Input"].shape == (1, 2, 4) and "variable length n = 4 for this run" in notes[0]


def _unet(join, length="h") -> NetGraph:
    """A UNet-like skip: the input's length h, and h pooled by 2 then upsampled by 2 (2 * floor(h / 2))."""
    return NetGraph({"c1": ConvolutionLayer(4, 3, padding_size=1), "down": PoolingLayer(2, stride=2),
                     "up": DeconvolutionLayer(4, 2, stride=2), "join": join},
                    [(NetPort("Input"), "c1", "down", "up"), (["c1", "up"], "join")], Input=(1, length))


@pytest.mark.parametrize("join", [CatenateLayer(), TotalLayer(), ThreadingLayer("Plus")],
                         ids=["catenate", "total", "plus"])
def test_a_skip_over_a_length_changed_on_the_way_is_refused_saying_where_the_lengths_differ(join):
    """CatenateLayer and TotalLayer called h and the derived h_minus_1_over_2_times_2 'independent (named apart)'
    and said 'name them alike', which no user can do for a derived length. The refusal is right (odd h: 2 * floor(h
    / 2) != h; torch.cat failed at every odd size): each join now says the length changed and where it differs."""
    with pytest.raises(ShapeError) as info:
        _unet(join)
    text = str(info.value)
    assert ("lengths h and h_minus_1_over_2_times_2 differ: h_minus_1_over_2_times_2 is the length h changed by a "
            "layer on the way (one that drops, adds or strides over elements): at h = 3 it is 2; give h a fixed size "
            "at which they agree (e.g. 64), declare it a multiple of 2 (\"h_times_2\"), or layers that keep the "
            "length") in text, text
    assert "name them alike" not in text
    assert _unet(join, 64).port_types["Output"].shape[-1] == 64  # as the message says
    assert _unet(join, "h_times_2").port_types["Output"].shape[-1] == "h_times_2"  # so does this


@pytest.mark.parametrize("up, down", [(DeconvolutionLayer(1, 2, stride=2), PoolingLayer(2, stride=2)),
                                      (DeconvolutionLayer(1, 3, stride=2), ConvolutionLayer(1, 3, stride=2))],
                         ids=["pool", "conv"])
def test_a_length_upsampled_then_strided_back_is_the_input_length(up, down, tmp_path):
    """Upsampling h by 2 then striding by 2 gives h back at every h, but the name h_times_2_minus_1_over_2 (the
    ceiling of (2h - 1) / 2) told it apart from h, so a skip adding the input was refused: it is h now."""
    net = net_initialize(NetGraph({"up": up, "down": down, "plus": ThreadingLayer("Plus")},
                                  [(NetPort("Input"), "up", "down", "plus"), (NetPort("Input"), "plus")],
                                  Input=(1, "h")), seed=0)
    assert net.port_types["Output"].shape == (1, "h")
    for h in (1, 2, 5, 8):
        assert net(torch.randn(2, 1, h)).shape == (2, 1, h)
    graph = onnx.load(export_onnx(net, tmp_path / "m.onnx")).graph
    assert [d.dim_param or d.dim_value for d in graph.output[0].type.tensor_type.shape.dim] == ["batch", 1, "h"]


@pytest.mark.parametrize("layers", [
    [DeconvolutionLayer(1, 4, stride=4), PoolingLayer(2, stride=2), PoolingLayer(2, stride=2)],
    [DeconvolutionLayer(1, 2, stride=2), DeconvolutionLayer(1, 2, stride=2), PoolingLayer(4, stride=4)],
    [DeconvolutionLayer(1, 2, stride=2), DeconvolutionLayer(1, 2, stride=2), PoolingLayer(2, stride=2),
     PoolingLayer(2, stride=2)]], ids=["4h/2/2", "2*2h/4", "2*2h/2/2"])
def test_a_length_scaled_by_a_product_and_strided_back_by_its_factors_is_the_input_length(layers):
    """Upsampling h by 4 then striding by 2 twice gives h at every h, but only a stride equal to the last factor
    was simplified: h_times_4_minus_1_over_2_minus_1_over_2 was told apart from h, and a skip adding the input was
    refused ('they agree at every h up to 64'). A stride dividing the factor now divides it (2h, then h), and
    factors multiply (h_times_2_times_2 is h_times_4)."""
    chain = {f"l{i}": layer for i, layer in enumerate(layers)}
    net = net_initialize(NetGraph({**chain, "plus": ThreadingLayer("Plus")},
                                  [(NetPort("Input"), *chain, "plus"), (NetPort("Input"), "plus")], Input=(1, "h")),
                         seed=0)
    assert net.port_types["Output"].shape == (1, "h")
    for h in (1, 2, 5, 8):
        assert net(torch.randn(2, 1, h)).shape == (2, 1, h)


@pytest.mark.parametrize("twice, once, length, shortest", [
    ([PoolingLayer(2, stride=2), PoolingLayer(2, stride=2)], PoolingLayer(4, stride=4), lambda h: h // 4, 4),
    ([ConvolutionLayer(1, 3, stride=2, padding_size=1), PoolingLayer(3, stride=3)],
     PoolingLayer(7, stride=6, padding_size=1), lambda h: (h + 1) // 6, 5),
    ([PoolingLayer(2, stride=2), ConvolutionLayer(1, 3), PoolingLayer(2, stride=2)], PoolingLayer(8, stride=4),
     lambda h: (h - 4) // 4, 8),
], ids=["2-2:4", "2pad-3:6", "2-shift-2:4"])
def test_strides_in_a_row_give_the_length_one_stride_of_their_product_gives(twice, once, length, shortest):
    """Floor of floors: two stride-2 poolings give ⌊⌊h/2⌋/2⌋ = ⌊h/4⌋, one stride-4 pooling ⌊h/4⌋, but the names
    h_minus_1_over_2_minus_1_over_2 and h_minus_3_over_4 told them apart ('they agree at every h up to 64'), so a
    ThreadingLayer adding the two branches was refused. A stride after a stride (and a shift) divides once now."""
    chain = {f"a{i}": layer for i, layer in enumerate(twice)}
    net = net_initialize(NetGraph({**chain, "b": once, "plus": ThreadingLayer("Plus")},
                                  [(NetPort("Input"), *chain, "plus"), (NetPort("Input"), "b", "plus")],
                                  Input=(1, "h")), seed=0)
    for h in range(shortest, 40):
        assert net(torch.randn(2, 1, h)).shape == (2, 1, length(h))
    with pytest.raises(DataError, match=f"give lengths of {shortest} or more"):  # every layer's least length is still checked
        net(torch.randn(2, 1, shortest - 1))


def test_strides_in_a_row_stay_apart_from_one_stride_where_the_lengths_differ():
    """⌊⌈h/2⌉/3⌋ is not ⌊h/6⌋ (at h = 11: 2 and 1): the normalised names differ, and the join is refused."""
    with pytest.raises(ShapeError, match=r"changed differently on the way .*: at h = 11 they are (2 and 1|1 and 2)"):
        NetGraph({"a": ConvolutionLayer(1, 3, stride=2, padding_size=1), "a2": PoolingLayer(3, stride=3),
                  "b": PoolingLayer(6, stride=6), "plus": ThreadingLayer("Plus")},
                 [(NetPort("Input"), "a", "a2", "plus"), (NetPort("Input"), "b", "plus")], Input=(1, "h"))


@pytest.mark.parametrize("length, stride, expected", [
    ("h_over_2", 2, "h_over_4"), ("h_minus_1_over_2_minus_1", 2, "h_minus_3_over_4"),
    ("h_over_3_plus_1", 2, "h_over_3_plus_1_over_2"), ("h_minus_1_over_2", 3, "h_minus_1_over_6"),
    ("h_times_2_over_3_minus_2", 2, "h_times_2_minus_6_over_6")])
def test_a_stride_of_a_strided_length_is_one_stride_of_the_product(length, stride, expected):
    """⌈(⌈m/a⌉ + c)/s⌉ = ⌈(m + ca)/(as)⌉ for integers m, c and positive a, s: the name says one division, and it
    is the length at every h up to 100. Not for c > 0 (a step that adds elements: the name keeps the length
    before it, which must be at least 1)."""
    assert strided_length(length, stride) == expected
    for h in range(1, 101):
        before = lengths_along(h, length_steps(length, {"h"})[1])[-1]
        assert lengths_along(h, length_steps(expected, {"h"})[1])[-1] == -(-before // stride)


def _unet_over_multiples():
    """A U-Net-like skip over an input whose height and width are declared multiples of 4 (two halvings)."""
    layers = {"p1": PoolingLayer(2, 2), "p2": PoolingLayer(2, 2), "u": DeconvolutionLayer(1, 4, stride=4),
              "cat": CatenateLayer()}
    return net_initialize(NetGraph(layers, [("p1", "p2", "u"), (["u", NetPort("Input")], "cat")],
                                   Input=(1, "h_times_4", "w_times_4")), seed=0)


def test_an_input_declared_a_multiple_builds_a_skip_and_takes_lengths_of_that_multiple():
    net = _unet_over_multiples()
    assert net.output_shapes["Output"] == (2, "h_times_4", "w_times_4")
    assert net(torch.randn(2, 1, 8, 12)).shape == (2, 2, 8, 12)
    assert net.compile()(torch.randn(2, 1, 8, 12)).shape == (2, 2, 8, 12)


@pytest.mark.parametrize("call", ["net", "compiled"])
def test_a_length_that_is_no_multiple_its_name_declares_is_a_data_error_not_a_torch_error(call):
    net = _unet_over_multiples()
    run = net if call == "net" else net.compile()
    with pytest.raises(DataError) as caught:
        run(torch.randn(2, 1, 8, 18))
    message = str(caught.value)
    assert "input port 'Input'" in message and "18 along w_times_4" in message and "multiple of 4" in message
    assert "16 or 20" in message  # the nearest lengths it takes


def test_export_and_cli_run_trace_an_input_declared_a_multiple_at_a_multiple(tmp_path):
    """Traced at length 3, which h_times_4 is not (the net refuses it): both trace at 4, the first multiple."""
    from netgraph.cli.run import example_inputs
    net = _unet_over_multiples()
    graph = onnx.load(export_onnx(net, tmp_path / "m.onnx")).graph
    assert [d.dim_param for d in graph.input[0].type.tensor_type.shape.dim] == ["batch", "", "h_times_4", "w_times_4"]
    inputs, notes = example_inputs(net)
    assert inputs["Input"].shape == (1, 1, 4, 4) and "h_times_4, w_times_4 = 4, 4 for this run" in notes[0]


def test_a_too_short_length_is_shown_as_the_length_its_name_stands_for():
    """Its n_minus_3_over_3 "would be -2": that is n - 3, not ceil((n - 3) / 3) = 0."""
    from netgraph import DataError
    net = net_initialize(NetChain([ConvolutionLayer(2, 4, stride=3)], input=(1, "n")), seed=0)
    assert net.port_types["Output"].shape == (2, "n_minus_3_over_3")
    with pytest.raises(DataError, match=r"its n_minus_3_over_3 would be 0 \(n_minus_3 = -2; each length must be "
                                        r"at least 1\)"):
        net(torch.zeros(1, 1, 1))
