"""net_port_gradient takes ragged data as net(list) does (a list of per-example sequences of different lengths, or
Padded): the gradient at a ragged port is a list of per-example tensors of each example's own length, equal to the
gradients computed one example at a time."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, ElementwiseLayer, GatedRecurrentLayer, LinearLayer, LongShortTermMemoryLayer, NetChain,
                      NetGraph, NetPort, OptionError, Padded, SequenceLastLayer, TotalLayer, net_initialize,
                      net_port_gradient)


def _sequences() -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    return [torch.randn(n, 3, generator=g) for n in (2, 5, 2, 4)]


def _lstm() -> NetChain:
    return net_initialize(NetChain([LongShortTermMemoryLayer(4), SequenceLastLayer()], input=("n", 3)), seed=0)


def test_ragged_list_gives_per_example_gradients_of_their_own_lengths():
    net, xs = _lstm(), _sequences()
    assert net(xs).shape == (4, 4)  # what net(list) takes
    grads = net_port_gradient(net, {"Input": xs})
    assert isinstance(grads, list) and [tuple(g.shape) for g in grads] == [tuple(x.shape) for x in xs]
    for x, g in zip(xs, grads):
        torch.testing.assert_close(g, net_port_gradient(net, x[None])[0], rtol=1e-5, atol=1e-6)
    assert all(g.abs().sum() > 0 for g in grads)


def test_padded_data_gives_the_same_gradients():
    net, xs = _lstm(), _sequences()
    padded = Padded(torch.nn.utils.rnn.pad_sequence(xs, batch_first=True), [len(x) for x in xs])
    for a, b in zip(net_port_gradient(net, padded), net_port_gradient(net, xs)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_an_output_keeping_the_length_and_a_batched_port_beside():
    xs = _sequences()
    tanh = NetChain([ElementwiseLayer("Tanh")], input=("n", 3))
    for x, g in zip(xs, net_port_gradient(tanh, xs)):
        torch.testing.assert_close(g, 1 - torch.tanh(x) ** 2)
    net = net_initialize(NetGraph({"rnn": LongShortTermMemoryLayer(3), "last": SequenceLastLayer(),
                                   "lin": LinearLayer(3), "sum": TotalLayer()},
                                  [("rnn", "last"), (NetPort("Extra"), "lin"), (["last", "lin"], "sum")],
                                  Input=("n", 3), Extra=2), seed=1)
    extra = torch.randn(4, 2, generator=torch.Generator().manual_seed(5))
    grads = net_port_gradient(net, {"Input": xs, "Extra": extra})
    assert isinstance(grads["Input"], list) and grads["Extra"].shape == (4, 2)
    for i, x in enumerate(xs):
        one = net_port_gradient(net, {"Input": x[None], "Extra": extra[i:i + 1]})
        torch.testing.assert_close(grads["Input"][i], one["Input"][0], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(grads["Extra"][i], one["Extra"][0], rtol=1e-5, atol=1e-6)
    only = net_port_gradient(net, {"Input": xs, "Extra": extra}, wrt="Input")
    assert [tuple(g.shape) for g in only] == [tuple(x.shape) for x in xs]


def test_a_ragged_list_at_a_fixed_shape_port_is_still_refused():
    """A list of one shape is a batch (test_list_gradients); of different shapes it is ragged, refused here."""
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(DataError, match="has the fixed shape"):
        net_port_gradient(net, [torch.randn(3), torch.randn(4)])


def test_a_seed_per_example_is_split_by_length_group_as_a_dense_call_takes_it():
    """of={"Output": g} with one row of g per example (a dense batch takes it) was given whole to each length
    group: "the output has shape (2, 4)", a group's, for a batch of 4."""
    net, xs = _lstm(), _sequences()
    seeds = torch.randn(4, 4, generator=torch.Generator().manual_seed(5))
    grads = net_port_gradient(net, xs, of={"Output": seeds})
    for x, seed, g in zip(xs, seeds, grads):
        torch.testing.assert_close(g, net_port_gradient(net, x[None], of={"Output": seed[None]})[0],
                                   rtol=1e-5, atol=1e-6)


