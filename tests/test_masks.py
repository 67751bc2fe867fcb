"""Padded batches with lengths: each layer family honours the lengths, so that a padded batch (its padding
filled with large random junk) equals each sequence run alone, compiled and interpreted alike."""

from pathlib import Path

import pytest
import torch

from netgraph import (AggregationLayer, AppendLayer, AttentionLayer, BasicRecurrentLayer, CrossEntropyLossLayer,
                      DataError, DropoutLayer, ElementwiseLayer, EmbeddingLayer, FunctionLayer, GatedRecurrentLayer,
                      LayerNormalizationLayer, LongShortTermMemoryLayer, MeanSquaredLossLayer, NetArrayLayer,
                      NetBidirectionalOperator, NetChain, NetFoldOperator, NetGraph, NormalizationLayer,
                      NetMapOperator, NetPort, Padded, PrependLayer, SequenceLastLayer, SequenceMostLayer, SequenceRestLayer, SequenceReverseLayer,
                      SoftmaxLayer, SummationLayer, net_initialize, net_train)
from netgraph.backend.masks import Fallback, compile_padded, interpret_padded, output_lengths, pad, plan

LENGTHS = (3, 6, 1, 4)


def _sequences(lengths, *trailing, seed=0, classes=None):
    g = torch.Generator().manual_seed(seed)
    if classes:
        return [torch.randint(0, classes, (n, *trailing), generator=g) for n in lengths]
    return [torch.randn(n, *trailing, generator=g) for n in lengths]


def _junk(x, lengths, seed, classes=None):
    """``x`` with everything past each length replaced by large random values (valid indices for integers)."""
    g = torch.Generator().manual_seed(seed)
    noise = torch.randint(0, classes, x.shape, generator=g) if classes else 1e3 * torch.randn(x.shape, generator=g)
    past = torch.arange(x.shape[1]) >= lengths.unsqueeze(1)
    return torch.where(past.reshape(*past.shape, *(1,) * (x.dim() - 2)), noise.to(x.dtype), x)


def _as_dict(net, result):
    return result if isinstance(result, dict) else {net.output_ports[0]: result}


def check_padded_equals_each_alone(net, ragged, others=None, classes=None):
    """The padded run (compiled and interpreted, junk padding) against ``net`` on each example alone."""
    module = compile_padded(net, tuple(ragged))
    data, lengths = {}, {}
    for k, (port, seqs) in enumerate(ragged.items()):
        x, lengths[port] = pad(seqs)
        data[port] = _junk(x, lengths[port], seed=10 + k, classes=classes)
    data.update(others or {})
    compiled = _as_dict(net, module(**data, **{module._netgraph_lengths_arguments[p]: n for p, n in lengths.items()}))
    interpreted = _as_dict(net, interpret_padded(net, module, data, lengths))
    cut = output_lengths(module._netgraph_route, lengths)
    for i in range(len(next(iter(ragged.values())))):
        alone = _as_dict(net, net({**{p: s[i][None] for p, s in ragged.items()},
                                   **{p: x[i:i + 1] for p, x in (others or {}).items()}}))
        for port, want in alone.items():
            n = None if cut[port] is None else int(cut[port][i])
            for got in (compiled[port], interpreted[port]):
                torch.testing.assert_close(got[i] if n is None else got[i, :n], want[0])
    return module


def _init(net):
    return net_initialize(net, seed=0)


@pytest.mark.parametrize("recurrent", [LongShortTermMemoryLayer, GatedRecurrentLayer, BasicRecurrentLayer])
def test_recurrent_outputs_final_states_and_sequence_last_follow_each_length(recurrent):
    net = _init(NetGraph({"rnn": recurrent(4, state_output=True), "last": SequenceLastLayer()},
                         [("rnn", "last"), ("last", NetPort("Last")),
                          (NetPort("rnn", "State"), NetPort("Final"))], Input=("n", 3)))
    check_padded_equals_each_alone(net, {"Input": _sequences(LENGTHS, 3)})


