"""net_train on a tagger's targets: a list of labels per example (ragged, one per position) at a ClassDecoder output
of shape ("n", k), encoded to class indices as Wolfram's NetTrain takes a "Class" decoder's label sequences."""

from __future__ import annotations

import json

import pytest
import torch

from netgraph import (ClassDecoder, DataError, EmbeddingLayer, LinearLayer, NetChain, NetMapOperator, SoftmaxLayer,
                      TokensEncoder, load, net_train, save, text_table)
from netgraph.cli import main
from netgraph.data import encode_targets

LABELS = ["even", "odd"]


def _tagger(**ports) -> NetChain:
    return NetChain([EmbeddingLayer(8, 10), NetMapOperator(LinearLayer(2)), SoftmaxLayer()],
                    output=ClassDecoder(LABELS), **({"input": ["n"]} | ports))


def _parity_data(count: int, seed: int) -> tuple[list[torch.Tensor], list[list[str]]]:
    """Token sequences of lengths 2..6 and their tags: each token's parity."""
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randint(0, 10, (int(n),), generator=g) for n in torch.randint(2, 7, (count,), generator=g)]
    return xs, [[LABELS[int(t) % 2] for t in x] for x in xs]


def _accuracy(predicted: list[list[str]], tags: list[list[str]]) -> float:
    assert [len(p) for p in predicted] == [len(t) for t in tags]
    return sum(p == t for ps, ts in zip(predicted, tags) for p, t in zip(ps, ts)) / sum(len(t) for t in tags)


def test_a_tagger_learns_token_parity_from_label_lists():
    xs, tags = _parity_data(200, seed=0)
    trained = net_train(_tagger(), {"Input": xs, "Output": tags}, max_training_rounds=30, batch_size=16,
                        learning_rate=0.05, random_seed=0)
    held_xs, held_tags = _parity_data(100, seed=1)
    assert _accuracy(trained(held_xs), held_tags) > 0.95  # chance is ~0.5


def test_pairs_and_a_validation_split_take_label_lists():
    xs, tags = _parity_data(60, seed=2)
    trained = net_train(_tagger(), list(zip(xs, tags)), max_training_rounds=1, random_seed=0, validation_set=0.25)
    assert [len(p) for p in trained(xs[:4])] == [len(t) for t in tags[:4]]


def test_a_wrong_label_names_its_example_and_position():
    xs, tags = _parity_data(20, seed=3)
    tags[7] = [*tags[7][:1], "odx", *tags[7][2:]]
    with pytest.raises(DataError) as info:
        net_train(_tagger(), {"Input": xs, "Output": tags}, max_training_rounds=1)
    assert "example 7: position 1: label 'odx' is not one of the 2 labels" in str(info.value)
    problem = info.value.diagnostics[0]  # expected and found were lost with the position: a Reason carries them
    assert (problem.port, problem.example, problem.expected, problem.found) == ("Output", 7, tuple(LABELS), "odx")


def test_one_label_where_a_list_is_expected_is_refused():
    xs, tags = _parity_data(20, seed=3)
    tags[4] = "odd"
    with pytest.raises(DataError, match="example 4: expected a list of labels, one per position"):
        net_train(_tagger(), {"Input": xs, "Output": tags}, max_training_rounds=1)


def test_label_counts_that_disagree_with_the_input_lengths_name_both():
    xs, tags = _parity_data(20, seed=4)
    tags[5] = tags[5][:-1]
    with pytest.raises(DataError) as info:
        net_train(_tagger(), {"Input": xs, "Output": tags}, max_training_rounds=1)
    assert (f"example 5: {len(xs[5]) - 1} labels, but input port 'Input' has {len(xs[5])} positions"
            in str(info.value))


def test_a_tables_label_count_problem_fills_the_example_file_and_line(tmp_path):
    """Found by review: a table row whose labels are not as many as its tokens was named in the text (tags.jsonl:6)
    but its Diagnostic's example, file and line were None."""
    rows = _tag_rows(tmp_path / "tags.jsonl", 8)
    rows[5]["label"] = rows[5]["label"][:-1]
    (tmp_path / "tags.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    with pytest.raises(DataError) as info:
        net_train(_tagger(input=TokensEncoder(WORDS)), str(tmp_path / "tags.jsonl"), max_training_rounds=1)
    assert f"example 5 ({tmp_path / 'tags.jsonl'}:6, column 'label'): " in str(info.value)
    found = info.value.diagnostics[0]
    assert (found.example, found.file, found.line) == (5, str(tmp_path / "tags.jsonl"), 6)


WORDS = [str(i) for i in range(8)]


def _tag_rows(path, count: int) -> list[dict]:
    """A .jsonl table at ``path`` of texts of digits and their tags (a list of labels, each digit's parity)."""
    g = torch.Generator().manual_seed(5)
    rows = []
    for n in torch.randint(2, 6, (count,), generator=g).tolist():
        tokens = torch.randint(0, 8, (n,), generator=g).tolist()
        rows.append({"text": " ".join(WORDS[t] for t in tokens), "label": [LABELS[t % 2] for t in tokens]})
    path.write_text("\n".join(json.dumps(r) for r in rows))
    return rows


def test_a_jsonl_table_of_texts_and_tag_lists_trains(tmp_path):
    rows = _tag_rows(tmp_path / "tags.jsonl", 80)
    table = text_table(tmp_path / "tags.jsonl")
    assert table.labels == tuple(LABELS)
    net = _tagger(input=TokensEncoder(WORDS))
    trained = net_train(net, table, max_training_rounds=40, batch_size=16, learning_rate=0.05, random_seed=0)
    assert _accuracy(trained([r["text"] for r in rows]), [r["label"] for r in rows]) > 0.95


def test_the_command_line_trains_a_tagger_on_a_jsonl_table(tmp_path):
    rows = _tag_rows(tmp_path / "tags.jsonl", 20)
    save(_tagger(input=TokensEncoder(WORDS)), tmp_path / "tagger.yaml")
    assert main(["train", str(tmp_path / "tagger.yaml"), "--data", str(tmp_path / "tags.jsonl"), "--rounds", "2",
                 "--batch-size", "4", "--output", str(tmp_path / "out")]) == 0
    trained = load(tmp_path / "out" / "tagger.yaml")
    assert [len(tags) for tags in trained([r["text"] for r in rows])] == [len(r["label"]) for r in rows]


@pytest.mark.parametrize("tags", [[["even", "odd"], ["odd"]], [("even", "odd"), ("odd", "even")]])
def test_encode_targets_refuses_label_lists_and_says_net_train_takes_them(tags):
    """encode_targets is given a coder, not the output's shape: (k) or ("n", k) cannot be told apart, so a list of
    labels per example is refused with the remedy, not read as one bad label."""
    with pytest.raises(DataError) as caught:
        encode_targets(ClassDecoder(LABELS), "Output", tags)
    said, problem = str(caught.value), caught.value.diagnostics[0]
    assert "a list of labels per example" in said and "net_train" in said and "expected a label" not in said
    assert problem.port == "Output" and "net_train" in problem.hint


def test_encode_targets_still_takes_one_label_per_example():
    assert encode_targets(ClassDecoder(LABELS), "Output", ["odd", "even", "odd"]).tolist() == [1, 0, 1]
