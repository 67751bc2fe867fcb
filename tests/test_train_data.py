"""net_train's data forms, the up-front data check, and automatic and explicit losses."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from netgraph import (
    CrossEntropyLossLayer,
    DataError,
    ElementwiseLayer,
    EmbeddingLayer,
    FunctionLayer,
    GatedRecurrentLayer,
    LinearLayer,
    MeanAbsoluteLossLayer,
    MeanSquaredLossLayer,
    NetChain,
    NetArrayLayer,
    NetGraph,
    NetPort,
    OptionError,
    SequenceLastLayer,
    SoftmaxLayer,
    net_initialize,
)
from netgraph.train import TrainingError, net_train
from netgraph.core.types import PortType
from netgraph.train.data import Expect, check_columns
from netgraph.train.loss import attach_losses
from tests.test_train import known_function, mlp


def classifier(final=None) -> NetGraph:
    return NetGraph({"lin": LinearLayer(3), "sm": final or SoftmaxLayer()}, [("lin", "sm")], Input=2)


def blobs(n: int = 300) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % 3
    centres = torch.tensor([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    return centres[labels] + 0.4 * torch.randn(n, 2, generator=g), labels


class Examples(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"Input": self.x[i], "Target": self.y[i]}


# -- bad data: one DataError before any step ---------------------------------------------------------------
def test_every_data_problem_is_reported_at_once_before_any_step():
    steps = []
    net = NetGraph({"lin": LinearLayer(3), "sm": SoftmaxLayer()}, [("lin", "sm")], Input=4)
    data = {"Input": torch.randn(10, 5), "Target": torch.rand(9)}  # wrong shape, wrong dtype, 10 vs 9 examples
    with pytest.raises(DataError) as info:
        net_train(net, data, progress=lambda i: steps.append(i))
    message = str(info.value)
    assert message.startswith("bad training data: 3 problems")
    assert ("input port 'Input' (key 'Input'): expected shape (b, 4) with b the number of examples, "
            "found (10, 5)") in message
    assert ("target of output port 'Output' (cross-entropy; key 'Output' works too) (key 'Target'): class labels "
            "must be integers (class indices from 0, shape (b)) or class names (with a ClassDecoder on the output "
            "port), found non-integer values of dtype torch.float32") in message
    assert "input port 'Target'" not in message  # the key is a loss target, not an input
    assert "every key must hold the same number of examples (dim 0), found {'Input': 10, 'Target': 9}" in message
    assert steps == []


def test_missing_and_unknown_keys_suggest_the_right_name():
    x, y = known_function(8, 0)
    with pytest.raises(DataError) as info:
        net_train(mlp(), {"Input": x, "Targte": y}, progress=False)
    message = str(info.value)
    assert ("missing key 'Target': target of output port 'Output' (mean squared error; key 'Output' works "
            "too), shape (b, 1) (did you mean 'Targte'?)") in message
    assert "unknown key 'Targte' (did you mean 'Target'?)" in message
    with pytest.raises(DataError, match=r"missing key 'Input': input port 'Input', shape \(b, 2\)"):
        net_train(mlp(), {"Target": y}, progress=False)


def test_the_output_name_works_as_the_target_key():
    x, y = known_function(64, 0)
    a = net_train(mlp(), {"Input": x, "Output": y}, max_training_rounds=2, random_seed=0, progress=False)
    b = net_train(mlp(), {"Input": x, "Target": y}, max_training_rounds=2, random_seed=0, progress=False)
    assert torch.equal(a.layers["out"].arrays["Weights"], b.layers["out"].arrays["Weights"])


@pytest.mark.parametrize("data, message", [
    ({"Input": torch.randn(4, 2), "Target": torch.tensor([0, 1, 3, 2])},
     "class indices must lie in 0..2 (the output has 3 classes), found values in 0..3"),
    ({"Input": torch.randn(4, 2), "Target": torch.tensor([0, 1, -1, 2])}, "found values in -1..2"),
    ({"Input": torch.randn(2), "Target": torch.tensor([0])},
     "found (2,) (one example without the example dimension? data needs one along dim 0)"),
    ({}, "training data is an empty dict"),
    ([], "training data is an empty list"),
    ([{"Input": [1.0, 2.0], "Target": 0}, {"Input": [1.0, 2.0]}], "every example must have the same keys"),
    ([{"Input": [1.0, 2.0], "Target": 0}, 3], "example 1 is int"),
    (torch.randn(4, 2), "training data must be a dict of port -> array"),
    ({"Input": "abc", "Target": [0]}, "key 'Input': cannot make a tensor from str"),
    (({"Input": torch.randn(4, 2)}, torch.tensor([0, 1, 2, 0])),  # Keras's fit({"Input": x}, y)
     "a pair (inputs, targets) whose inputs are a dict: put the targets in it, {'Input': ..., 'Target': targets}"),
])
def test_bad_data_forms(data, message):
    with pytest.raises(DataError) as info:
        net_train(classifier(), data, progress=False)
    assert message in str(info.value)


def test_complex_data_is_refused_in_one_sentence():
    """It went on '... (takes a dense real tensor, found a complex tensor of dtype torch.complex64)'."""
    with pytest.raises(DataError) as info:
        net_train(classifier(), {"Input": torch.randn(3, 2) * 1j, "Target": torch.tensor([0, 1, 2])}, progress=False)
    assert str(info.value).endswith("input port 'Input' (key 'Input'): expected real values, found dtype torch.complex64")


def test_a_list_of_examples_without_keys_is_the_data_error_of_an_empty_dict():
    """A net without inputs whose loss needs no target reads no key: a list of empty examples once raised a bare
    StopIteration from inside the batching."""
    net = NetGraph({"w": NetArrayLayer(array=[0.5]), "loss": FunctionLayer("#x * #x", output=1)},
                   [("w", "loss", NetPort("Loss"))])
    with pytest.raises(DataError, match=r"training data is a list of examples that hold no keys; give one array per "
                                        r"input port and target"):
        net_train(net, [{}] * 4, loss_function="Loss", progress=False)

def test_binary_targets_must_be_probabilities():
    net = classifier(ElementwiseLayer("LogisticSigmoid"))
    with pytest.raises(DataError, match=r"targets are probabilities and must lie in \[0, 1\], found values in \[0, 2\]"):
        net_train(net, {"Input": torch.randn(4, 2), "Target": torch.tensor([[0.0, 1, 2]] * 4)}, progress=False)


def test_probability_vector_targets_of_a_softmax_must_be_probabilities():
    """Float targets of a Softmax output (cross-entropy over probability vectors) were not checked: randn * 3
    trained to a negative loss."""
    data = {"Input": torch.randn(4, 2), "Target": torch.tensor([[0.2, 0.8, 0.0]] * 3 + [[-1.0, 2.0, 0.0]])}
    with pytest.raises(DataError, match=r"targets are probabilities and must lie in \[0, 1\], found values in \[-1, 2\]"):
        net_train(classifier(), data, progress=False)
    data["Target"] = data["Target"].clamp(0, 1)
    net_train(classifier(), data, progress=False, max_training_rounds=1)


def test_nan_in_the_data_and_infinities_in_targets_are_named_by_key_and_example_before_any_step():
    steps = []
    x, y = known_function(64, 0)
    x[7, 0], y[5, 0], y[9, 0], y[40, 0] = float("nan"), float("nan"), float("inf"), float("-inf")
    with pytest.raises(DataError) as info:
        net_train(mlp(), {"Input": x, "Target": y}, progress=lambda i: steps.append(i))
    assert str(info.value) == (
        "bad training data: 2 problems:\n"
        "  - input port 'Input' (key 'Input'): example 7 holds NaN, which makes the loss non-finite; remove or fix "
        "such examples\n"
        "  - target of output port 'Output' (mean squared error; key 'Output' works too) (key 'Target'): example 5 "
        "holds NaN (3 examples of 64 hold NaN or infinities), which makes the loss non-finite; remove or fix such "
        "examples")
    assert steps == []
    x[7, 0] = float("inf")  # an input may be infinite (a mask, say): training reaches it, and names it
    with pytest.raises(TrainingError, match=r"the batch's data is not finite \(key 'Input': example 7 holds an "
                                            r"infinite value; key 'Target': example 5 holds NaN \(also examples "
                                            r"9, 40\)\)"):   # by their indices in the data given
        net_train(mlp(), {"Input": x, "Target": y}, loss_function=lambda out, batch: out["Output"].sum() *
                  batch["Target"].sum(), batch_size=64, progress=False)


def test_large_finite_values_whose_sum_overflows_pass_the_nan_check():
    big = torch.full((4, 1), 3e38)  # the check's fast pass sums to inf, then finds no bad example
    expect = {"x": Expect(PortType((1,)), "target", finite=True)}
    assert torch.equal(check_columns({"x": big}, expect, False, "training data")["x"], big)


def test_a_loss_functions_own_key_holding_nan_is_named_when_the_loss_goes_nan():
    x, y = known_function(8, 0)
    y[3, 0] = float("nan")
    with pytest.raises(TrainingError) as info:
        net_train(mlp(), {"Input": x, "Y": y}, loss_function=lambda out, batch: (out["Output"] - batch["Y"]).square(),
                  batch_size=8, progress=False, random_seed=0)
    assert ("the loss is nan; every layer output was finite, but the batch's data is not (key 'Y': example "
            in str(info.value)) and "example 3 holds NaN)" in str(info.value)


def test_a_loaders_first_batch_and_the_validation_set_are_checked_up_front():
    steps = []
    loader = DataLoader(Examples(torch.randn(8, 3), torch.randn(8, 1)), batch_size=4)
    with pytest.raises(DataError, match=r"bad training data \(batch 1\): input port 'Input' \(key 'Input'\): "
                                        r"expected shape \(b, 2\)"):
        net_train(mlp(), loader, progress=lambda i: steps.append(i))
    x, y = known_function(8, 0)
    with pytest.raises(DataError, match=r"bad validation_set: .*expected shape \(b, 1\).*found \(8, 2\)"):
        net_train(mlp(), {"Input": x, "Target": y}, validation_set={"Input": x, "Target": x},
                  progress=lambda i: steps.append(i))
    with pytest.raises(DataError, match=r"bad training data \(batch 1\): .*expected shape \(b, 2\)"):
        net_train(mlp(), DataLoader(torch.utils.data.TensorDataset(x[:, :1], y), batch_size=4), progress=False)
    assert steps == []


def test_a_pair_needs_a_single_input_net():
    two = NetGraph({"f": FunctionLayer("#a + #b")}, [], a=2, b=2)
    with pytest.raises(DataError, match=r"a pair \(inputs, targets\) needs a net with exactly one input port"):
        net_train(two, (torch.randn(4, 2), torch.randn(4, 2)), progress=False)


# -- data forms give the same training -------------------------------------------------------------------
def test_list_of_examples_pair_and_dict_train_identically():
    x, y = known_function(48, 0)
    net = net_initialize(mlp(), seed=0)
    kw = dict(max_training_rounds=2, batch_size=16, random_seed=3, progress=False)
    a = net_train(net, {"Input": x, "Target": y}, **kw)
    b = net_train(net, [{"Input": xi.tolist(), "Target": yi} for xi, yi in zip(x, y)], **kw)
    c = net_train(net, (x.numpy(), y.numpy()), **kw)
    for other in (b, c):
        assert torch.equal(a.layers["h"].arrays["Weights"], other.layers["h"].arrays["Weights"])


def test_dataloader_and_dataset_train():
    x, y = known_function(256, 0)
    loader = DataLoader(Examples(x, y), batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0))
    r = net_train(mlp(), loader, max_training_rounds=8, learning_rate=0.01, progress=False, all=True)
    assert r.total_batches == 64 and r.examples_processed == 8 * 256
    assert r.round_losses[-1] < 0.5 * r.round_losses[0]
    r = net_train(mlp(), Examples(x, y), batch_size=64, max_training_rounds=2, progress=False, all=True)
    assert r.total_batches == 8


def test_a_generator_of_batches_trains_on_every_batch_and_is_refused_up_front_for_more_rounds():
    x, y = known_function(40, 0)
    drawn = []

    def batches():
        for i in range(0, 40, 10):
            drawn.append(i)
            yield {"Input": x[i:i + 10], "Target": y[i:i + 10]}
    r = net_train(mlp(), batches(), max_training_rounds=1, random_seed=0, progress=False, all=True)
    assert drawn == [0, 10, 20, 30] and r.total_batches == 4 and r.examples_processed == 40
    drawn.clear()
    refused = r"training data is a one-shot iterable .* 3 rounds would run .* give a re-iterable \(a DataLoader"
    with pytest.raises(DataError, match=refused):
        net_train(mlp(), batches(), max_training_rounds=3, random_seed=0, progress=False)
    assert drawn == [0]  # refused before any training step, not when round 2 finds it spent
    with pytest.raises(DataError, match=r"validation_set is a one-shot iterable"):
        net_train(mlp(), {"Input": x, "Target": y}, validation_set=batches(), max_training_rounds=2, progress=False)
    with pytest.raises(DataError, match=r"gave no batch when iterated again for the next round \(pass 2\)"):
        net_train(mlp(), batches(), max_training_time=60, random_seed=0, progress=False)  # spent before the time
    listed = [{"Input": x[i:i + 10], "Target": y[i:i + 10]} for i in range(0, 40, 10)]
    r = net_train(mlp(), iter(listed), max_training_rounds=1, progress=False, all=True)
    assert r.total_batches == 4


# -- automatic losses ---------------------------------------------------------------------------------------
def test_softmax_output_gets_cross_entropy_with_index_targets():
    x, labels = blobs()
    r = net_train(classifier(), {"Input": x, "Target": labels}, max_training_rounds=30, learning_rate=0.05,
                  random_seed=0, progress=False, all=True)
    assert r.loss_function == "cross-entropy on 'Output' vs key 'Target'"
    accuracy = (r.trained_net(x).argmax(-1) == labels).float().mean()
    assert accuracy > 0.97
    with torch.no_grad():
        probs = r.trained_net(x)
    ce = -torch.log(probs[torch.arange(len(labels)), labels]).mean().item()
    assert r.round_losses[-1] == pytest.approx(ce, rel=0.2)


def test_softmax_with_probability_targets_and_sigmoid_with_binary_targets():
    x, labels = blobs(60)
    onehot = torch.nn.functional.one_hot(labels, 3).float()
    r = net_train(classifier(), {"Input": x, "Target": onehot}, max_training_rounds=1, progress=False, all=True)
    assert r.loss_function == "cross-entropy (probabilities) on 'Output' vs key 'Target'"
    r = net_train(classifier(ElementwiseLayer("LogisticSigmoid")), {"Input": x, "Target": onehot},
                  max_training_rounds=20, learning_rate=0.05, progress=False, all=True, random_seed=0)
    assert r.loss_function == "binary cross-entropy on 'Output' vs key 'Target'"
    assert r.round_losses[-1] < 0.5 * r.round_losses[0]


def test_an_output_named_loss_is_used_as_is():
    net = NetGraph({"lin": LinearLayer(1), "loss": MeanSquaredLossLayer()},
                   [("lin", NetPort("loss", "Input"))], Input=2)
    assert net.input_ports == ("Input", "Target") and net.output_ports == ("Loss",)
    x, y = known_function(64, 0)
    r = net_train(net, {"Input": x, "Target": y}, max_training_rounds=3, progress=False, all=True)
    assert r.loss_function == "output 'Loss' as the loss"


def test_several_outputs_read_targets_under_their_port_names():
    net = NetGraph({"a": LinearLayer(1), "b": LinearLayer(2)}, [(NetPort("a", "Output"), NetPort("A")),
                                                                (NetPort("b", "Output"), NetPort("B"))], Input=2)
    x, y = known_function(32, 0)
    with pytest.raises(DataError, match="missing key 'B': target of output port 'B'"):
        net_train(net, {"Input": x, "A": y}, progress=False)
    r = net_train(net, {"Input": x, "A": y, "B": x}, max_training_rounds=1, progress=False, all=True)
    assert r.loss_function == "mean squared error on 'A' vs key 'A' + mean squared error on 'B' vs key 'B'"


# -- explicit losses ---------------------------------------------------------------------------------------------
def test_weighted_dict_of_losses_adds_the_terms():
    net = net_initialize(NetGraph({"a": LinearLayer(1), "b": LinearLayer(2)},
                                  [(NetPort("a", "Output"), NetPort("A")), (NetPort("b", "Output"), NetPort("B"))],
                                  Input=2), seed=0)
    x, y = known_function(16, 0)
    batch = {"Input": x, "A": y, "B": x}
    outputs = net(Input=x)
    def mean_b(o, d):
        return o["B"].mean(1)
    loss = attach_losses(net, {"A": 2.0, "B": (MeanAbsoluteLossLayer(), 0.5), "extra": mean_b})
    loss.targets(batch)
    per_example, total = loss(outputs, batch, 16)
    expected = (2 * (outputs["A"] - y).square()[:, 0] + 0.5 * (outputs["B"] - x).abs().mean(1) + outputs["B"].mean(1))
    torch.testing.assert_close(per_example, expected)
    torch.testing.assert_close(total, expected.mean())
    assert loss.describe() == ("2 * mean squared error on 'A' vs key 'A' + 0.5 * MeanAbsoluteLossLayer on 'B' vs "
                               "key 'B' + mean_b(outputs, batch)")


def test_a_loss_layer_a_port_and_a_callable_as_loss_function():
    x, labels = blobs(60)
    logits = NetGraph({"lin": LinearLayer(3)}, [], Input=2)
    r = net_train(logits, {"Input": x, "Target": labels}, loss_function=CrossEntropyLossLayer("Index", logits=True),
                  max_training_rounds=10, learning_rate=0.05, progress=False, all=True)
    assert r.loss_function == "CrossEntropyLossLayer on 'Output' vs key 'Target'"
    assert r.round_losses[-1] < 0.5 * r.round_losses[0]
    with pytest.raises(DataError, match="class indices must lie in 0..2"):
        net_train(logits, {"Input": x, "Target": labels + 1}, loss_function=CrossEntropyLossLayer("Index", logits=True))
    squares = NetGraph({"lin": LinearLayer(1), "sq": ElementwiseLayer("Square")}, [("lin", "sq")], Input=2)
    r = net_train(squares, {"Input": x}, loss_function="Output", max_training_rounds=5, progress=False, all=True)
    assert r.round_losses[-1] < r.round_losses[0]
    r = net_train(mlp(), {"Input": x, "y": labels.float()}, max_training_rounds=2, progress=False, all=True,
                  loss_function=lambda out, batch: (out["Output"][:, 0] - batch["y"]).abs())
    assert r.loss_function == "<lambda>(outputs, batch)"


def test_bad_loss_functions():
    x, y = known_function(8, 0)
    with pytest.raises(OptionError, match=r"must have an input port 'Input'.*it has inputs \['a', 'b'\]"):
        net_train(mlp(), {"Input": x, "Target": y}, loss_function=FunctionLayer("#a * #b"))
    with pytest.raises(OptionError, match="key 'Outptu' is not an output port"):
        net_train(mlp(), {"Input": x, "Target": y}, loss_function={"Outptu": 1.0})
    with pytest.raises(OptionError, match="must return a tensor"):
        net_train(mlp(), {"Input": x}, loss_function=lambda o, b: 3.0, progress=False)
    with pytest.raises(OptionError, match="does not depend on any trainable array"):
        net_train(mlp(), {"Input": x}, loss_function=lambda o, b: b["Input"].sum(), progress=False)


def test_a_missing_data_folder_and_odd_options_are_named(tmp_path):
    with pytest.raises(DataError, match=r"^training data: no image folder or data file '.*imges'; a path given as "
                                        r"data is a folder of images with one sub-folder per label"):
        net_train(classifier(), str(tmp_path / "imges"), progress=False)
    (tmp_path / "x.npz").write_bytes(b"")  # read as netgraph train --data reads it
    with pytest.raises(DataError, match=r"cannot read data file '.*x.npz': the file is empty"):
        net_train(classifier(), tmp_path / "x.npz", progress=False)
    (tmp_path / "x.txt").write_text("1 2 3")
    with pytest.raises(DataError, match=r"'.*x.txt' is a file, not a .csv, .jsonl, .npz or .safetensors file"):
        net_train(classifier(), tmp_path / "x.txt", progress=False)
    x, y = blobs(30)
    for value in (0, 1, True):
        with pytest.raises(OptionError, match=r"validation_set takes a fraction of the data to hold out, strictly "
                                              r"between 0 and 1 \(e.g. 0.2\), or validation data"):
            net_train(classifier(), {"Input": x, "Target": y}, validation_set=value, progress=False)
    with pytest.raises(OptionError, match=r"distributed= must be True or False, found 'yes'"):
        net_train(classifier(), {"Input": x, "Target": y}, distributed="yes", progress=False)
    with pytest.raises(OptionError, match=r"all= and return_results= are the same option .*found all=True and "
                                          r"return_results=False"):
        net_train(classifier(), {"Input": x, "Target": y}, all=True, return_results=False, progress=False)
    r = net_train(classifier(), {"Input": x, "Target": y}, all=True, return_results=True, max_training_rounds=1,
                  progress=False)
    assert r.total_rounds == 1


@pytest.mark.parametrize("data", [
    {"Input": torch.randn(32, 5), "Target": torch.randn(32, 1)},
    (torch.randn(32, 5), torch.randn(32, 1)),
    [{"Input": [0.1, 0.2, 0.3, 0.4, 0.5], "Target": [1.0]}] * 8,
    [(torch.randn(5), torch.randn(1)) for _ in range(8)]])
def test_input_shapes_the_net_leaves_open_are_read_from_the_data(data):
    # Wolfram's NetTrain infers them; it was "cannot initialise arrays of unknown shape" (and a ShapeError for a list
    # of (input, target) pairs, Wolfram's {x1 -> y1, ...}, the data form the other three stand for)
    from netgraph import NetChain, ShapeError
    trained = net_train(NetChain([LinearLayer(3), "Tanh", LinearLayer(1)]), data, max_training_rounds=1,
                        progress=False, random_seed=0)
    assert trained.input_shapes == {"Input": (5,)}
    partial = net_train(NetChain([LinearLayer(1)], input=(None,)), data, max_training_rounds=1, progress=False)
    assert partial.input_shapes == {"Input": (5,)}
    with pytest.raises(ShapeError, match=r"net_train: graph input 'Input' \(feeding layer 1 \(LinearLayer\) port 'Input'\) has "
                                         r"unknown shape \?, and the training data "
                                         r"does not show it .*NetChain\(layers, input=3\)"):
        net_train(NetChain([LinearLayer(1)]), {"Input": [[1.0, 2.0], [3.0]], "Target": torch.randn(2, 1)},
                  max_training_rounds=1, progress=False)


def test_nested_lists_of_different_lengths_in_training_data_are_ragged_examples():
    net = NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(4), SequenceLastLayer(), LinearLayer(2),
                    SoftmaxLayer()], input=["n"])
    lists = net_train(net, {"Input": [[1, 2, 3], [4]], "Target": torch.tensor([0, 1])}, max_training_rounds=1,
                      random_seed=0, progress=False)  # token lists of different lengths: the ragged form
    tensors = net_train(net, {"Input": [torch.tensor([1, 2, 3]), torch.tensor([4])], "Target": torch.tensor([0, 1])},
                        max_training_rounds=1, random_seed=0, progress=False)
    assert torch.equal(lists.layers["4"].arrays["Weights"], tensors.layers["4"].arrays["Weights"])
