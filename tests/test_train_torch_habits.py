"""net_train given what a torch training loop takes: one OptionError that names netgraph's way, not a TypeError
from inside torch (found by QA with torch habits)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from netgraph import (CatenateLayer, ClassDecoder, CrossEntropyLossLayer, DataError, LinearLayer, MeanSquaredLossLayer,
                      NetChain, NetGraph, NetPort, OptionError, SoftmaxLayer, net_initialize, net_train)


def _net_and_data():
    net = net_initialize(NetChain([LinearLayer(3)], input=4), seed=0)
    rng = np.random.default_rng(0)
    return net, {"Input": rng.random((8, 4)), "Target": rng.integers(0, 3, 8)}


@pytest.mark.parametrize("loss, words", [
    (torch.nn.CrossEntropyLoss(), "CrossEntropyLossLayer('Index', logits=True)"),
    (torch.nn.CrossEntropyLoss, "CrossEntropyLossLayer('Index', logits=True)"),
    (F.cross_entropy, "CrossEntropyLossLayer('Index', logits=True)"),
    (torch.nn.MSELoss(), "MeanSquaredLossLayer()"),
    (torch.nn.SmoothL1Loss(), "lambda outputs, batch"),
])
def test_a_torch_loss_is_refused_with_the_netgraph_way(loss, words):
    net, data = _net_and_data()
    with pytest.raises(OptionError, match="torch's") as info:
        net_train(net, data, loss_function=loss, max_training_rounds=1)
    assert words in str(info.value) and "outputs['Output']" in str(info.value)
    assert info.value.diagnostics[0].option == "loss_function"


def test_a_function_of_outputs_and_batch_still_trains():
    net, data = _net_and_data()
    trained = net_train(net, data, max_training_rounds=1, random_seed=0,
                        loss_function=lambda outputs, batch: F.cross_entropy(outputs["Output"], batch["Target"]))
    assert trained.port_types["Output"].shape == (3,)


def test_a_module_of_ones_own_taking_outputs_and_batch_still_trains():
    class Loss(torch.nn.Module):
        def forward(self, outputs, batch):
            return F.cross_entropy(outputs["Output"], batch["Target"])

    net, data = _net_and_data()
    assert net_train(net, data, loss_function=Loss(), max_training_rounds=1, random_seed=0) is not None


def _sgd():
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


@pytest.mark.parametrize("call", [
    lambda net, data: net_train(net, data, method=torch.optim.SGD, max_training_rounds=1),
    lambda net, data: net_train(net, data, method=_sgd(), max_training_rounds=1),
    lambda net, data: net_train(net, data, _sgd(), max_training_rounds=1),
])
def test_a_torch_optimizer_is_refused_with_the_method_name(call):
    """Found by QA with torch habits: method=torch.optim.SGD said only 'must be a name', and an optimizer given
    after the data was taken for Keras's fit(x, y)."""
    net, data = _net_and_data()
    with pytest.raises(OptionError, match=r"torch optimizer.*method='SGD'") as info:
        call(net, data)
    assert info.value.diagnostics[0].option == "method"


@pytest.mark.parametrize("options, words", [
    ({"betas": (0.9, 0.99)}, "method=('Adam', {'betas': ...})"),
    ({"momentum": 0.9}, "method=('SGD', {'momentum': ...})"),
    ({"clip_grad_norm": 1.0}, "method=('Adam', {'max_gradient_norm': ...})"),
    ({"scheduler": "cosine"}, "method=('Adam', {'learning_rate_schedule': ...})"),
    ({"shuffle": True}, "shuffles the examples"),
    ({"method": ("SGD", {"lr": 0.1})}, "torch's lr is learning_rate"),
    ({"loss_weights": {"Output": 0.5}}, "loss_function={'Class': 1.0, 'Value': 0.5}"),
    ({"class_weight": {0: 2.0}}, "no class weights here"),
    ({"sample_weight": [1.0] * 8}, "no sample weights here: give a loss_function of your own"),
    ({"initial_epoch": 3}, "checkpoint= with resume=True continues a run at the round after its last checkpoint"),
    ({"steps_per_epoch": 10}, "a round is one pass over the data"),
])
def test_torch_training_options_say_where_they_go(options, words):
    """Found by QA with torch habits: betas= was pointed to method=('SGD', {'betas': ...}), which SGD refuses;
    clip_grad_norm=, scheduler=, shuffle= and the suboption lr got no hint."""
    net, data = _net_and_data()
    with pytest.raises(OptionError) as info:
        net_train(net, data, max_training_rounds=1, **options)
    assert words in str(info.value)


