"""Ragged batches by length bucketing: lists of sequences of different lengths through net(...) and net_train."""

import numpy
import pytest
import torch

from netgraph import (AggregationLayer, AttentionLayer, CatenateLayer, ClassDecoder, DataError, EmbeddingLayer,
                      FunctionLayer, GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer, NetChain, NetGraph,
                      NetPort, Padded, SequenceLastLayer, SequenceReverseLayer, ShapeError, SoftmaxLayer,
                      TokensEncoder, TotalLayer, net_initialize, net_train)
from netgraph.data import encode

LENGTHS = (3, 5, 3, 7, 5, 1)


def _sequences(lengths, *trailing, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, *trailing, generator=g) for n in lengths]


# A dense batch of several examples may round differently from one example alone (batched matmul), so results
# are compared with assert_close's float tolerance, not bit for bit.
def _each_alone(net, sequences, **options):
    return [net(x.unsqueeze(0), **options)[0] for x in sequences]


def _recurrent_classifier():
    return net_initialize(NetChain([LongShortTermMemoryLayer(6), SequenceLastLayer(), 3, SoftmaxLayer()],
                                   input=["n", 2]), seed=0)


def _self_attention():
    return net_initialize(NetGraph({"att": AttentionLayer(multi_head=True)},
                                   [(NetPort("Input"), [NetPort("att", "Key"), NetPort("att", "Value"),
                                                        NetPort("att", "Query")])], Input=("n", 2, 3)), seed=0)


@pytest.mark.parametrize("make, trailing", [
    (_recurrent_classifier, (2,)),
    (lambda: net_initialize(NetChain([GatedRecurrentLayer(4), AggregationLayer("Mean", levels=[1])],
                                     input=["n", 3]), seed=0), (3,)),
    (lambda: net_initialize(NetChain([AggregationLayer("Max", levels=[1])], input=["n", 3]), seed=0), (3,)),
])
def test_a_ragged_list_equals_each_sequence_run_alone_and_is_stacked(make, trailing):
    net, xs = make(), _sequences(LENGTHS, *trailing)
    out = net(xs)
    assert isinstance(out, torch.Tensor) and out.shape[0] == len(xs)
    torch.testing.assert_close(out, torch.stack(_each_alone(net, xs)))


@pytest.mark.parametrize("make, trailing", [(_self_attention, (2, 3)),
                                            (lambda: net_initialize(NetChain([GatedRecurrentLayer(4)],
                                                                             input=["n", 2]), seed=0), (2,))])
def test_an_output_that_keeps_the_variable_length_comes_back_as_a_list_in_order(make, trailing):
    net, xs = make(), _sequences(LENGTHS, *trailing)
    out = net(xs)
    assert isinstance(out, list) and [y.shape[0] for y in out] == list(LENGTHS)
    for y, alone in zip(out, _each_alone(net, xs)):
        torch.testing.assert_close(y, alone)


def test_self_attention_over_a_ragged_list_ignores_other_examples_lengths():
    """With padding and no lengths, a short sequence would attend to the pad; a ragged list keeps each length."""
    net, xs = _self_attention(), _sequences((2, 6), 2, 3)
    padded = torch.cat([xs[0], torch.zeros(4, 2, 3)]).unsqueeze(0)
    assert not torch.allclose(net(padded)[0, :2], net(xs)[0])
    torch.testing.assert_close(net(xs)[0], net(xs[0].unsqueeze(0))[0])


