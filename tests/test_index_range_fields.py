"""An index out of range (an embedding's token, a cross-entropy's class) is a DataError whose Diagnostic holds the
range taken, by its inclusive ends ``(low, high)`` as the training data's checks give it, and the values found, for a
reader that does not parse messages."""

from __future__ import annotations

import pytest
import torch

from netgraph import CrossEntropyLossLayer, DataError, EmbeddingLayer, NetChain, NetGraph, net_initialize


def _embedding():
    return net_initialize(NetChain({"emb": EmbeddingLayer(4, 10)}, input=["n"]), seed=0)


@pytest.mark.parametrize("call", [lambda net, x: net(x), lambda net, x: net.compile()(x)])
@pytest.mark.parametrize("tokens, found", [([[1, 2, 12]], (1, 12)), ([[-3, 4]], (-3, 4))])
def test_an_embedding_index_out_of_range_carries_the_range_and_the_values(call, tokens, found):
    with pytest.raises(DataError) as info:
        call(_embedding(), torch.tensor(tokens))
    d = info.value.diagnostics[0]
    assert (d.layer, d.port, d.expected, d.found) == (("emb",), "Input", (0, 9), found)
    assert f"found values from {found[0]} to {found[1]}" in str(info.value)


def test_a_class_target_out_of_range_carries_them_too():
    loss = NetGraph({"ce": CrossEntropyLossLayer("Index")}, [], Input=3)
    with pytest.raises(DataError) as info:
        loss(Input=torch.full((2, 3), 1 / 3), Target=torch.tensor([0, 5]))
    d = info.value.diagnostics[0]
    assert (d.layer, d.port, d.expected, d.found) == (("ce",), "Target", (0, 2), (0, 5))


def test_a_probability_outside_0_1_carries_the_range_and_the_value():
    loss = NetGraph({"ce": CrossEntropyLossLayer("Binary")}, [], Input=3)
    with pytest.raises(DataError) as info:
        loss(Input=torch.tensor([[0.2, 1.5, 0.1]]), Target=torch.tensor([[0.0, 1.0, 0.0]]))
    d = info.value.diagnostics[0]
    assert (d.layer, d.port, d.expected, d.found) == (("ce",), "Input", (0, 1), 1.5)


def test_a_ctc_label_past_the_classes_carries_the_range_and_the_value():
    from netgraph import CTCLossLayer
    loss = NetGraph({"ctc": CTCLossLayer()}, [], Input=(6, 4), Target=3)
    with pytest.raises(DataError) as info:
        loss(Input=torch.full((1, 6, 4), 0.25), Target=torch.tensor([[0, 3, 1]]))
    d = info.value.diagnostics[0]
    assert (d.layer, d.port, d.expected, d.found) == (("ctc",), "Target", (0, 2), 3)
    assert str(info.value).startswith("layer 'ctc' (CTCLossLayer) port 'Target' takes class indices in [0, 3)")


def test_a_ctc_target_padded_before_its_labels_has_its_own_kind_and_row():
    """Its kind was the catch-all "data", and it named no row."""
    from netgraph import CTCLossLayer
    loss = NetGraph({"ctc": CTCLossLayer()}, [], Input=(6, 4), Target=3)
    with pytest.raises(DataError) as info:
        loss(Input=torch.full((2, 6, 4), 0.25), Target=torch.tensor([[0, 1, -1], [-1, 2, 1]]))
    d = info.value.diagnostics[0]
    assert (d.kind, d.layer, d.port, d.found, d.expected, d.example) == \
        ("padding-order", ("ctc",), "Target", (-1, 2, 1), (2, 1, -1), 1)
    assert str(info.value).endswith("must come after the labels, found [-1, 2, 1] (row 1 of the batch)")


def test_a_long_ctc_target_padded_early_has_the_row_s_ints_as_found():
    """Found in review: ``found`` was the message's shortened list ([..., '...']) and ``expected`` prose."""
    from netgraph import CTCLossLayer
    row = [-1] + list(range(1, 20))
    loss = NetGraph({"ctc": CTCLossLayer()}, [], Input=(40, 22), Target=20)
    with pytest.raises(DataError) as info:
        loss(Input=torch.full((1, 40, 22), 0.25), Target=torch.tensor([row]))
    d = info.value.diagnostics[0]
    assert (d.found, d.expected, d.example) == (tuple(row), tuple(row[1:]) + (-1,), 0)
    assert all(type(v) is int for v in d.found) and "..." in str(info.value)


def _tokens_with_one_bad(shape, at, value=11):
    tokens = torch.zeros(shape, dtype=torch.long)
    tokens[at] = value
    return tokens


@pytest.mark.parametrize("compiled", [False, True])
def test_an_embedding_index_out_of_range_inside_a_map_names_the_example_and_element(compiled):
    from netgraph import NetMapOperator
    net = net_initialize(NetGraph({"map": NetMapOperator(EmbeddingLayer(3, 10))}, [], Input=["n"]), seed=0)
    call = net.compile() if compiled else net
    with pytest.raises(DataError) as info:
        call(_tokens_with_one_bad((3, 4), (1, 2)))
    assert "found values from 0 to 11" in str(info.value)
    assert "11 at example 1, sequence element 2" in str(info.value)
    d = info.value.diagnostics[0]
    assert (d.example, d.port, d.expected, d.found) == (1, "Input", (0, 9), (0, 11))


@pytest.mark.parametrize("compiled", [False, True])
def test_an_embedding_index_out_of_range_inside_a_fold_names_the_example_and_step(compiled):
    from netgraph import CatenateLayer, LinearLayer, NetFoldOperator, NetPort
    step = NetGraph({"e": EmbeddingLayer(2, 10), "cat": CatenateLayer(), "lin": LinearLayer(3)},
                    [(NetPort("Input"), "e"), (["e", NetPort("State")], "cat"), ("cat", "lin")], Input="Integer")
    net = net_initialize(NetGraph({"fold": NetFoldOperator(step)}, [], Input=["n"]), seed=0)
    call = net.compile() if compiled else net
    with pytest.raises(DataError) as info:
        call(_tokens_with_one_bad((4, 5), (2, 3)))
    assert "11 at example 2, sequence element 3" in str(info.value)
    assert info.value.diagnostics[0].example == 2


def test_an_embedding_index_out_of_range_outside_operators_names_its_example():
    with pytest.raises(DataError) as info:
        _embedding()(_tokens_with_one_bad((3, 4), (2, 1), value=-1))
    assert "-1 at example 2, index (1,)" in str(info.value)
    assert info.value.diagnostics[0].example == 2