def test_a_loader_of_torch_pairs_trains_as_its_dataset_does():
    """Found by QA with torch habits: DataLoader(TensorDataset(x, y)) said only that its batches are lists; then it
    was pointed to net_train(net, dataset.tensors). Its (inputs, targets) batches now feed the net's input and
    output, as a list of pairs and the Dataset itself do (the same examples, in the loader's order)."""
    net, data = _net_and_data()
    dataset = torch.utils.data.TensorDataset(torch.tensor(data["Input"], dtype=torch.float32),
                                             torch.tensor(data["Target"]))
    train = lambda data: net_train(net, data, loss_function=CrossEntropyLossLayer("Index", logits=True),  # noqa: E731
                                   max_training_rounds=2, random_seed=0, return_results=True)
    by_dicts = torch.utils.data.DataLoader([{"Input": x, "Output": y} for x, y in dataset], batch_size=4)
    assert train(torch.utils.data.DataLoader(dataset, batch_size=4)).round_losses == train(by_dicts).round_losses


def test_a_tensor_dataset_given_itself_trains_as_its_tensors_do():
    """Found by QA with torch habits: net_train(net, TensorDataset(x, y)) spoke of 'the data loader's batches', a
    loader the user never made; its (input, target) items now feed the net's input and output as the pair of its
    tensors does."""
    net, data = _net_and_data()
    dataset = torch.utils.data.TensorDataset(torch.tensor(data["Input"], dtype=torch.float32),
                                             torch.tensor(data["Target"]))
    train = lambda data: net_train(net, data, loss_function=CrossEntropyLossLayer("Index", logits=True),  # noqa: E731
                                   max_training_rounds=2, batch_size=8, random_seed=0, return_results=True)
    assert train(dataset).round_losses == pytest.approx(train(dataset.tensors).round_losses, rel=1e-5)


@pytest.mark.parametrize("numpy_options, python_options", [
    ({"batch_size": np.int64(8)}, {"batch_size": 8}),
    ({"max_training_rounds": np.int64(3)}, {"max_training_rounds": 3}),
    ({"learning_rate": np.float32(0.5)}, {"learning_rate": float(np.float32(0.5))}),
    ({"training_stopping_criterion": np.int32(2), "validation_set": 0.25},
     {"training_stopping_criterion": 2, "validation_set": 0.25}),
    ({"learning_rate_multipliers": {1: np.float32(0.5)}}, {"learning_rate_multipliers": {1: 0.5}}),
    ({"learning_rate_multipliers": np.float32(0.5)}, {"learning_rate_multipliers": 0.5}),
    ({"num_workers": np.int64(0)}, {"num_workers": 0}),
    ({"validation_set": np.float32(0.25)}, {"validation_set": 0.25}),
    ({"training_stopping_criterion": {"patience": np.int64(1), "improvement": np.float32(0.5)}, "validation_set": 0.25},
     {"training_stopping_criterion": {"patience": 1, "improvement": 0.5}, "validation_set": 0.25}),
    ({"loss_function": {"Output": np.float32(2.0)}}, {"loss_function": {"Output": 2.0}}),
    ({"method": ("SGD", {"momentum": np.float32(0.5)})}, {"method": ("SGD", {"momentum": 0.5})}),
])
def test_numpy_numbers_are_options_as_python_numbers_are(numpy_options, python_options):
    """The README's "numpy's numbers work wherever Python's do": batch_size=np.int64(8) said "batch_size must be an
    integer > 0, found np.int64(8)" (np.float64 passed: it is a float)."""
    net = NetChain([LinearLayer(1)], input=2)
    data = {"Input": torch.randn(40, 2, generator=torch.Generator().manual_seed(0)), "Target": torch.ones(40, 1)}
    common = {"max_training_rounds": 2, "random_seed": 0, "progress": False}
    a = net_train(net, data, **{**common, **numpy_options})
    b = net_train(net, data, **{**common, **python_options})
    assert torch.equal(a.layers["1"].arrays["Weights"], b.layers["1"].arrays["Weights"])