def test_a_token_classifier_embedding_gru_last_softmax():
    net = _init(NetChain([EmbeddingLayer(4, 7), GatedRecurrentLayer(5), SequenceLastLayer(), 3, SoftmaxLayer()],
                         input=["n"]))
    check_padded_equals_each_alone(net, {"Input": _sequences(LENGTHS, classes=7)}, classes=7)


@pytest.mark.parametrize("layer", [
    AttentionLayer(multi_head=True), AttentionLayer(multi_head=True, mask="Causal"),
    AttentionLayer("Bilinear", multi_head=True)])
def test_self_attention_never_attends_to_padded_keys(layer):
    net = _init(NetGraph({"att": layer}, [(NetPort("Input"), [NetPort("att", p) for p in ("Key", "Value", "Query")])],
                         Input=("n", 2, 3)))
    check_padded_equals_each_alone(net, {"Input": _sequences(LENGTHS, 2, 3)})


def test_attention_of_one_query_vector_and_of_queries_of_other_lengths_over_padded_keys():
    one = _init(NetGraph({"att": AttentionLayer()}, [(NetPort("Keys"), [NetPort("att", "Key"), NetPort("att", "Value")]),
                                                    (NetPort("Q"), NetPort("att", "Query"))], Keys=("n", 3), Q=3))
    check_padded_equals_each_alone(one, {"Keys": _sequences(LENGTHS, 3)}, others={"Q": torch.randn(4, 3)})
    cross = _init(NetGraph({"att": AttentionLayer()}, [(NetPort("Keys"), [NetPort("att", "Key"), NetPort("att", "Value")]),
                                                      (NetPort("Q"), NetPort("att", "Query"))], Keys=("n", 3), Q=("m", 3)))
    check_padded_equals_each_alone(cross, {"Keys": _sequences(LENGTHS, 3), "Q": _sequences((2, 1, 5, 3), 3, seed=1)})


def test_causal_cross_attention_over_keys_and_queries_of_other_longest_lengths():
    """The causal mask was (keys, keys): a raw torch error when the longest query and key differ in length."""
    net = _init(NetGraph({"att": AttentionLayer(mask="Causal")}, [], Key=("n", 3), Value=("n", 3), Query=("m", 3)))
    keys, queries = _sequences(LENGTHS, 3), _sequences((2, 1, 5, 3), 3, seed=1)
    check_padded_equals_each_alone(net, {"Key": keys, "Value": keys, "Query": queries})
    for q in (queries, [x[:1] for x in queries], [torch.randn(8, 3)] * 4):
        out = net(Key=keys, Value=keys, Query=q)
        for i, y in enumerate(out):
            torch.testing.assert_close(y, net(Key=keys[i][None], Value=keys[i][None], Query=q[i][None])[0])


@pytest.mark.parametrize("layer", [AggregationLayer("Mean", levels=[1]), AggregationLayer("Max", levels=1),
                                   AggregationLayer("Min", levels="1;;"), AggregationLayer("Total", levels=[1, 3]),
                                   AggregationLayer("Mean", levels=-1), SummationLayer()])
def test_aggregation_over_the_sequence_ignores_the_padding(layer):
    net = _init(NetChain([layer], input=["n", 2, 3]))
    check_padded_equals_each_alone(net, {"Input": _sequences(LENGTHS, 2, 3)})


@pytest.mark.parametrize("layers", [[SequenceMostLayer(), AggregationLayer("Total", levels=1)], [SequenceRestLayer()],
                                    [SequenceReverseLayer()], [SequenceReverseLayer(), GatedRecurrentLayer(2)],
                                    [SequenceRestLayer(), SequenceReverseLayer(), SequenceLastLayer()]])
def test_sequence_layers_work_within_each_length(layers):
    net = _init(NetChain(layers, input=["n", 2]))
    check_padded_equals_each_alone(net, {"Input": _sequences((3, 6, 2, 4), 2)})


