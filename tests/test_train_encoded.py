"""net_train on data in the encoded form: image folders, file and label lists, text tables; DataLoader workers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from netgraph import (AggregationLayer, ClassDecoder, DataError, EmbeddingLayer, LinearLayer, NetChain, NetGraph, SequenceLastLayer,
                      SoftmaxLayer, TokensEncoder, image_folder, load, net_train, text_table)
from netgraph.cli import main
from netgraph.train.checkpoint import checkpoints as checkpoints_in

SPEC = Path(__file__).resolve().parent.parent / "specs" / "stripes_classifier.yaml"
LABELS = ("horizontal", "vertical")


def _stripes(root: Path, per_class: int = 12, seed: int = 0) -> Path:
    """8x8 grey PNGs of horizontal or vertical stripes under noise, in one sub-folder per label."""
    g = torch.Generator().manual_seed(seed)
    for label in LABELS:
        (root / label).mkdir(parents=True)
        for i in range(per_class):
            image = torch.rand(8, 8, generator=g) * 70
            offset = int(torch.randint(0, 2, (), generator=g))
            if label == "horizontal":
                image[offset::2, :] += 170
            else:
                image[:, offset::2] += 170
            Image.fromarray(image.to(torch.uint8).numpy()).save(root / label / f"{i}.png")
    return root


def _accuracy(net, examples) -> float:
    predicted = net([path for path, _ in examples])
    return sum(p == label for p, (_, label) in zip(predicted, examples)) / len(examples)


def test_the_example_spec_learns_stripes_from_a_folder(tmp_path):
    train, test = image_folder(_stripes(tmp_path / "train", 8)), image_folder(_stripes(tmp_path / "test", 8, seed=1))
    assert train.labels == LABELS and len(train) == 16
    net = NetGraph.from_yaml(SPEC)
    trained = net_train(net, str(tmp_path / "train"), max_training_rounds=8, batch_size=8, learning_rate=0.02,
                        random_seed=0, progress=False)
    assert _accuracy(trained, test) >= 0.9  # unseen images: chance is 0.5
    assert trained(test[0][0]) in LABELS


def test_two_dataloader_workers_give_the_same_training_as_none(tmp_path):
    _stripes(tmp_path / "set", 4)
    net = NetGraph.from_yaml(SPEC)
    runs = [net_train(net, tmp_path / "set", max_training_rounds=2, batch_size=4, random_seed=0, num_workers=w,
                      progress=False) for w in (0, 2)]
    for name, layer in runs[0].layers.items():
        for array, value in layer.arrays.items():
            if value is not None:  # the same batches in the same order (float sums may round differently)
                torch.testing.assert_close(runs[1].layers[name].arrays[array], value, rtol=1e-3, atol=1e-5)


def test_lists_of_files_and_labels_and_pairs_train_the_same_net(tmp_path):
    examples = image_folder(_stripes(tmp_path / "set", 4))
    net = NetGraph.from_yaml(SPEC)
    options = dict(max_training_rounds=2, batch_size=4, random_seed=3, progress=False)
    by_key = net_train(net, {"Input": [p for p, _ in examples], "Output": [lab for _, lab in examples]}, **options)
    by_pairs = net_train(net, list(examples), **options)
    for name in by_key.layers:
        for a, b in zip(by_key.layers[name].arrays.values(), by_pairs.layers[name].arrays.values()):
            assert a is None and b is None or torch.equal(a, b)
    result = net_train(net, list(examples), validation_set=0.25, all=True, **options)
    assert len(result.validation_losses) == 2


def test_the_command_line_trains_the_example_on_a_folder(tmp_path):
    _stripes(tmp_path / "images", 4)
    out = tmp_path / "trained"
    assert main(["train", str(SPEC), "--data", str(tmp_path / "images"), "--rounds", "2", "--batch-size", "8",
                 "--seed", "0", "--quiet", "-o", str(out)]) == 0
    trained = load(next(out.glob("*.yaml")))
    assert trained.coders == NetGraph.from_yaml(SPEC).coders


def test_texts_and_labels_from_a_jsonl_table(tmp_path):
    rows = [{"text": t, "label": lab} for t, lab in [("good fun", "pos"), ("bad dull", "neg"), ("fun film", "pos"),
                                                   ("dull film", "neg"), ("good", "pos"), ("bad", "neg")]] * 4
    (tmp_path / "reviews.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    (tmp_path / "reviews.csv").write_text("text,label\n" + "\n".join(f"{r['text']},{r['label']}" for r in rows))
    assert list(text_table(tmp_path / "reviews.csv")) == list(text_table(tmp_path / "reviews.jsonl"))
    coder = TokensEncoder(["good", "bad", "fun", "dull", "film"])
    net = NetChain([EmbeddingLayer(8, len(coder.tokens)), AggregationLayer("Max", 1), LinearLayer(2), SoftmaxLayer()],
                   input=coder, output=ClassDecoder(["neg", "pos"]))
    trained = net_train(net, str(tmp_path / "reviews.jsonl"), max_training_rounds=30, batch_size=8,
                        learning_rate=0.05, random_seed=0, progress=False)
    assert trained(["fun film", "dull film", "good", "bad"]) == ["pos", "neg", "pos", "neg"]


def test_bad_examples_are_reported_together_before_training(tmp_path):
    examples = list(image_folder(_stripes(tmp_path / "set", 2)))
    (tmp_path / "corrupt.png").write_bytes(b"not an image")
    examples += [(str(tmp_path / "missing.png"), "vertical"), (str(tmp_path / "corrupt.png"), "vertical"),
                 (examples[0][0], "diagonal"), (3, "vertical")]
    with pytest.raises(DataError) as info:
        net_train(NetGraph.from_yaml(SPEC), examples, max_training_rounds=1, progress=False)
    message = str(info.value)
    assert "input port 'Input' (ImageEncoder): example 4: no image file" in message
    assert "input port 'Input' (ImageEncoder): example 5: cannot read image" in message
    assert "input port 'Input' (ImageEncoder): example 7: expected an image file path" in message
    assert ("target 'Target' of output port 'Output' (ClassDecoder): example 6: label 'diagonal' is not one of the 2 "
            "labels") in message
    with pytest.raises(DataError, match=r"example 1: 3 tokens, more than max_length=2"):
        net_train(NetChain([EmbeddingLayer(2, 3), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()],
                           input=TokensEncoder(["a"], max_length=2), output=ClassDecoder(["x", "y"])),
                  [("a", "x"), ("a a a", "y")], progress=False)


def test_a_file_that_breaks_during_training_stops_the_run_and_keeps_its_checkpoints(tmp_path):
    examples = image_folder(_stripes(tmp_path / "set", 4))
    victim = Path(examples[0][0])

    def break_a_file(info):
        if info["round"] == 2:
            victim.write_bytes(b"corrupted after the check")

    checkpoints = tmp_path / "ckpt"
    with pytest.raises(DataError, match=r"bad training data while training: input port 'Input' \(ImageEncoder\): "
                                        r"example 0: cannot read image"):
        net_train(NetGraph.from_yaml(SPEC), examples, max_training_rounds=5, batch_size=4, random_seed=0,
                  progress=break_a_file, checkpoint={"directory": str(checkpoints), "interval": 1})
    assert checkpoints_in(checkpoints)[-1].name == "round-000002.pt"
    victim.unlink()  # restored: the run resumes from its round-2 checkpoint
    Image.new("L", (8, 8), 0).save(victim)
    resumed = net_train(NetGraph.from_yaml(SPEC), examples, max_training_rounds=3, batch_size=4, random_seed=0,
                        progress=False, resume=True, all=True,
                        checkpoint={"directory": str(checkpoints), "interval": 1})
    assert resumed.total_rounds == 3 and len(resumed.round_losses) == 3


@pytest.mark.parametrize("workers", [0, 1])
def test_a_file_broken_during_training_is_a_data_error_with_its_fields_the_cli_words_by_flag(tmp_path, workers):
    """The error of a batch (read in a worker process or not) carried no detail nor port, so `netgraph train` could
    not name --data and the file as it does for the other data errors."""
    from netgraph.cli.train import worded_by_files
    examples = image_folder(_stripes(tmp_path / "set", 2))
    victim = Path(examples[0][0])

    def break_a_file(info):
        if info["round"] == 1:
            victim.write_bytes(b"corrupted after the check")

    with pytest.raises(DataError) as info:
        net_train(NetGraph.from_yaml(SPEC), examples, max_training_rounds=3, batch_size=4, random_seed=0,
                  progress=break_a_file, num_workers=workers)
    d = info.value.diagnostics[0]
    assert (d.data.name, d.port, d.kind) == ("training", "Input", "encoding")
    assert d.detail.startswith("input port 'Input' (ImageEncoder): example 0: cannot read image") and \
        d.detail.endswith("(found while training)")
    worded = worded_by_files(info.value, {"training": "--data set"})
    assert str(worded) == f"--data set: {d.detail}"


def test_images_and_labels_for_ports_without_coders_name_the_port_and_the_coder_to_attach(tmp_path):
    import numpy as np
    net = NetChain([LinearLayer(2), SoftmaxLayer()], input=(1, 8, 8))  # no ImageEncoder, no ClassDecoder
    folder = _stripes(tmp_path / "set", 2)
    pil = [(Image.open(p).copy(), label) for p, label in image_folder(folder)]
    arrays = [(np.asarray(image), label) for image, label in pil]
    for data in (str(folder), pil, arrays, {"Input": [image for image, _ in pil], "Target": [lab for _, lab in pil]}):
        with pytest.raises(DataError) as info:
            net_train(net, data, max_training_rounds=1, progress=False)
        message = str(info.value)
        assert "input port 'Input' has no encoder, but example 0 is a" in message
        assert "ImageEncoder(size=(8, 8), color_space='Grayscale')" in message
        assert "the target of output port 'Output'" in message and "is a string label 'horizontal'" in message
        assert "ClassDecoder(['horizontal', 'vertical'])" in message
    with pytest.raises(DataError, match=r"^training data: the target of output port 'Output' \(key 'Target'\) holds "
                                        r"labels, but the port has no decoder: example 1 is a string label 'b'"):
        net_train(net, {"Input": torch.rand(2, 1, 8, 8), "Target": [0, "b"]}, progress=False)
    with pytest.raises(DataError, match=r"key 'names' \(no input port or target\) holds a string 'x' at example 0"):
        net_train(net, {"Input": torch.rand(2, 1, 8, 8), "Target": [0, 1], "names": ["x", "y"]}, progress=False)


@pytest.mark.parametrize("shape", [(), 1])
def test_a_boolean_decoder_trains_on_true_false_labels_on_a_scalar_or_a_1_vector_output(shape):
    from netgraph import BooleanDecoder, ElementwiseLayer
    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    labels = (x[:, 0] > 0).tolist()
    net = NetChain([LinearLayer(shape), ElementwiseLayer("LogisticSigmoid")], input=2, output=BooleanDecoder())
    for data in ({"Input": x, "Target": labels}, list(zip(x, labels)), {"Input": x, "Target": torch.tensor(labels)}):
        r = net_train(net, data, max_training_rounds=60, learning_rate=0.1, random_seed=0, validation_set=0.25,
                      progress=False, all=True)
        assert r.round_losses[-1] < 0.5 * r.round_losses[0]  # binary cross-entropy on 0/1 targets
        assert sum(p == t for p, t in zip(r.trained_net(x), labels)) >= 0.9 * len(labels)


def test_nan_in_encoded_data_is_reported_before_training_by_the_examples_own_index():
    from netgraph import ScalarEncoder
    labels = list("abababab")
    scalar = NetChain([LinearLayer(2), SoftmaxLayer()], input=ScalarEncoder(), output=ClassDecoder(["a", "b"]))
    values = [0.1, 0.2, 0.3, 0.4, 0.5, float("nan"), 0.7, 0.8]
    for validation in (None, 0.25, 0.5):  # the split must not renumber the examples
        with pytest.raises(DataError, match=r"^bad (training|validation) data: input port 'Input' \(ScalarEncoder\): "
                                            r"example 5: the number nan is not finite"):
            net_train(scalar, {"Input": values, "Output": labels}, validation_set=validation, batch_size=4,
                      random_seed=1, progress=False)
    x = torch.rand(8, 2)
    x[6, 1] = float("nan")
    plain = NetChain([LinearLayer(2), SoftmaxLayer()], input=2, output=ClassDecoder(["a", "b"]))
    for column in (x, list(x)):  # a tensor beside labels, or one tensor per example
        with pytest.raises(DataError, match=r"^bad training data: input port 'Input': example 6: holds NaN"):
            net_train(plain, {"Input": column, "Output": labels}, batch_size=4, random_seed=1, progress=False)


def test_string_labels_in_numpy_arrays_and_every_data_form_get_the_decoder_hint():
    """Labels read with numpy (np.loadtxt, a DataFrame's .values) are str or object arrays; these, the (inputs,
    targets) pair and a list of example dicts gave torch's "can't convert np.ndarray of type numpy.str_"."""
    import numpy as np
    net = NetChain([LinearLayer(3), SoftmaxLayer()], input=4)
    x = np.random.default_rng(0).random((6, 4))
    names = np.array(["cat", "dog", "fox"] * 2)
    for data in ({"Input": x, "Target": names}, {"Input": x, "Target": names[:, None]},
                 {"Input": x, "Target": names.astype(object)}, (x, names), (x, names.tolist()),
                 [{"Input": row, "Target": name} for row, name in zip(x, names)]):
        with pytest.raises(DataError, match=r"^training data: the target of output port 'Output' \(key 'Target'\) "
                                            r"holds labels, but the port has no decoder: example 0 is a string label "
                                            r"'cat' \(6 of 6 examples\); attach a ClassDecoder .*"
                                            r"Output=ClassDecoder\(\['cat', 'dog', 'fox'\]\)"):
            net_train(net, data, max_training_rounds=1, progress=False)
    with pytest.raises(DataError, match=r"input port 'Input' has no encoder, but example 0 is a string 'cat'"):
        net_train(net, {"Input": names, "Target": np.arange(6) % 3}, max_training_rounds=1, progress=False)