def test_class_labels_for_a_net_ending_in_logits_name_the_cross_entropy_to_give():
    """A torch classifier ends in logits (nn.CrossEntropyLoss applies the softmax); ported as is, its automatic loss is
    mean squared error, and the class labels got only "expected shape (b, 3) ... found (8,)": one-hot labels would
    then have trained a regression on the logits."""
    from netgraph import NetGraph, NetPort, SoftmaxLayer
    net, data = _net_and_data()
    hint = ("; class labels? the automatic loss here is mean squared error, as no SoftmaxLayer ends the net (torch's "
            "CrossEntropyLoss takes logits): end it with SoftmaxLayer(), or give loss_function="
            "CrossEntropyLossLayer('Index', logits=True)")
    with pytest.raises(DataError) as info:
        net_train(net, data, max_training_rounds=1, progress=False)
    assert str(info.value).endswith(f"expected shape (b, 3) with b the number of examples, found (8,){hint}")
    assert net_train(net, data, loss_function=CrossEntropyLossLayer("Index", logits=True), max_training_rounds=1,
                     progress=False)
    two = NetGraph({"c": LinearLayer(3), "v": LinearLayer(1)}, [(NetPort("Input"), "c", NetPort("Class")),
                                                                (NetPort("Input"), "v", NetPort("Value"))], Input=4)
    with pytest.raises(DataError, match=re.escape("loss_function={'Class': CrossEntropyLossLayer('Index', "
                                                  "logits=True), ...}")):
        net_train(two, {"Input": data["Input"], "Class": data["Target"], "Value": data["Input"][:, :1]},
                  max_training_rounds=1, progress=False)
    regression = {"Input": data["Input"], "Target": data["Input"][:, 0]}  # real values: no word of classes
    with pytest.raises(DataError) as info:
        net_train(net, regression, max_training_rounds=1, progress=False)
    assert "class labels?" not in str(info.value)
    with pytest.raises(DataError) as info:  # a softmax's cross-entropy: its own hint for labels of shape (b, 1)
        net_train(NetChain([LinearLayer(3), SoftmaxLayer()], input=4), {**data, "Target": data["Target"][:, None]},
                  max_training_rounds=1, progress=False)
    assert "class labels?" not in str(info.value) and "a trailing dim of 1" in str(info.value)


def test_per_pixel_class_labels_for_scores_along_the_channels_say_to_move_the_classes_last():
    """A segmentation net ends in (classes, h, w) scores, as torch's cross_entropy takes them; netgraph's
    cross-entropy takes the classes last. A SoftmaxLayer(level=1) there got "as no SoftmaxLayer ends the net", and
    the CrossEntropyLossLayer('Index', logits=True) that hint named failed with no hint at all."""
    from netgraph import ConvolutionLayer, SoftmaxLayer, TransposeLayer
    conv = ConvolutionLayer(3, 1)
    data = {"Input": torch.randn(4, 2, 5, 6), "Target": torch.randint(0, 3, (4, 5, 6))}
    move = "TransposeLayer([3, 1, 2]) after the output (level 1 goes last)"
    for net, loss in [(NetChain([conv, SoftmaxLayer(level=1)], input=(2, 5, 6)), None),
                      (NetChain([conv], input=(2, 5, 6)), None),
                      (NetChain([conv], input=(2, 5, 6)), CrossEntropyLossLayer("Index", logits=True))]:
        with pytest.raises(DataError) as info:
            net_train(net, data, loss_function=loss, max_training_rounds=1, progress=False)
        message = str(info.value)
        assert "classes along level 1" in message and move in message and "no SoftmaxLayer ends" not in message
    fixed = NetChain([conv, TransposeLayer([3, 1, 2]), SoftmaxLayer()], input=(2, 5, 6))
    assert net_train(fixed, data, max_training_rounds=1, progress=False).layers["2"].perm == (3, 1, 2)