def test_token_lists_numpy_arrays_options_and_return_states():
    net = net_initialize(NetChain({"emb": EmbeddingLayer(4, 10), "lstm": LongShortTermMemoryLayer(5),
                                   "last": SequenceLastLayer()}, input=["n"]), seed=0)
    g = torch.Generator().manual_seed(1)
    tokens = [torch.randint(0, 10, (n,), generator=g).numpy() for n in LENGTHS]
    out, states = net(tokens, return_states=True, batch_size=2, precision="float64")
    assert out.dtype == torch.float64 and states["lstm"]["State"].shape == (len(LENGTHS), 5)
    for i, t in enumerate(tokens):
        alone, final = net(torch.as_tensor(t)[None], return_states=True, precision="float64")
        torch.testing.assert_close(out[i], alone[0])
        torch.testing.assert_close(states["lstm"]["CellState"][i], final["lstm"]["CellState"][0])
    more = [torch.randint(0, 10, (n,), generator=g) for n in reversed(LENGTHS)]
    continued = net(more, states=states, precision="float64")
    for i, t in enumerate(more):
        one = {"lstm": {k: v[i:i + 1] for k, v in states["lstm"].items()}}
        torch.testing.assert_close(continued[i], net(t[None], states=one, precision="float64")[0])
    probed = net(tokens, outputs=NetPort("lstm", "Output"))
    assert [p.shape for p in probed] == [(n, 5) for n in LENGTHS]
    assert isinstance(tokens[0], numpy.ndarray)


def test_two_ragged_ports_are_grouped_by_the_tuple_of_lengths_and_a_batched_port_is_sliced():
    net = net_initialize(NetGraph({"a": AggregationLayer("Total", levels=[1]),
                                   "b": AggregationLayer("Mean", levels=[1]), "c": LinearLayer(2)},
                                  [(NetPort("A"), "a"), (NetPort("B"), "b"), (NetPort("C"), "c"),
                                   ("a", NetPort("SumA")), ("b", NetPort("MeanB")), ("c", NetPort("LinC"))],
                                  A=("n", 2), B=("m", 2), C=3), seed=0)
    xa, xb = _sequences((2, 2, 4, 2), 2), _sequences((3, 1, 3, 3), 2, seed=1)
    c = torch.randn(4, 3, generator=torch.Generator().manual_seed(2))
    out = net({"A": xa, "B": xb, "C": c})
    torch.testing.assert_close(out["SumA"], torch.stack([x.sum(0) for x in xa]))
    torch.testing.assert_close(out["MeanB"], torch.stack([x.mean(0) for x in xb]))
    torch.testing.assert_close(out["LinC"], net({"A": torch.zeros(4, 1, 2), "B": torch.zeros(4, 1, 2), "C": c})["LinC"])


def test_bad_ragged_inputs_are_one_clear_data_error():
    net = _recurrent_classifier()
    with pytest.raises(DataError, match=r"'Input': example 1 has shape \(4, 3\), expected \(n, 2\)"):
        net([torch.zeros(3, 2), torch.zeros(4, 3)])
    fixed = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(DataError, match="'Input' has the fixed shape"):
        fixed([torch.zeros(3), torch.zeros(4)])  # one shape stacks into a batch (test_list_gradients)
    sequences = net_initialize(NetChain([LinearLayer(3)], input=(4, 2)), seed=0)
    with pytest.raises(DataError, match=r"fixed shape \(4, 2\); Padded data \(sequences padded to one length\) is "
                                        r"only for a port with a variable length") as caught:
        sequences(Padded(torch.zeros(2, 4, 2), [4, 3]))  # it spoke of "a list of tensors"
    assert caught.value.found == "Padded data" and "list" not in str(caught.value)
    two = NetGraph({"a": AggregationLayer("Total", levels=[1]), "b": AggregationLayer("Mean", levels=[1])},
                   [(NetPort("A"), "a"), (NetPort("B"), "b")], A=("n", 2), B=("m", 2))
    with pytest.raises(DataError, match="different numbers of examples"):
        two({"A": _sequences((2, 3), 2), "B": _sequences((2,), 2)})