def test_an_inputs_targets_pair_trains_on_labels_through_the_decoder_as_the_dict_does():
    import numpy as np
    net = NetChain([LinearLayer(3), SoftmaxLayer()], input=4, output=ClassDecoder(["cat", "dog", "fox"]))
    x = np.random.default_rng(0).random((12, 4))
    names = np.array(["cat", "dog", "fox"] * 4)
    options = {"max_training_rounds": 2, "random_seed": 0, "progress": False}
    as_dict = net_train(net, {"Input": x, "Target": names}, **options)
    for pair in ((x, names), (x, names.tolist())):
        assert net_train(net, pair, **options) == as_dict  # the same training, so the same arrays


def test_a_list_of_example_dicts_trains_on_labels_and_texts_through_the_coders_as_the_dict_does():
    """Found by QA: [{"Input": row, "Target": "cat"}, ...] for a net with a ClassDecoder said torch's "cannot make a
    tensor from str: new(): invalid data type 'str'"; the dict of lists and the pairs trained."""
    import numpy as np
    net = NetChain([LinearLayer(3), SoftmaxLayer()], input=4, output=ClassDecoder(["cat", "dog", "fox"]))
    x = np.random.default_rng(0).random((12, 4))
    names = ["cat", "dog", "fox"] * 4
    options = {"max_training_rounds": 2, "random_seed": 0, "progress": False}
    as_dict = net_train(net, {"Input": x, "Target": names}, **options)
    examples = [{"Input": row, "Target": name} for row, name in zip(x, names)]
    assert net_train(net, examples, **options) == as_dict
    r = net_train(net, examples, validation_set=examples[:3], all=True, **options)  # validation data alike
    assert len(r.validation_losses) == 2 and r.validation_losses[0] > 0
    texts = NetChain([EmbeddingLayer(4, 4), AggregationLayer("Mean", levels=1), LinearLayer(2), SoftmaxLayer()],
                     input=TokensEncoder(["good", "bad"]), output=ClassDecoder(["neg", "pos"]))
    rows = [{"Input": "good good", "Output": "pos"}, {"Input": "bad", "Output": "neg"}] * 3
    trained = net_train(texts, rows, **options)
    assert trained == net_train(texts, {"Input": [r["Input"] for r in rows], "Output": [r["Output"] for r in rows]},
                                **options)


