"""``net(list_of_examples)`` and ``Padded`` sequences differentiate as a batch tensor does: with inputs that require
grad, each example's tensor gets the gradient its row of the batch call gets. A list of tensors of one shape at a
port of fixed shape was refused as ragged data ('a list of tensors (one per example, of different lengths) is only
for a port with a variable length'), so a list of examples could not be differentiated at all; it is now the batch
they stack to."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import (AggregationLayer, GatedRecurrentLayer, LinearLayer, NetChain, NetMapOperator, Padded,
                      SequenceLastLayer, SoftmaxLayer, net_initialize, net_port_gradient)

_LENGTHS = (3, 5, 3, 1)


def _linear():
    return net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)


def _rows(count, *shape, seed=0, dtype=torch.float32):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=generator, dtype=dtype) for _ in range(count)]


def test_a_list_of_examples_at_a_fixed_port_gets_the_batch_calls_gradients():
    net, xs = _linear(), [x.requires_grad_() for x in _rows(4, 3)]
    seed = torch.arange(8.0).reshape(4, 2)  # d(sum(seed * y))/dx = seed @ W, exactly
    (net(xs) * seed).sum().backward()
    batch = torch.stack([x.detach() for x in xs]).requires_grad_()
    (net(batch) * seed).sum().backward()
    got = torch.stack([x.grad for x in xs])
    assert torch.equal(got, batch.grad)
    torch.testing.assert_close(got, seed @ net.layers["1"].arrays["Weights"], rtol=0, atol=1e-6)


def test_a_list_of_examples_evaluates_as_their_batch_without_a_graph_unless_asked():
    net, xs = _linear(), _rows(3, 3)
    out = net(xs)
    assert torch.equal(out, net(torch.stack(xs))) and not out.requires_grad
    assert torch.equal(net([x.numpy().astype(np.float64) for x in xs]), out)  # numpy arrays, another dtype: cast


def test_net_port_gradient_of_a_list_of_examples_is_the_batch_s():
    net, xs = _linear(), _rows(3, 3)
    assert torch.equal(net_port_gradient(net, xs), net_port_gradient(net, torch.stack(xs)))


def test_examples_of_different_shapes_at_a_fixed_port_are_still_refused():
    from netgraph import DataError
    with pytest.raises(DataError, match=r"has the fixed shape \(3\); a list of tensors \(one per example, of "
                                        r"different lengths\)"):
        _linear()([torch.ones(3), torch.ones(2)])


_SEQUENCE_NETS = {
    "padded run (each layer honours lengths)": [GatedRecurrentLayer(3), SequenceLastLayer()],
    "padded run, a sequence output": [NetMapOperator(LinearLayer(2))],
    "length groups (a softmax over the sequence)": [NetMapOperator(LinearLayer(2)), SoftmaxLayer(level=1),
                                                    AggregationLayer("Total", levels=1)],
}


@pytest.mark.parametrize("layers", list(_SEQUENCE_NETS.values()), ids=list(_SEQUENCE_NETS))
@pytest.mark.parametrize("form", ["list", "Padded"])
def test_ragged_sequences_get_each_one_s_batch_call_gradients(layers, form):
    net = net_initialize(NetChain(layers, input=["n", 2]), seed=0)
    sequences = [x.requires_grad_() for x in (_rows(1, n, 2, seed=n)[0] for n in _LENGTHS)]
    given = sequences if form == "list" else Padded(torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True),
                                                     list(_LENGTHS))
    out = net(given)
    outs = out if isinstance(out, list) else list(out)
    assert all(y.requires_grad for y in outs)
    sum((y * torch.arange(1.0, y.numel() + 1).reshape(y.shape)).sum() for y in outs).backward()
    for x in sequences:
        alone = x.detach()[None].requires_grad_()
        y = net(alone)[0]
        (y * torch.arange(1.0, y.numel() + 1).reshape(y.shape)).sum().backward()
        torch.testing.assert_close(x.grad, alone.grad[0], rtol=1e-5, atol=1e-6)


def test_a_list_of_batches_is_told_to_be_joined_with_torch_cat():
    """Found in review: [batch, batch] was stacked and refused with a shape never passed, 'found (2, 4, 3)'."""
    from netgraph import DataError, LinearLayer, NetChain, net_initialize, net_port_gradient
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    for call in (net, lambda x: net_port_gradient(net, x)):
        with pytest.raises(DataError, match=r"^input port 'Input' takes examples of rank 1, but it was given a list "
                                            r"of 2 tensors of shape \(4, 3\), each a batch: join them into one batch "
                                            r"with torch\.cat\(batches\)") as info:
            call([torch.ones(4, 3), torch.ones(4, 3)])
        d = info.value.diagnostics[0]
        assert (d.kind, d.port, d.expected, d.found) == ("data-shape", "Input", 1, ((4, 3),))


def test_examples_on_different_devices_are_told_so():
    from netgraph import DataError, ElementwiseLayer, LinearLayer, NetChain, net_initialize
    fixed = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    for net in (fixed, ElementwiseLayer("Tanh")):  # a port of fixed shape and one of unknown shape alike
        with pytest.raises(DataError, match=r"its 2 examples are on different devices \(cpu, meta\); move them to "
                                            r"one first") as info:
            net([torch.ones(3), torch.ones(3, device="meta")])
        assert (info.value.diagnostics[0].kind, info.value.diagnostics[0].found) == ("data-device", ("cpu", "meta"))


def test_a_tuple_of_examples_is_refused_at_fixed_and_unknown_shape_ports_alike():
    """Found in review: a port of unknown shape stacked a tuple that one of fixed shape refused."""
    from netgraph import DataError, ElementwiseLayer, NetChain, net_initialize
    said = []
    for net in (net_initialize(NetChain([ElementwiseLayer("Tanh")], input=3), seed=0), ElementwiseLayer("Tanh")):
        with pytest.raises(DataError) as info:
            net((torch.ones(3), torch.ones(3)))
        said.append((str(info.value), info.value.diagnostics[0].kind))
    assert said[0] == said[1] and "a tuple of tensors is no batch" in said[0][0]
    assert ElementwiseLayer("Tanh")([torch.zeros(3), torch.zeros(3)]).shape == (2, 3)  # the list is the batch form
