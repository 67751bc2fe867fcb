"""Whole networks from the catalogue: a LeNet and an LSTM classifier build, infer, compile and train."""

from __future__ import annotations

import torch
from torch import nn

from netgraph import (ConvolutionLayer, CrossEntropyLossLayer, EmbeddingLayer, FlattenLayer, LinearLayer,
                      LongShortTermMemoryLayer, NetChain, NetGraph, PoolingLayer, SequenceLastLayer, SoftmaxLayer,
                      net_initialize)


def lenet() -> NetChain:
    return NetChain({
        "conv1": ConvolutionLayer(6, 5, padding_size=2), "relu1": "Ramp", "pool1": PoolingLayer(2, stride=2),
        "conv2": ConvolutionLayer(16, 5), "relu2": "Ramp", "pool2": PoolingLayer(2, stride=2),
        "flat": FlattenLayer(), "fc1": 120, "relu3": "Ramp", "fc2": 84, "relu4": "Ramp", "fc3": 10,
        "softmax": SoftmaxLayer(),
    }, input=(1, 28, 28))


def train(module: nn.Module, steps: int, lr: float, **data: torch.Tensor) -> list[float]:
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = module(**data).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_lenet_infers_compiles_equals_torch_and_trains():
    net = lenet()
    assert net.layer_types("pool1")["Output"].shape == (6, 14, 14)
    assert net.layer_types("flat")["Output"].shape == (400,)
    assert net.output_shapes == {"Output": (10,)}
    module = net_initialize(net, seed=0).compile()
    hand = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10), nn.Softmax(-1))
    with torch.no_grad():
        for ours, theirs in (("conv1", 0), ("conv2", 3), ("fc1", 7), ("fc2", 9), ("fc3", 11)):
            hand[theirs].weight.copy_(module.get_submodule(ours).Weights)
            hand[theirs].bias.copy_(module.get_submodule(ours).Biases)
    x = torch.randn(16, 1, 28, 28)
    torch.testing.assert_close(module(x), hand(x))

    training = NetGraph({"lenet": net, "loss": CrossEntropyLossLayer("Index")}, [("lenet", "loss")])
    training = net_initialize(training, seed=0)
    assert training.input_ports == ("Input", "Target")
    labels = torch.arange(16) % 10
    losses = train(training.compile(), steps=15, lr=3e-3, Input=x, Target=labels)
    assert losses[-1] < 0.5 * losses[0]  # memorises 16 examples; ln(10) = 2.3 at the start


def test_lstm_classifier_on_variable_length_sequences_trains():
    torch.manual_seed(0)
    classifier = NetChain([EmbeddingLayer(8, 12), LongShortTermMemoryLayer(16), SequenceLastLayer(), LinearLayer(3),
                           SoftmaxLayer()], input=["n"])
    assert classifier.port_types["Input"].dtype == "Integer"
    assert classifier.output_shapes == {"Output": (3,)}
    net = net_initialize(NetChain([classifier, CrossEntropyLossLayer("Index")]), seed=0)
    module = net.compile()
    tokens = torch.randint(0, 12, (32, 6))
    labels = tokens[:, 0] % 3  # the class is told by the first token: the LSTM must remember it
    losses = train(module, steps=40, lr=0.03, Input=tokens, Target=labels)
    assert losses[-1] < 0.5 * losses[0]
    trained = module.to_net().layers["1"]
    probabilities = trained(tokens)
    assert probabilities.shape == (32, 3)
    accuracy = (probabilities.argmax(-1) == labels).float().mean().item()
    assert accuracy > 0.8
    assert trained(torch.randint(0, 12, (4, 11))).shape == (4, 3)  # another length works too