def test_a_files_bad_label_names_the_output_port_not_the_target_key(tmp_path):
    """A table's or an image folder's targets: the user wrote no key, so the message names the output port alone
    (review R4, session 48: it said "target 'Target' of output port 'Label'")."""
    (tmp_path / "bad.csv").write_text("text,label\ngood good,pos\nbad,neutral\n")
    net = NetGraph.from_yaml("""netgraph: 1
layers: {embed: {type: EmbeddingLayer, output: 4, n: 4}, mean: {type: AggregationLayer, function: Mean, levels: 1},
         logits: {type: LinearLayer, output: 2}, probs: SoftmaxLayer}
inputs: {Text: {encoder: {type: TokensEncoder, vocabulary: [good, bad]}}}
outputs: {Label: {decoder: {type: ClassDecoder, labels: [neg, pos]}}}
edges: [Text -> embed -> mean -> logits -> probs -> Label]
""")
    with pytest.raises(DataError) as info:
        net_train(net, str(tmp_path / "bad.csv"), max_training_rounds=1, progress=False)
    message = str(info.value)
    assert "target 'Label' (ClassDecoder): example 1 (" in message
    assert "bad.csv:3, column 'label'): label 'neutral'" in message
    folder = image_folder(_stripes(tmp_path / "set", 1))
    stripes = NetGraph.from_yaml(SPEC.read_text().replace("horizontal", "across"))
    with pytest.raises(DataError) as info:
        net_train(stripes, folder, max_training_rounds=1, progress=False)
    assert "target 'Output' (ClassDecoder): example 0" in str(info.value) and "'Target'" not in str(info.value)


def test_each_value_of_a_text_table_is_encoded_once_checks_and_training_share_it(tmp_path, monkeypatch):
    """The check encoded every text and label, then training encoded them all again: 4 encodings a row of 2 columns
    (100k rows trained 3x slower than a handwritten loop). A validation split is encoded once too."""
    import netgraph.train.encoded as encoded_module
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({"text": "a b" if i % 2 else "c", "label": ["pos", "neg"][i % 2]}) + "\n"
                            for i in range(20)))
    calls = []
    real = encoded_module.encode_example
    monkeypatch.setattr(encoded_module, "encode_example",
                        lambda coder, value: calls.append(value) or real(coder, value))
    net = NetChain([EmbeddingLayer(4), AggregationLayer("Mean", 1), LinearLayer(2), SoftmaxLayer()],
                   input=TokensEncoder(list("abc")), output=ClassDecoder(["pos", "neg"]))
    net_train(net, str(path), max_training_rounds=1, batch_size=8, validation_set=0.25, progress=False, random_seed=0)
    assert len(calls) == 20 * 2