def test_an_empty_sequence_is_a_data_error_naming_the_port_and_example():
    """It ran padded on the other examples' padding (a result depending on them), or failed inside torch's LSTM."""
    net = net_initialize(NetChain({"emb": EmbeddingLayer(8, 100), "lstm": LongShortTermMemoryLayer(16),
                                   "last": SequenceLastLayer()}, input=["n"]), seed=0)
    empty = torch.zeros(0, dtype=torch.long)
    example = r"input port 'Input': example {} has length 0 along n \(shape \(0,\)\); each length must be at least 1"
    for call in (lambda: net([torch.tensor([1, 2]), empty]), lambda: net([torch.tensor([5, 6, 7]), empty], seed=1),
                 lambda: net([torch.tensor([1, 2]), empty], return_states=True)):
        with pytest.raises(DataError, match=example.format(1)):
            call()
    for call in (lambda: net([empty]), lambda: net(empty)):
        with pytest.raises(DataError, match=example.format(0)):
            call()
    with pytest.raises(DataError, match=r"'Input': the data has length 0 along n \(shape \(2, 0\)\)") as info:
        net(torch.zeros(2, 0, dtype=torch.long))
    # its detail without the subject, which net_train's message puts after its own (the port and key)
    assert info.value.diagnostics[0].detail == "the data has length 0 along n (shape (2, 0)); each length must be at least 1"
    with pytest.raises(DataError, match=r"input port 'Input': no examples \(an empty list\)"):
        net([])
    assert net(torch.zeros(0, 3, dtype=torch.long)).shape == (0, 16)  # a batch of no examples is still fine
    with pytest.raises(DataError, match=r"key 'Input': example 1 has length 0; each length must be at least 1"):
        net_train(NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(4), SequenceLastLayer(), LinearLayer(2),
                            SoftmaxLayer()], input=["n"]),
                  {"Input": [torch.tensor([1, 2]), empty, torch.tensor([3])], "Target": torch.tensor([0, 1, 0])},
                  max_training_rounds=1)


def test_net_train_refuses_a_batched_tensor_of_length_0_and_names_a_bad_padded_length_once():
    """A (2, 0, 2) tensor reached torch's RNN error; a Padded length 0 said "training data: key 'Input'" twice."""
    net = NetChain([GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()], input=("n", 2))
    target = torch.tensor([0, 1])
    with pytest.raises(DataError, match=r"input port 'Input' \(key 'Input'\): the data has length 0 along n \(shape "
                                        r"\(2, 0, 2\)\); each length must be at least 1"):
        net_train(net, {"Input": torch.randn(2, 0, 2), "Target": target}, max_training_rounds=1)
    with pytest.raises(DataError, match=r"^training data: key 'Input': each length must be from 1 to the padded "
                                        r"length 3, found 0 at example 1$"):
        net_train(net, {"Input": Padded(torch.randn(2, 3, 2), [3, 0]), "Target": target}, max_training_rounds=1)


def _attention():
    return net_initialize(NetGraph({"att": AttentionLayer()}, [], Key=("n", 4), Value=("n", 3), Query=("m", 4)), seed=0)


def test_ports_declared_with_one_length_name_must_get_equal_lengths():
    """Key and Value share n: a longer Value was cut to the keys (ragged) or failed inside torch (batched)."""
    att, k, v, q = _attention(), _sequences((2, 5), 4), _sequences((3, 5), 3), _sequences((3, 1), 4)
    message = r"input ports 'Key' and 'Value' share the length n \(declared \(n, 4\) and \(n, 3\)\), found {}"
    for options in ({}, {"outputs": "Output"}):  # one padded run, and length groups
        with pytest.raises(DataError, match=message.format(r"2 and 3 \(example 0\)")):
            att(Key=k, Value=v, Query=q, **options)
    with pytest.raises(DataError, match=message.format(r"5 and 4 \(example 1\)")):
        att(Key=k, Value=[v[0][:2], v[1][:4]], Query=q)
    with pytest.raises(DataError, match=message.format("2 and 3$")):
        att(Key=k[0][None], Value=v[0][None], Query=q[0][None])
    assert [y.shape for y in att(Key=k, Value=[v[0][:2], v[1]], Query=q)] == [(3, 3), (1, 3)]
    plus = NetGraph({"p": "Plus"}, [(NetPort("a"), "p"), (NetPort("b"), "p")], a=("n", 3), b=("n", 3))
    for n in (1, 2):  # a length of 1 was broadcast against 3 silently
        with pytest.raises(DataError, match=rf"input ports 'a' and 'b' share the length n .*found {n} and 3"):
            plus(a=torch.randn(1, n, 3), b=torch.randn(1, 3, 3))
    independent = NetGraph({"a": AggregationLayer("Total", levels=[1]), "b": AggregationLayer("Mean", levels=[1])},
                           [(NetPort("A"), "a"), (NetPort("B"), "b")], A=("n", 2), B=("m", 2))
    assert independent({"A": torch.ones(1, 2, 2), "B": torch.ones(1, 3, 2)})["Output2"].shape == (1, 2)