def _two_heads():
    return NetGraph({"h": LinearLayer(4), "prio": LinearLayer(1), "dl": LinearLayer(3), "dept": SoftmaxLayer()},
                    [(NetPort("a"), "h"), ("h", "prio", NetPort("priority")), ("h", "dl", "dept", NetPort("department"))],
                    a=2)


@pytest.mark.parametrize("loss, words", [
    ("mse", "Keras's 'mse' is MeanSquaredLossLayer() here"),
    ("MeanSquaredLossLayer", "give the layer itself: MeanSquaredLossLayer()"),
    ({"Output": "sparse_categorical_crossentropy"}, "Keras's 'sparse_categorical_crossentropy' is "
                                                    "CrossEntropyLossLayer('Index') here"),
])
def test_a_keras_loss_name_says_which_loss_layer_it_is(loss, words):
    """Found by QA with Keras habits: loss_function='mse' was 'not an output port', and {'Output': 'mse'} listed the
    forms a term takes, neither naming the loss layer Keras's name stands for."""
    net, data = _net_and_data()
    with pytest.raises(OptionError) as info:
        net_train(net, data, loss_function=loss, max_training_rounds=1, progress=False)
    assert words in str(info.value)


@pytest.mark.parametrize("loss, words", [
    ("CrossEntropyLoss", "torch's 'CrossEntropyLoss' is CrossEntropyLossLayer('Index', logits=True) here"),
    ("cross_entropy", "torch's 'cross_entropy' is CrossEntropyLossLayer('Index', logits=True) here"),
    ("MSELoss", "torch's 'MSELoss' is MeanSquaredLossLayer() here"),
    ({"Output": "l1_loss"}, "torch's 'l1_loss' is MeanAbsoluteLossLayer() here"),
    ("BCEWithLogitsLoss", "torch's 'BCEWithLogitsLoss' is CrossEntropyLossLayer('Binary', logits=True) here"),
    ("CrossEntropy", "give the layer itself: CrossEntropyLossLayer()"),
    ({"Output": "MeanSquared"}, "give the layer itself: MeanSquaredLossLayer()"),
])
def test_a_torch_loss_name_says_which_loss_layer_it_is(loss, words):
    """Found by QA with torch habits: loss_function='CrossEntropyLoss' (torch's class name as a string) or
    'CrossEntropy' was 'not an output port', naming no loss layer, where Keras's 'mse' named one."""
    net, data = _net_and_data()
    with pytest.raises(OptionError) as info:
        net_train(net, data, loss_function=loss, max_training_rounds=1, progress=False)
    assert words in str(info.value)


def test_keras_list_of_losses_by_output_is_shown_as_the_dict_by_port():
    data = {"a": torch.randn(8, 2), "priority": torch.randn(8, 1), "department": torch.randint(0, 3, (8,))}
    with pytest.raises(OptionError) as info:
        net_train(_two_heads(), data, loss_function=["mse", "categorical_crossentropy"], max_training_rounds=1,
                  progress=False)
    assert ("Keras's list of losses, one per output, is a dict by output port here: loss_function={'priority': "
            "MeanSquaredLossLayer(), 'department': CrossEntropyLossLayer('Probabilities')}") in str(info.value)
    trained = net_train(_two_heads(), data, max_training_rounds=1, progress=False, random_seed=0,
                        loss_function={"priority": MeanSquaredLossLayer(), "department": CrossEntropyLossLayer("Index")})
    assert trained.output_ports == ("priority", "department")