@pytest.mark.parametrize("adder", [AppendLayer, PrependLayer])
def test_append_and_prepend_put_the_element_next_to_each_sequence(adder):
    net = _init(NetGraph({"add": adder(), "rnn": GatedRecurrentLayer(3), "last": SequenceLastLayer()},
                         [(NetPort("Input"), NetPort("add", "Input")), (NetPort("Element"), NetPort("add", "Element")),
                          ("add", "rnn"), ("rnn", "last"), ("add", NetPort("Added")), ("last", NetPort("Last"))],
                         Input=("n", 2)))
    check_padded_equals_each_alone(net, {"Input": _sequences(LENGTHS, 2)}, others={"Element": torch.randn(4, 2)})


def test_a_loss_over_a_sequence_averages_the_real_elements_only():
    net = _init(NetGraph({"rnn": GatedRecurrentLayer(3), "p": SoftmaxLayer(), "ce": CrossEntropyLossLayer("Index"),
                          "mse": MeanSquaredLossLayer()},
                         [("rnn", "p", NetPort("ce", "Input")), (NetPort("Target"), NetPort("ce", "Target")),
                          ("rnn", NetPort("mse", "Input")), (NetPort("Goal"), NetPort("mse", "Target")),
                          ("ce", NetPort("CE")), ("mse", NetPort("MSE"))], Input=("n", 2), Goal=("n", 3)))
    targets = [torch.randint(0, 3, (n,), generator=torch.Generator().manual_seed(n)) for n in LENGTHS]
    check_padded_equals_each_alone(net, {"Input": _sequences(LENGTHS, 2), "Target": targets,
                                         "Goal": _sequences(LENGTHS, 3, seed=2)})


def test_pointwise_layers_keep_the_lengths_and_net_map_runs_per_element():
    inner = NetChain([ElementwiseLayer("Tanh")], input=2)
    net = _init(NetChain([NetMapOperator(inner), ElementwiseLayer("Exp"), LongShortTermMemoryLayer(2)], input=["n", 2]))
    assert plan(net, ("Input",)).outputs == {"Output": ("Input", 0)}
    check_padded_equals_each_alone(net, {"Input": _sequences(LENGTHS, 2)})


def test_an_elementwise_function_layer_keeps_the_lengths_and_a_whole_sequence_one_runs_by_length_groups():
    """A FunctionLayer of an elementwise expression is pointwise, as ElementwiseLayer: a net with one ran by
    length groups, each GRU once per length (7x slower over 1000 sequences of up to 300 steps)."""
    bias = torch.tensor([[0.5, -1.0]])
    net = _init(NetGraph({"gru": GatedRecurrentLayer(2), "f": FunctionLayer("Tanh[#x] * 2 + #b")},
                         [(NetPort("Input"), "gru", NetPort("f", "x")), (NetPort("B"), NetPort("f", "b"))],
                         Input=["n", 2], B=2))
    assert plan(net, ("Input",)).outputs == {"Output": ("Input", 0)}
    check_padded_equals_each_alone(net, {"Input": _sequences(LENGTHS, 2)}, others={"B": bias.expand(4, 2)})
    for text in ("Max[#x] + 0 * #b", "Length[#x] + #b", "Norm[#x[[All, 1]]] + #b", "Total[#x] + #b"):  # over the sequence
        whole = _init(NetGraph({"gru": GatedRecurrentLayer(2), "f": FunctionLayer(text)},
                               [(NetPort("Input"), "gru", NetPort("f", "x")), (NetPort("B"), NetPort("f", "b"))],
                               Input=["n", 2], B=2))
        with pytest.raises(Fallback, match="'f' \\(FunctionLayer\\) does not honour sequence lengths"):
            plan(whole, ("Input",))
    shifted = _init(NetGraph([FunctionLayer("#x + #b")], [], x=["n"], b=(3, 1)))  # x broadcasts to (3, n)
    with pytest.raises(Fallback, match="does not honour sequence lengths"):
        plan(shifted, ("x",))


@pytest.mark.parametrize("layer", [LayerNormalizationLayer(), NormalizationLayer(-1, "Same"),
                                   NormalizationLayer(-1, scaling=False, biases=False)])
