"""A list of example dicts (Wolfram's list of associations, <|"Input" -> x, "Output" -> y|>) holding texts, labels or
image files trains as the dict of their columns does: it was a DataError 'cannot make a tensor from str: new():
invalid data type 'str'' (a new user's QA)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ClassDecoder, DataError, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetPort,
                      SequenceLastLayer, SoftmaxLayer, ThreadingLayer, TokensEncoder, net_train)

_TEXTS, _LABELS = ["good film", "bad", "bad film film", "good good"], ["pos", "neg", "neg", "pos"]
_OPTIONS = {"max_training_rounds": 2, "batch_size": 2, "random_seed": 0, "progress": False}


def _net():
    return NetChain([EmbeddingLayer(4, 5), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()],
                    input=TokensEncoder(["good", "bad", "film"]), output=ClassDecoder(["neg", "pos"]))


def _weights(net):
    return net.layers["3"].arrays["Weights"]


def test_example_dicts_of_texts_and_labels_train_as_their_columns_do():
    examples = [{"Input": text, "Output": label} for text, label in zip(_TEXTS, _LABELS)]
    by_examples = net_train(_net(), examples, **_OPTIONS)
    by_columns = net_train(_net(), {"Input": _TEXTS, "Output": _LABELS}, **_OPTIONS)
    assert torch.equal(_weights(by_examples), _weights(by_columns))


def test_a_bad_label_in_example_dicts_is_named_by_its_example():
    examples = [{"Input": text, "Output": label} for text, label in zip(_TEXTS, ["pos", "neg", "nuetral", "pos"])]
    with pytest.raises(DataError) as info:
        net_train(_net(), examples, **_OPTIONS)
    assert "target 'Output' (ClassDecoder): example 2: label 'nuetral' is not one of the 2 labels" in str(info.value)


def test_example_dicts_with_different_keys_are_still_refused_by_name():
    examples = [{"Input": "good", "Output": "pos"}, {"Input": "bad", "Target": "neg"}]
    with pytest.raises(DataError, match="every example must have the same keys"):
        net_train(_net(), examples, **_OPTIONS)


def test_example_dicts_of_image_files_train_as_their_columns_do(tmp_path):
    from PIL import Image  # the images extra

    from netgraph import FlattenLayer, ImageEncoder

    paths = []
    for i in range(4):
        Image.new("L", (4, 4), 60 * i).save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    net = NetChain([FlattenLayer(), 2, SoftmaxLayer()], input=ImageEncoder(size=(4, 4), color_space="Grayscale"),
                   output=ClassDecoder(["dark", "light"]))
    labels = ["dark", "dark", "light", "light"]
    by_examples = net_train(net, [{"Input": p, "Output": y} for p, y in zip(paths, labels)], **_OPTIONS)
    by_columns = net_train(net, {"Input": paths, "Output": labels}, **_OPTIONS)
    assert torch.equal(by_examples.layers["2"].arrays["Weights"], by_columns.layers["2"].arrays["Weights"])


def test_a_dict_of_input_to_label_is_refused_with_the_pairs_it_stands_for():
    """Wolfram's rules {"good film" -> "pos", ...} written as a Python dict took each text as a key and failed with
    torch's 'cannot make a tensor from str: new(): invalid data type'."""
    with pytest.raises(DataError) as info:
        net_train(_net(), dict(zip(_TEXTS, _LABELS)), **_OPTIONS)
    message = str(info.value)
    assert message.startswith("training data: a dict whose keys ('good film', 'bad', 'bad film film', ...) are no "
                              "input port or target, each holding one value")
    assert "list(data.items())" in message and "{'Input': inputs, 'Target': targets}" in message  # the pairs' keys