def _two_inputs(outputs=1):
    heads = {"p": LinearLayer(1), "q": LinearLayer(2)} if outputs == 2 else {"lin": LinearLayer(1)}
    edges = [("cat", name, NetPort(name)) for name in heads] if outputs == 2 else [("cat", "lin")]
    return NetGraph({"cat": CatenateLayer(), **heads}, [([NetPort("a"), NetPort("b")], "cat"), *edges], a=2, b=3)


@pytest.mark.parametrize("outputs, targets, advice", [
    (1, lambda: torch.randn(8, 1), "{'a': inputs[0], 'b': inputs[1], 'Target': targets}"),
    (2, lambda: [torch.randn(8, 1), torch.randn(8, 2)], "{'a': inputs[0], 'b': inputs[1], 'p': targets[0], "
                                                         "'q': targets[1]}"),
])
@pytest.mark.parametrize("where", ["data", "validation_set"])
def test_kerass_list_of_inputs_is_shown_as_the_dict_by_the_nets_ports(outputs, targets, advice, where):
    """Found by QA with Keras habits: net_train(net, ([xa, xb], y)) said a pair needs one input port and to give a
    dict, without the net's port names; the dict it shows trains."""
    inputs, ys = [torch.randn(8, 2), torch.randn(8, 3)], targets()
    data = {"a": inputs[0], "b": inputs[1], **({"Target": ys} if outputs == 1 else {"p": ys[0], "q": ys[1]})}
    given = {"data": (inputs, ys), "validation_set": data} if where == "data" else \
        {"data": data, "validation_set": (inputs, ys)}
    with pytest.raises(DataError) as info:
        net_train(_two_inputs(outputs), **given, max_training_rounds=1, progress=False)
    assert str(info.value) == (f"{'training data' if where == 'data' else 'validation_set'}: a pair (inputs, targets) "
                               f"needs a net with exactly one input port; this one has 2 (a, b): give a dict by port, "
                               f"Keras's list of inputs as {advice}")
    trained = net_train(_two_inputs(outputs), data, validation_set=data, max_training_rounds=1, progress=False)
    assert trained.input_ports == ("a", "b")


def test_arrays_saved_by_position_are_told_to_be_saved_by_key(tmp_path, cli):
    """np.savez(path, x, y) names the arrays arr_0, arr_1: the error said only "unknown key 'arr_0'", not why."""
    from netgraph import DataError, LinearLayer, NetChain, net_train, save
    np.savez(tmp_path / "pos.npz", np.zeros((4, 3), dtype="float32"), np.zeros((4, 1), dtype="float32"))
    net = NetChain([LinearLayer(1)], input=3)
    hint = ("unknown key 'arr_0' (numpy's name for an array saved by position: save each by its key, "
            "np.savez(path, Input=..., Target=...)); the net reads the keys 'Input' (input port 'Input'), "
            "'Target' (target of output port 'Output')")
    with pytest.raises(DataError) as info:
        net_train(net, tmp_path / "pos.npz", max_training_rounds=1, progress=False)
    assert hint in str(info.value)
    save(net, tmp_path / "s.yaml")
    ran = cli("train", "s.yaml", "--data", "pos.npz", "--rounds", "1", "--quiet")
    assert ran.code == 1 and hint in ran.err, ran.err


@pytest.mark.parametrize("as_numpy", [False, True])
def test_a_list_of_inputs_and_targets_is_told_the_pair_is_a_tuple(as_numpy):
    """Found by QA: net_train(net, [x, y]) said only "a list of examples must hold dicts; example 0 is Tensor"."""
    x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
    pair = [x.numpy(), y.numpy()] if as_numpy else [x, y]
    with pytest.raises(DataError) as info:
        net_train(NetChain([LinearLayer(3)], input=4), pair, max_training_rounds=1)
    assert str(info.value) == (f"training data: a list of examples must hold dicts (port -> value); example 0 is "
                               f"{type(pair[0]).__name__}: for inputs and targets, give the pair as a tuple, "
                               f"net_train(net, (inputs, targets)) (a list holds examples, one dict each)")