def test_normalisation_over_the_features_keeps_the_lengths(layer):
    """A transformer block's layer norm (over each element's features) never reads the padding."""
    net = _init(NetChain([NetMapOperator(NetChain([3], input=2)), layer, AggregationLayer("Mean", 1)],
                         input=["n", 2]))
    assert plan(net, ("Input",)).outputs == {"Output": None}
    check_padded_equals_each_alone(net, {"Input": _sequences(LENGTHS, 2)})


def test_dropout_keeps_the_lengths():
    net = _init(NetChain([NetMapOperator(NetChain([3], input=2)), DropoutLayer(0.3), AggregationLayer("Mean", 1)],
                         input=["n", 2]))
    assert plan(net, ("Input",)).outputs == {"Output": None}
    xs = _sequences(LENGTHS, 2)
    for y, x in zip(net(xs), xs):  # evaluation mode: no dropout
        torch.testing.assert_close(y, net(x[None])[0])


@pytest.mark.parametrize("layer", [LayerNormalizationLayer(scaling=False, biases=False),
                                   NormalizationLayer(1, "Complement")])
def test_normalisation_over_the_sequence_runs_by_length_groups(layer):
    net = _init(NetChain([layer], input=["n"] if isinstance(layer, LayerNormalizationLayer) else ["n", 2]))
    with pytest.raises(Fallback, match="does not honour sequence lengths"):
        plan(net, ("Input",))


def test_net_fold_stops_each_state_at_its_length():
    step = NetGraph({"plus": "Plus", "act": ElementwiseLayer("Tanh")},
                    [(NetPort("State"), NetPort("plus", "Input1")), (NetPort("Input"), NetPort("plus", "Input2")),
                     ("plus", "act", NetPort("Output"))], Input=2, State=2)
    net = _init(NetChain([NetFoldOperator(step)], input=["n", 2]))
    assert plan(net, ("Input",)).outputs == {"Output": ("Input", 0), "State": None}
    check_padded_equals_each_alone(net, {"Input": _sequences(LENGTHS, 2)})


def test_layers_that_would_mix_the_padding_make_the_net_run_by_length_groups():
    over_sequence = _init(NetChain([SoftmaxLayer(level=1)], input=["n", 2]))
    with pytest.raises(Fallback, match="layer '1' \\(SoftmaxLayer\\) does not honour sequence lengths"):
        plan(over_sequence, ("Input",))
    two_lengths = _init(NetGraph({"plus": "Plus"}, [(NetPort("A"), NetPort("plus", "Input1")),
                                                     (NetPort("B"), NetPort("plus", "Input2"))], A=("n", 2), B=("n", 2)))
    with pytest.raises(Fallback, match="joins sequences of different lengths"):
        plan(two_lengths, ("A", "B"))
    xs = _sequences(LENGTHS, 2)
    for y, x in zip(over_sequence(xs), xs):
        torch.testing.assert_close(y, over_sequence(x[None])[0])
    for y, x in zip(two_lengths({"A": xs, "B": xs}), xs):
        torch.testing.assert_close(y, 2 * x)