def test_a_seed_per_example_is_sliced_with_the_batch_size():
    net, xs = _lstm(), torch.randn(5, 3, 3, generator=torch.Generator().manual_seed(6))
    seeds = torch.randn(5, 4, generator=torch.Generator().manual_seed(7))
    whole = net_port_gradient(net, xs, of={"Output": seeds})
    torch.testing.assert_close(net_port_gradient(net, xs, of={"Output": seeds}, batch_size=2), whole,
                               rtol=1e-5, atol=1e-6)
    for x, seed, g in zip(xs, seeds, whole):  # row i seeds example i
        torch.testing.assert_close(net_port_gradient(net, x[None], of={"Output": seed})[0], g, rtol=1e-5, atol=1e-6)


def _sequence_output() -> tuple[NetChain, list[torch.Tensor], list[torch.Tensor]]:
    g = torch.Generator().manual_seed(4)
    net = net_initialize(NetChain([GatedRecurrentLayer(3)], input=("n", 2)), seed=0)
    return net, [torch.randn(n, 2, generator=g) for n in (4, 2, 4)], [torch.randn(n, 3, generator=g) for n in (4, 2, 4)]


@pytest.mark.parametrize("padded", [False, True])
def test_per_example_seeds_of_a_sequence_output_seed_each_example(padded):
    net, xs, seeds = _sequence_output()
    of = Padded(torch.nn.utils.rnn.pad_sequence(seeds, batch_first=True), [4, 2, 4]) if padded else seeds
    grads = net_port_gradient(net, xs, of={"Output": of})
    for x, seed, grad in zip(xs, seeds, grads):  # a vector-Jacobian product per example, as each alone gives it
        torch.testing.assert_close(grad, net_port_gradient(net, x[None], of={"Output": seed[None]})[0])


def test_a_seed_that_does_not_fit_a_sequence_output_names_the_port_example_and_shapes():
    net, xs, seeds = _sequence_output()
    for of, words in [(torch.randn(2, 3), "at example 0 has shape (2, 3), its output there has shape (4, 3); give "
                                          "one gradient per example"),
                      ([seeds[0], torch.randn(3, 3), seeds[2]], "at example 1 has shape (3, 3), its output there "
                                                                "has shape (2, 3)"),
                      (seeds[:2], "output port 'Output' takes one gradient per example (3), found 2")]:
        with pytest.raises(OptionError) as caught:
            net_port_gradient(net, xs, of={"Output": of})
        assert words in str(caught.value) and caught.value.port == "Output" and caught.value.kind == "data-shape"


def test_per_example_seeds_on_dense_data_seed_each_example():
    """A list of seeds, one per example, on dense data (examples of one length, or of a fixed shape) was read as one
    tensor ("cannot make a tensor from list"): each example's output is seeded with its own, exactly."""
    weights = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    net = NetChain([LinearLayer(2, weights=weights, biases=torch.zeros(2))], input=3)
    seeds = [torch.tensor([1.0, 0.0]), torch.tensor([0.5, -2.0])]
    grads = net_port_gradient(net, {"Input": torch.randn(2, 3)}, of={"Output": seeds})
    assert torch.equal(grads, torch.stack([seeds[0] @ weights, seeds[1] @ weights]))
    rnn, xs = net_initialize(NetChain([GatedRecurrentLayer(3)], input=("n", 2)), seed=0), torch.randn(2, 3, 2)
    rows = [torch.full((3, 3), 2.0), torch.ones(3, 3)]
    assert torch.equal(net_port_gradient(rnn, {"Input": xs}, of={"Output": rows}),
                       net_port_gradient(rnn, {"Input": xs}, of={"Output": torch.stack(rows)}))
    with pytest.raises(OptionError, match="takes one gradient per example") as raised:
        net_port_gradient(rnn, {"Input": xs}, of={"Output": rows[:1]})
    assert (raised.value.kind, raised.value.expected, raised.value.found) == ("data-shape", 2, 1)