def test_a_pointwise_layer_refuses_sequences_of_independent_lengths_at_build():
    """p and q named apart built, then every call of other lengths died in torch."""
    with pytest.raises(ShapeError, match=r"layer 3 'plus' \(ThreadingLayer\): input ports 'Input1' \(p, 3\), 'Input2' "
                                         r"\(q, 3\) do not broadcast .*lengths p and q are independent"):
        NetGraph({"a": SequenceReverseLayer(), "b": SequenceReverseLayer(), "plus": "Plus"},
                 [(NetPort("A"), "a", "plus"), (NetPort("B"), "b", "plus")], A=("p", 3), B=("q", 3))
    with pytest.raises(ShapeError, match=r"'f' \(FunctionLayer\).*lengths p and q are independent"):
        NetGraph({"f": FunctionLayer("#a * 2 + #b")}, [], a=("p", 3), b=("q", 3))
    with pytest.raises(ShapeError, match=r"'t' \(TotalLayer\).*lengths p and q are independent"):
        NetGraph({"t": TotalLayer()}, [([NetPort("A"), NetPort("B")], "t")], A=("p", 3), B=("q", 3))
    shared = NetGraph({"plus": "Plus"}, [(NetPort("A"), "plus"), (NetPort("B"), "plus")], A=("p", 3), B=("p", 3))
    assert shared.port_types["Output"].shape == ("p", 3)


def test_catenating_along_a_variable_length_is_refused_when_built():
    """It built with Output (?, 3), then every call said "not fully specified", which no shape could fix."""
    for a, b in ((("n", 3), ("m", 3)), (("n", 3), (2, 3))):
        with pytest.raises(ShapeError, match=r"'c' \(CatenateLayer\): cannot join along level 1, a variable length"):
            NetGraph({"c": CatenateLayer(level=1)}, [([NetPort("A"), NetPort("B")], "c")], A=a, B=b)
    features = NetGraph({"c": CatenateLayer(level=-1)}, [([NetPort("A"), NetPort("B")], "c")], A=("n", 3), B=("n", 2))
    assert features.port_types["Output"].shape == ("n", 5)


def test_token_indices_as_a_list_bypass_the_tokens_encoder_padding_and_decode_in_order():
    coder = TokensEncoder(["good", "bad", "film"])
    net = net_initialize(NetChain([EmbeddingLayer(4, len(coder.tokens)), GatedRecurrentLayer(3), SequenceLastLayer(),
                                   LinearLayer(2), SoftmaxLayer()], input=coder, output=ClassDecoder(["neg", "pos"])),
                         seed=0)
    texts = ["good film", "bad", "film film bad", "good"]
    ids = [encode(coder, "Input", t) for t in texts]
    assert net(ids) == [net(t) for t in texts]
    torch.testing.assert_close(net(ids, decoder=None), torch.stack([net(t, decoder=None) for t in texts]))
    texts_at_once = net(texts, decoder=None)  # texts are read to their own lengths too (no pad reaches the GRU)
    torch.testing.assert_close(texts_at_once, torch.stack([net(t, decoder=None) for t in texts]))


def _first_equals_last(count, seed):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(3, 9, (count,), generator=g).tolist()
    xs = [torch.randint(0, 6, (n,), generator=g) for n in lengths]
    for x in xs[::2]:
        x[-1] = x[0]
    return xs, torch.tensor([int(x[0] == x[-1]) for x in xs])