def test_the_readme_says_which_operators_run_padded():
    """The Operators section said padded batches with masks were "not yet (issue #13)"; map and fold run padded."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "issue #13" not in readme and "a `NetBidirectionalOperator`, whose backward net would read the" in readme
    bi = NetGraph({"b": NetBidirectionalOperator(GatedRecurrentLayer(2))}, [], Input=("n", 3))
    with pytest.raises(Fallback, match=r"'b' \(NetBidirectionalOperator\) does not honour sequence lengths"):
        plan(bi, ("Input",))


def test_gradients_through_the_padded_batch_equal_each_sequence_alone():
    net = _init(NetChain([LongShortTermMemoryLayer(4), SequenceLastLayer(), 2], input=["n", 3]))
    xs = _sequences(LENGTHS, 3)
    module = compile_padded(net, ("Input",))
    x, lengths = pad(xs)
    x = _junk(x, lengths, seed=3).requires_grad_(True)
    module(x, lengths).square().sum().backward()
    alone = net.compile()
    for i, s in enumerate(xs):
        s = s[None].clone().requires_grad_(True)
        alone.zero_grad()
        alone(s).square().sum().backward()
        torch.testing.assert_close(x.grad[i, :LENGTHS[i]], s.grad[0])
        assert not x.grad[i, LENGTHS[i]:].any()
    total = {n: torch.zeros_like(p) for n, p in alone.named_parameters()}
    for s in xs:
        alone.zero_grad()
        alone(s[None]).square().sum().backward()
        for n, p in alone.named_parameters():
            total[n] += p.grad
    for n, p in module.named_parameters():
        torch.testing.assert_close(p.grad, total[n])


def test_net_call_takes_lists_and_padded_values_and_returns_lists_for_sequences():
    net = _init(NetGraph({"rnn": GatedRecurrentLayer(3), "last": SequenceLastLayer()},
                         [("rnn", "last"), ("rnn", NetPort("Steps")), ("last", NetPort("Last"))], Input=("n", 2)))
    xs = _sequences(LENGTHS, 2)
    x, lengths = pad(xs)
    for given in (xs, Padded(_junk(x, lengths, seed=4), lengths.tolist()), Padded(x.numpy(), lengths.numpy())):
        out = net(given)
        assert isinstance(out["Steps"], list) and [s.shape[0] for s in out["Steps"]] == list(LENGTHS)
        for i, s in enumerate(xs):
            alone = net(s[None])
            torch.testing.assert_close(out["Steps"][i], alone["Steps"][0])
            torch.testing.assert_close(out["Last"][i], alone["Last"][0])
    assert ("padded", ("Input",)) in {k[:2] for k in net._compiled if isinstance(k, tuple) and len(k) > 2}


def test_a_padded_call_returns_plain_tensors_and_leaves_no_gradients_on_its_module():
    """As the dense call: an output that is an array (a view of a parameter) needs no grad, and a call on inputs
    that require grad differentiates the inputs only, leaving the cached padded module's arrays without .grad."""
    net = _init(NetGraph({"arr": NetArrayLayer(output=2), "map": NetMapOperator(3)},
                         [(NetPort("arr", "Output"), NetPort("A"))], Input=("n", 2)))
    dense, ragged = net(torch.randn(4, 2, 2)), net(_sequences(LENGTHS, 2))
    assert not dense["A"].requires_grad and not ragged["A"].requires_grad
    assert ragged["A"].numpy().shape == (len(LENGTHS), 2)
    x, lengths = pad(_sequences(LENGTHS, 2))
    x.requires_grad_(True)
    sum(y.sum() for y in net(Padded(x, lengths.tolist()))["Output"]).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    modules = [m for k, m in net._compiled.items() if isinstance(k, tuple) and k[0] == "padded"]
    assert modules and all(p.grad is None for m in modules for p in m.parameters())


def test_padded_values_may_hold_pad_tokens_and_nans_past_each_length():
    tokens = _sequences(LENGTHS, classes=7)
    net = _init(NetChain([EmbeddingLayer(4, 7), LongShortTermMemoryLayer(3, state_output=True)], input=["n"]))
    x, lengths = pad(tokens)
    out = net(Padded(torch.where(_junk(x.float(), lengths, 6) == x, x, -1), lengths))
    for i, t in enumerate(tokens):
        alone = net(t[None])
        torch.testing.assert_close(out["Output"][i], alone["Output"][0])
        torch.testing.assert_close(out["CellState"][i], alone["CellState"][0])
    attention = _init(NetGraph({"att": AttentionLayer()}, [(NetPort("Input"), [NetPort("att", p) for p in
                                                                                ("Key", "Value", "Query")])],
                               Input=("n", 2)))
    xs = _sequences(LENGTHS, 2)
    x, lengths = pad(xs)
    nan = torch.where(torch.arange(x.shape[1]).unsqueeze(1) < lengths, 0.0, torch.nan).T.unsqueeze(-1) + x
    for y, s in zip(attention(Padded(nan, lengths)), xs):
        torch.testing.assert_close(y, attention(s[None])[0])