@pytest.mark.parametrize("net, columns", [
    (NetGraph({"a": LinearLayer(2), "b": LinearLayer(3)},  # two outputs: each one's targets by its name
              [(NetPort("Input"), "a"), (NetPort("Input"), "b"), ("a", NetPort("y")), ("b", NetPort("z"))], Input=1),
     "(input, target) pairs need a net of one input and one output: give a dict by port, {'Input': ..., "
     "'y': ..., 'z': ...}"),
    (NetGraph({"t": ThreadingLayer("Plus")}, [(NetPort("Input"), "t"), (NetPort("Target"), "t")], Input=1, Target=1),
     "(input, target) pairs need a net of one input and one output: give a dict by port, {'Input': ..., "
     "'Target': ..., 'OutputTarget': ...}"),
])
def test_a_dict_of_input_to_label_for_other_nets_names_the_keys_that_train_them(net, columns):
    """The hint named an 'Output' key for any net not of one output (a port it may lack; pairs need one output)."""
    with pytest.raises(DataError) as info:
        net_train(net, {"good film": 1.0, "bad": 0.0}, **_OPTIONS)
    assert str(info.value).endswith(columns)


def test_the_columns_the_message_names_train():
    by_rules = {"Input": [[1.0], [0.0]], "Target": [[1.0], [0.0]]}
    assert isinstance(net_train(NetChain([LinearLayer(1)], input=1), by_rules, **_OPTIONS), NetChain)


def test_the_pairs_the_message_names_train():
    assert isinstance(net_train(_net(), list(dict(zip(_TEXTS, _LABELS)).items()), **_OPTIONS), NetChain)


class _Reviews(torch.utils.data.Dataset):
    """A PyTorch user's Dataset of texts and labels."""

    def __len__(self):
        return len(_TEXTS)

    def __getitem__(self, i):
        return {"Input": _TEXTS[i], "Output": _LABELS[i]}


def test_a_dataset_of_texts_and_labels_is_encoded_as_the_list_of_its_items_is():
    """A Dataset whose items hold texts and labels for ports with coders was refused (it once failed with "cannot
    make a tensor from list" on the first batch); its items are now encoded as the same list of example dicts is."""
    by_dataset = net_train(_net(), _Reviews(), **_OPTIONS)
    by_columns = net_train(_net(), {"Input": _TEXTS, "Output": _LABELS}, **_OPTIONS)
    assert torch.equal(_weights(by_dataset), _weights(by_columns))


def test_a_dataset_as_validation_set_is_encoded_too():
    by_dataset = net_train(_net(), {"Input": _TEXTS, "Output": _LABELS}, "ValidationLoss", validation_set=_Reviews(),
                           **_OPTIONS)
    items = [_Reviews()[i] for i in range(len(_TEXTS))]
    by_items = net_train(_net(), {"Input": _TEXTS, "Output": _LABELS}, "ValidationLoss", validation_set=items,
                         **_OPTIONS)
    assert by_dataset == by_items


def test_a_bad_label_in_a_datasets_item_names_the_item_and_port():
    class Misspelt(_Reviews):
        def __getitem__(self, i):
            return {**super().__getitem__(i), **({"Output": "poz"} if i == 2 else {})}
    with pytest.raises(DataError, match=r"example 2: label 'poz' is not one of the 2 labels") as info:
        net_train(_net(), Misspelt(), **_OPTIONS)
    assert info.value.diagnostics[0].port == "Output"


def test_a_dataloader_of_texts_and_labels_is_told_the_dataset_and_the_list_of_its_items_that_train():
    """A DataLoader's batches are used as its collate makes them: texts in them are refused by name."""
    with pytest.raises(DataError) as info:
        net_train(_net(), torch.utils.data.DataLoader(_Reviews(), batch_size=2), **_OPTIONS)
    assert str(info.value).startswith("training data: the DataLoader's item 0 holds a string 'good film' at port "
                                      "'Input' (TokensEncoder), which a DataLoader does not encode")
    assert "net_train(net, loader.dataset)" in str(info.value)


def test_the_list_of_a_dataset_s_items_trains_as_the_columns_do():
    dataset = _Reviews()
    by_items = net_train(_net(), [dataset[i] for i in range(len(dataset))], **_OPTIONS)
    by_columns = net_train(_net(), {"Input": _TEXTS, "Output": _LABELS}, **_OPTIONS)
    assert torch.equal(_weights(by_items), _weights(by_columns))