def test_net_train_on_ragged_sequences_learns_and_is_deterministic():
    xs, y = _first_equals_last(256, seed=0)
    net = NetChain([EmbeddingLayer(8, 6), GatedRecurrentLayer(16), SequenceLastLayer(), LinearLayer(2),
                    SoftmaxLayer()], input=["n"])
    runs = [net_train(net, {"Input": xs, "Target": y}, max_training_rounds=12, batch_size=16, learning_rate=0.02,
                      random_seed=0, all=True) for _ in range(2)]
    losses = runs[0].round_losses
    assert losses[-1] < 0.7 * losses[0]
    assert runs[0].batch_losses == runs[1].batch_losses
    assert runs[0].total_batches == 12 * 256 // 16  # padded batches of any lengths (tests/test_masks.py)


def test_net_train_checks_every_length_bucket_before_training():
    """The bad example is reported whether the loader's first batch (drawn at random) holds it or not, by its index
    (it was reported as "(length bucket 2): ... expected shape (b, n, 2) ... found (1, 5, 3)")."""
    net = NetChain([GatedRecurrentLayer(4), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()], input=["n", 2])
    xs = [torch.zeros(3, 2), torch.zeros(3, 2), torch.zeros(5, 3)]
    bad_bucket = r"^bad training data: .* expected each example of shape \(n, 2\), found \(5, 3\) at example 2$"
    with pytest.raises(DataError, match=bad_bucket):
        net_train(net, {"Input": xs, "Target": torch.tensor([0, 1, 0])}, max_training_rounds=1, batch_size=2)
    with pytest.raises(DataError, match="same number of examples"):
        net_train(net, {"Input": xs, "Target": torch.tensor([0, 1])}, max_training_rounds=1)
    good = {"Input": xs[:2], "Target": torch.tensor([0, 1])}
    assert net_train(net, good, max_training_rounds=1, validation_set=good, random_seed=0) is not None


def test_ragged_examples_as_a_list_of_dicts_and_a_held_out_fraction_of_them_train():
    """A list of example dicts of different lengths failed with torch's stack message; validation_set=0.25 was
    refused."""
    xs, y = _first_equals_last(64, seed=0)
    net = NetChain([EmbeddingLayer(8, 6), GatedRecurrentLayer(16), SequenceLastLayer(), LinearLayer(2),
                    SoftmaxLayer()], input=["n"])
    examples = [{"Input": x, "Target": int(t)} for x, t in zip(xs, y)]
    kw = dict(max_training_rounds=2, batch_size=8, random_seed=1, progress=False, all=True)
    columns = net_train(net, {"Input": xs, "Target": y}, **kw)
    listed = net_train(net, examples, **kw)
    assert listed.round_losses == columns.round_losses and listed.total_batches == 16
    held = [net_train(net, data, validation_set=0.25, **kw) for data in ({"Input": xs, "Target": y}, examples)]
    assert held[0].examples_processed == 2 * 48 and len(held[0].validation_losses) == 2
    assert held[0].validation_losses == held[1].validation_losses
    bucketed = NetChain([EmbeddingLayer(8, 6), FunctionLayer("#Input * 2"), SequenceLastLayer(), LinearLayer(2),
                         SoftmaxLayer()], input=["n"])  # length buckets (no padded forward)
    assert net_train(bucketed, examples, validation_set=0.25, **kw).examples_processed == 2 * 48


def test_an_output_whose_variable_length_is_not_its_first_dim_comes_back_as_a_list():
    # a sequence transposed to (3, "n"): the length groups were stacked into one tensor, and torch.stack failed
    from netgraph import ConvolutionLayer, TransposeLayer
    net = net_initialize(NetChain([TransposeLayer()], input=("n", 3)), seed=0)
    assert net.port_types["Output"].shape == (3, "n")
    xs = [torch.randn(1, 3), torch.randn(4, 3)]
    out = net(xs)
    assert isinstance(out, list) and [tuple(y.shape) for y in out] == [(3, 1), (3, 4)]
    torch.testing.assert_close(out[1], xs[1].T)
    conv = net_initialize(NetChain([TransposeLayer(), ConvolutionLayer(2, 1)], input=("n", 3)), seed=0)
    for y, x in zip(conv(xs), xs):
        torch.testing.assert_close(y, conv(x[None])[0])