@pytest.mark.parametrize("lengths, message", [
    ([3, 2], r"expected 4 lengths \(one per example of data \(4, 6, 2\)\), found shape \(2,\)"),
    ([3, 2, 7, 1], r"each length must be from 1 to the padded length 6, found 7 at example 2$"),
    ([3, 0, 9, 1], r"each length must be from 1 to the padded length 6, found 0 at example 1 \(2 of 4 lengths\)$"),
    ([3.5, 2, 2, 1], r"lengths must be integers, found 3.5 at example 0 \(dtype torch.float32\)$"),
    ([True, True, False, True], r"lengths must be integers, found dtype torch.bool$"),
    ([[3], [2], [2], [1]], r"expected 4 lengths"),
    ("abc", r"Padded lengths must be integers"),
])
def test_lengths_that_do_not_fit_the_batch_are_one_data_error_naming_the_port(lengths, message):
    net = _init(NetChain([GatedRecurrentLayer(3), SequenceLastLayer()], input=["n", 2]))
    with pytest.raises(DataError, match=r"input port 'Input': " + message):
        net(Padded(torch.zeros(4, 6, 2), lengths))
    with pytest.raises(DataError, match=r"input port 'Input': padded data has shape \(4, 6, 5\), expected \(b, n, 2\)"):
        net(Padded(torch.zeros(4, 6, 5), [1, 2, 3, 4]))
    with pytest.raises(DataError, match=r"training data: key 'Input': " + message):
        net_train(net, {"Input": Padded(torch.zeros(4, 6, 2), lengths), "Output": torch.zeros(4, 3)},
                  max_training_rounds=1)


def test_a_bad_length_among_thousands_names_the_first_and_counts_the_rest():
    """The message named every length given (thousands of them, for a big batch); it names the first bad one."""
    net = _init(NetChain([GatedRecurrentLayer(3), SequenceLastLayer()], input=["n", 2]))
    lengths = torch.full((5000,), 3)
    lengths[[17, 4000]] = torch.tensor([9, 0])
    with pytest.raises(DataError) as info:
        net(Padded(torch.zeros(5000, 6, 2), lengths))
    assert str(info.value).endswith("found 9 at example 17 (2 of 5000 lengths)") and len(str(info.value)) < 200
    fractions = torch.full((5000,), 2.0)
    fractions[[30, 31, 32]] = 2.5
    with pytest.raises(DataError) as info:
        net(Padded(torch.zeros(5000, 6, 2), fractions))
    assert str(info.value).endswith("found 2.5 at example 30 (3 of 5000 lengths; dtype torch.float32)")


def _first_equals_last(count, seed):
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randint(0, 6, (n,), generator=g) for n in torch.randint(3, 9, (count,), generator=g).tolist()]
    for x in xs[::2]:
        x[-1] = x[0]
    return xs, torch.tensor([int(x[0] == x[-1]) for x in xs])


def test_net_train_on_ragged_data_uses_padded_batches_whose_padding_never_matters():
    """A list of sequences and the same sequences Padded with junk train alike, batch for batch (the learning itself:
    tests/test_ragged.py)."""
    xs, y = _first_equals_last(64, seed=0)
    net = NetChain([EmbeddingLayer(8, 6), GatedRecurrentLayer(16), SequenceLastLayer(), 2, SoftmaxLayer()],
                   input=["n"])
    x, lengths = pad(xs)
    runs = [net_train(net, {"Input": data, "Target": y}, max_training_rounds=2, batch_size=16, random_seed=0, all=True)
            for data in (xs, Padded(_junk(x, lengths, seed=5, classes=6), lengths))]
    assert runs[0].total_batches == 2 * 64 // 16  # batches mix lengths: no length groups
    torch.testing.assert_close(runs[0].batch_losses, runs[1].batch_losses)


def test_net_train_falls_back_to_length_groups_for_sequence_outputs():
    xs = _sequences((3, 5, 3, 5, 4, 4), 2)
    net = NetChain([GatedRecurrentLayer(3), SoftmaxLayer()], input=["n", 2])
    targets = [torch.zeros(len(x), dtype=torch.int64) for x in xs]
    result = net_train(net, {"Input": xs, "Output": targets}, max_training_rounds=2, batch_size=4, random_seed=0,
                       all=True)
    assert result.total_batches == 2 * 3  # one batch per length