@pytest.mark.parametrize("given, written", [("0.2", "0.2 (a number, not text)"), ("20%", "0.2 (20% of the examples)"),
                                            (" 5 % ", "0.05 (5% of the examples)")])
def test_a_fraction_to_hold_out_given_as_text_says_how_it_is_written(given, written):
    """Found by QA: validation_set='0.2' (read from a config file or argv) or '20%' was looked for as a data file:
    "no image folder or data file '0.2'"."""
    x = torch.randn(10, 4)
    with pytest.raises(OptionError) as info:
        net_train(NetChain([LinearLayer(1)], input=4), (x, x[:, :1]), validation_set=given, max_training_rounds=1)
    assert str(info.value) == (f"validation_set={given!r}: a fraction of the data to hold out is written "
                               f"validation_set={written}")
    assert info.value.diagnostics[0].option == "validation_set"


class _ListItems(torch.utils.data.Dataset):
    """Items as a script writes them: features as a Python list, the label as a class name."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> dict:
        return {"Input": [float(i), 1.0, 2.0, 3.0], "Target": "ab"[i % 2]}


def test_a_loaders_python_lists_collated_by_position_say_to_give_tensors():
    """Found by QA: torch's default collate makes a Python list in each item one tensor per position; the batch's
    list of 4 tensors of 2 values said "cannot make a tensor from list: only one element tensors can be converted"."""
    class Numbers(_ListItems):
        def __getitem__(self, i: int) -> dict:
            return {**super().__getitem__(i), "Target": [0.5]}
    with pytest.raises(DataError, match=r"key 'Input': cannot make a tensor from list: .*; it is a list of 4 tensors "
                                        r"of 2 values, as torch's default collate makes from a Python list in each "
                                        r"item \(one tensor per position\): make each item's value a tensor or numpy "
                                        r"array, or give the Dataset itself to net_train"):
        net_train(NetChain([LinearLayer(1)], input=4), torch.utils.data.DataLoader(Numbers(), batch_size=2),
                  max_training_rounds=1)


class _Named(_ListItems):
    def __getitem__(self, i: int) -> dict:
        return {**super().__getitem__(i), "Input": torch.ones(4) * i}


def _labelled() -> NetChain:
    return NetChain([LinearLayer(2), SoftmaxLayer()], input=4, output=ClassDecoder(["a", "b"]))


def test_class_names_in_a_datasets_items_are_encoded_as_the_list_of_its_items_is():
    options = {"max_training_rounds": 2, "batch_size": 4, "random_seed": 0}
    by_dataset = net_train(_labelled(), _Named(), **options)
    by_items = net_train(_labelled(), [_Named()[i] for i in range(8)], **options)
    assert torch.equal(by_dataset.layers["1"].arrays["Weights"], by_items.layers["1"].arrays["Weights"])


def test_class_names_in_a_loaders_batches_say_where_they_are_read():
    with pytest.raises(DataError, match=r"the DataLoader's item 0 holds a string 'a' at port 'Target' "
                                        r"\(ClassDecoder\), which a DataLoader does not encode .*give net_train its "
                                        r"Dataset, net_train\(net, loader.dataset\)"):
        net_train(_labelled(), torch.utils.data.DataLoader(_Named(), batch_size=2), max_training_rounds=1)


def test_kerass_validation_triple_with_sample_weights_is_told_the_pair():
    """Found by QA: Keras's validation_data=(x, y, sample_weight) said "a list of examples must hold dicts", and then
    still opened with it before the hint: the triple is no list of examples, so the hint leads."""
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    with pytest.raises(DataError, match=r"^validation_set: a tuple of 3 arrays, as Keras's \(x, y, sample_weight\), "
                                        r"is no data form here: give the pair \(inputs, targets\); no sample weights "
                                        r"here: give a loss_function") as info:
        net_train(NetChain([LinearLayer(1)], input=4), (x, y), validation_set=(x, y, torch.ones(8)),
                  max_training_rounds=1)
    assert "must hold dicts" not in str(info.value)