def test_the_compiled_module_checks_the_lengths_its_inputs_share_and_only_those():
    """module(a, b) broadcast a length of 1 silently and failed inside torch otherwise; net(a, b) said which ports."""
    plus = net_initialize(NetGraph({"p": "Plus"}, [(NetPort("a"), "p"), (NetPort("b"), "p")], a=("n", 3), b=("n", 3)))
    module = plus.compile()
    for n in (1, 2):
        with pytest.raises(DataError, match=rf"input ports 'a' and 'b' share the length n .*found {n} and 3$"):
            module(torch.randn(2, n, 3), torch.randn(2, 3, 3))
    a, b = torch.randn(2, 3, 3), torch.randn(2, 3, 3)
    assert torch.equal(module(a, b), a + b)
    assert module.code.count(" != ") == 1  # one comparison (and a test for length 0 per input)
    from netgraph import NetFoldOperator
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(3)},
                    [([NetPort("Input"), NetPort("X"), NetPort("State")], "cat"), ("cat", "lin")], Input=2, X=1)
    fold = net_initialize(NetGraph({"fold": NetFoldOperator(cell)}, [], Input=("n", 2)), seed=0)  # X's n inferred
    with pytest.raises(DataError, match=r"input ports 'Input' and 'X' share the length n .*found 4 and 5$"):
        fold.compile()(Input=torch.randn(1, 4, 2), X=torch.randn(1, 5, 1))
    independent = NetGraph({"a": AggregationLayer("Total", levels=[1]), "b": AggregationLayer("Mean", levels=[1])},
                           [(NetPort("A"), "a"), (NetPort("B"), "b")], A=("n", 2), B=("m", 2))
    for net in (independent, _recurrent_classifier(), _self_attention()):  # one input or independent lengths
        code = net.compile().code  # their only checks: no input of length 0
        assert " != " not in code and "_shared_length_error" not in code and "_empty_length_error" in code


def test_examples_that_differ_in_a_second_variable_dim_run_and_train_in_groups_of_one_shape():
    from netgraph import NetMapOperator
    net = NetChain([NetMapOperator(NetChain([GatedRecurrentLayer(4), SequenceLastLayer()])),
                    AggregationLayer("Mean", levels=[1]), 2, SoftmaxLayer()], input=("n", "m", 3))
    g = torch.Generator().manual_seed(0)
    xs = [torch.randn(n, m, 3, generator=g) for n, m in ((3, 5), (2, 7), (3, 5), (2, 4), (3, 7))]
    trained = net_train(net, {"Input": xs, "Target": torch.tensor([0, 1, 0, 1, 1])}, max_training_rounds=2,
                        batch_size=2, random_seed=0)
    out = trained(xs)
    assert out.shape == (5, 2)
    torch.testing.assert_close(out, torch.stack(_each_alone(trained, xs)))


def test_a_list_at_a_port_whose_variable_length_is_not_first_runs_by_length_groups_as_net_train_takes_it():
    """A Conv1d port (channels, "n"): net_train took a list of (3, n_i) examples, and the trained net refused the
    same list, calling the port's shape (3, n) fixed."""
    from netgraph import ConvolutionLayer
    net = net_initialize(NetChain([ConvolutionLayer(4, 3), AggregationLayer("Mean"), LinearLayer(2), SoftmaxLayer()],
                                  input=(3, "n")), seed=0)
    examples = [torch.randn(3, n, generator=torch.Generator().manual_seed(n)) for n in (5, 7, 5)]
    got = net(examples)
    torch.testing.assert_close(got, torch.cat([net(x[None]) for x in examples]))
    trained = net_train(net, {"Input": examples, "Target": torch.tensor([0, 1, 0])}, max_training_rounds=1,
                        progress=False, random_seed=0)
    assert trained(examples).shape == (3, 2)
    with pytest.raises(DataError, match=r"input port 'Input' \(3, n\): Padded holds lengths along the first dim, "
                                        r"which is fixed here; give the examples as a list"):
        net(Padded(torch.zeros(2, 3, 7), [5, 7]))
