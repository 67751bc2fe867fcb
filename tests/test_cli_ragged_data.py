"""`netgraph train --data` reads ragged sequences (different lengths per example): a key `<key>.lengths` beside
`<key>` (the sequences padded to the longest) in a .npz or .safetensors file is `Padded(data, lengths)`, which
trains as the list of sequences does in Python."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from netgraph import DataError, load, net_initialize, net_train
from netgraph.spec import from_yaml, load as load_spec
from netgraph.train import data_lengths, load_data

SEQ = """\
netgraph: 1
name: Seq
type: NetChain
layers:
  rnn: {type: LongShortTermMemoryLayer, output: 4}
  last: {type: SequenceLastLayer}
  out: {type: LinearLayer, output: 2}
inputs:
  Input: [n, 3]
"""
LENGTHS = [2, 5, 3, 5, 1, 4]


def _data() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 3)).astype("float32") for n in LENGTHS]
    padded = np.full((len(seqs), max(LENGTHS), 3), 1e6, "float32")  # padding that would wreck any loss it reached
    for i, s in enumerate(seqs):
        padded[i, :len(s)] = s
    return seqs, padded, rng.standard_normal((len(seqs), 2)).astype("float32")


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_train_reads_ragged_sequences_as_net_train_takes_the_list(cli, suffix):
    spec = cli.spec(SEQ, "seq.yaml")
    seqs, padded, target = _data()
    arrays = {"Input": padded, "Input.lengths": np.array(LENGTHS, "int64"), "Target": target}
    data = cli.folder / f"data{suffix}"
    if suffix == ".npz":
        np.savez(data, **arrays)
    else:
        save_file({k: torch.from_numpy(v) for k, v in arrays.items()}, str(data))
    ran = cli("train", spec, "--data", data, "--rounds", 2, "--batch-size", 2, "--seed", 1, "--quiet", "-o", "out")
    assert ran.code == 0 and "trained 2 rounds" in ran.out
    trained = load(cli.folder / "out" / "seq.yaml")
    expected = net_train(net_initialize(load_spec(spec), seed=1),
                         {"Input": [torch.from_numpy(s) for s in seqs], "Target": torch.from_numpy(target)},
                         max_training_rounds=2, batch_size=2, random_seed=1, progress=False)
    x = [torch.from_numpy(s) for s in seqs]
    torch.testing.assert_close(trained(x), expected(x))
    assert torch.isfinite(trained(x)).all()


def test_lengths_without_their_sequences_are_refused(tmp_path):
    np.savez(tmp_path / "d.npz", **{"Input.lengths": np.array([1, 2]), "Target": np.zeros((2, 2), "float32")})
    with pytest.raises(DataError, match=r"key 'Input.lengths' gives lengths of sequences, but there is no "
                                        r"key 'Input'"):
        load_data(tmp_path / "d.npz")


@pytest.mark.parametrize("typo", ["Input.length", "Input.Lengths", "Input.lenghts", "Input.len"])
def test_a_misspelt_lengths_key_names_the_file_and_the_key_it_means(cli, typo):
    spec = cli.spec(SEQ, "seq.yaml")
    _, padded, target = _data()
    data = cli.folder / "d.npz"
    np.savez(data, Input=padded, **{typo: np.array(LENGTHS)}, Target=target)
    with pytest.raises(DataError) as info:
        load_data(data)
    assert str(data) in str(info.value) and f"key {typo!r}" in str(info.value)
    assert "did you mean 'Input.lengths'" in str(info.value)
    ran = cli("train", spec, "--data", data, "--rounds", 1, "--quiet", "-o", "o")
    assert ran.code != 0 and "did you mean 'Input.lengths'" in ran.err


def test_lengths_of_a_misspelt_key_suggest_the_key(tmp_path):
    np.savez(tmp_path / "d.npz", **{"Inputs.lengths": np.array([1, 2]), "Input": np.zeros((2, 2, 3), "float32")})
    with pytest.raises(DataError, match=r"key 'Inputs.lengths' .* no key 'Inputs' .*did you mean 'Input'\?"):
        load_data(tmp_path / "d.npz")


def test_net_train_takes_the_lengths_key_of_a_data_file_as_padded(tmp_path):
    """A dict read from such a file (dict(np.load(...))) trains in Python as the file does from the command line:
    '<key>.lengths' beside '<key>' is Padded(data, lengths), in training and validation data alike."""
    seqs, padded, target = _data()
    net = net_initialize(from_yaml(SEQ), seed=1)
    np.savez(tmp_path / "d.npz", Input=padded, **{"Input.lengths": np.array(LENGTHS)}, Target=target)
    keyed = dict(np.load(tmp_path / "d.npz"))
    lists = {"Input": [torch.from_numpy(s) for s in seqs], "Target": torch.from_numpy(target)}
    x = lists["Input"]

    def train(data, validation):
        return net_train(net, data, validation_set=validation, max_training_rounds=2, batch_size=2, random_seed=1,
                         progress=False)

    for validation in (None, 0.3):
        torch.testing.assert_close(train(keyed, validation)(x), train(lists, validation)(x))
    torch.testing.assert_close(train(lists, keyed)(x), train(lists, lists)(x))


def test_a_misspelt_lengths_key_in_net_train_data_names_the_key_it_means():
    net = from_yaml(SEQ)
    data = {"Input": np.zeros((2, 3, 3), "float32"), "Input.length": np.array([1, 3]),
            "Target": np.zeros((2, 2), "float32")}
    with pytest.raises(DataError, match=r"training data: key 'Input.length'.*did you mean 'Input.lengths'"):
        net_train(net, data, max_training_rounds=1, progress=False)


def test_a_data_file_is_keyed_once_on_the_way_to_training(cli, monkeypatch):
    """load_data read the '.lengths' keys (naming the file in its errors), then net_train's gather went over the
    keys again, finding nothing to do; every key is looked at once now, in a file as in a dict given in Python."""
    spec = cli.spec(SEQ, "seq.yaml")
    _, padded, target = _data()
    np.savez(cli.folder / "d.npz", Input=padded, **{"Input.lengths": np.array(LENGTHS)}, Target=target)
    seen = []
    monkeypatch.setattr(data_lengths, "_check_key", lambda key, keys, what: seen.append(key))
    assert cli("train", spec, "--data", "d.npz", "--rounds", 1, "--quiet", "-o", "o").code == 0
    assert sorted(seen) == ["Input", "Input.lengths", "Target"]
    seen.clear()
    net_train(from_yaml(SEQ), dict(np.load(cli.folder / "d.npz")), max_training_rounds=1, progress=False)
    assert sorted(seen) == ["Input", "Input.lengths", "Target"]


SEQ_OUT = SEQ.replace("  last: {type: SequenceLastLayer}\n  out: {type: LinearLayer, output: 2}\n", "")


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_a_padded_target_without_its_lengths_says_to_add_them(cli, suffix):
    """A sequence target padded to the longest, its lengths missing, met the first length bucket as 'share the length
    n, found 2 and 5' of one batch: nothing said the target's lengths were missing, nor under which key they go."""
    _, padded, _ = _data()
    data = {"Input": padded, "Input.lengths": np.array(LENGTHS), "Target": np.zeros((6, 5, 4), "float32")}
    words = [r"target of output port 'Output' \(.*key 'Target'\)", "'Target.lengths'", r"lengths \[2, 5, 3, 5, 1, 4\]",
             "all of length 5"]
    with pytest.raises(DataError) as info:
        net_train(from_yaml(SEQ_OUT), data, max_training_rounds=1, progress=False)
    assert all(re.search(w, str(info.value)) for w in words), str(info.value)
    if suffix == ".npz":
        np.savez(cli.folder / "d.npz", **data)
    else:
        save_file({k: torch.from_numpy(v) for k, v in data.items()}, str(cli.folder / "d.safetensors"))
    ran = cli("train", cli.spec(SEQ_OUT), "--data", f"d{suffix}", "--quiet", "-o", "o")
    assert ran.code == 1 and all(re.search(w, ran.err) for w in words), ran.err
    lengths = np.array(LENGTHS)  # with them, it trains
    net_train(from_yaml(SEQ_OUT), {**data, "Target.lengths": lengths}, max_training_rounds=1, progress=False)


def test_a_padded_target_in_a_list_of_examples_is_told_to_give_each_its_own_length():
    """The hint for a dict or a file ('give their lengths under key Target.lengths') misled for a list of example
    dicts, where such a key is no lengths key: each example gives its sequence at its own length there."""
    seqs, _, _ = _data()
    examples = [{"Input": s, "Target": np.zeros((5, 4), "float32")} for s in seqs]
    with pytest.raises(DataError, match=r"holds them all of length 5") as info:
        net_train(from_yaml(SEQ_OUT), examples, max_training_rounds=1, progress=False)
    assert "give each example's sequence at its own length" in str(info.value)
    assert "Target.lengths" not in str(info.value)
    fixed = [{"Input": s, "Target": np.zeros((len(s), 4), "float32")} for s in seqs]
    net_train(from_yaml(SEQ_OUT), fixed, max_training_rounds=1, progress=False)
