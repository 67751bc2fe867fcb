"""`netgraph train` as a user meets it: Ctrl-C before a round ends, validation data keyed otherwise than the
training data, data files a user gets wrong."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from netgraph import DataError, LinearLayer, NetGraph, OptionError, load, net_train, text_table
from netgraph.train.loop import Trainer
from tests.cli_runner import SMALL
from tests.subprocess_env import checkout_env


def _interrupted_at_once(monkeypatch) -> None:
    """Ctrl-C during the first training step, before any round has ended."""
    def step(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(Trainer, "step", step)


def test_ctrl_c_before_the_first_round_ends_writes_the_outputs_without_a_traceback(cli, monkeypatch):
    cli.spec(), cli.data()
    _interrupted_at_once(monkeypatch)
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "3", "--quiet")
    assert ran.code == 130, ran.err
    assert "trained 0 rounds (ManualStop): no round finished; wrote out/s.yaml" in ran.out
    assert json.loads((cli.folder / "out" / "results.json").read_text())["round_losses"] == []


def test_ctrl_c_before_the_first_round_ends_with_several_loss_terms(cli, monkeypatch):
    cli.spec("netgraph: 1\nlayers: {a: {type: LinearLayer, output: 1}, b: {type: LinearLayer, output: 1}}\n"
             "inputs: {Input: 3}\noutputs: {A: null, B: null}\nedges: [Input -> a -> A, Input -> b -> B]\n")
    np.savez(cli.folder / "d.npz", Input=np.ones((8, 3), "float32"), A=np.ones((8, 1), "float32"),
             B=np.zeros((8, 1), "float32"))
    _interrupted_at_once(monkeypatch)
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "3", "--quiet", "--loss", "{A: 1, B: 2}")
    assert ran.code == 130, ran.err
    assert "trained 0 rounds (ManualStop): no round finished; wrote out/s.yaml" in ran.out


def test_ctrl_c_during_training_keeps_the_net_and_ends_with_status_130(tmp_path):
    """A Ctrl-C (SIGINT) while `netgraph train` runs: the net trained so far is written, as net_train returns it,
    and the command says it was interrupted and ends with 130, as an interrupted Unix tool does (it ended with 0)."""
    (tmp_path / "s.yaml").write_text(SMALL)
    x = np.random.default_rng(0).standard_normal((64, 3)).astype("f4")
    np.savez(tmp_path / "d.npz", Input=x, Target=x[:, :1])
    process = subprocess.Popen([sys.executable, "-m", "netgraph", "train", "s.yaml", "--data", "d.npz", "-o", "out",
                                "--rounds", "10000000", "--batch-size", "8"], cwd=tmp_path, env=checkout_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()  # progress goes to stdout, a line a round, when stderr is no terminal
        assert first.startswith("round 1/"), first + process.stderr.read()[-3000:]
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err[-3000:]
    assert "Traceback" not in err and "interrupted" in err
    assert "trained " in rest and "(ManualStop)" in rest
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["reason_training_stopped"] == "ManualStop" and 1 <= results["total_rounds"] < 10000000
    assert load(tmp_path / "out" / "s.yaml").information("ArraysCount") > 0  # the trained net, written


TEXTS = """\
netgraph: 1
type: NetChain
layers:
  embed: {type: EmbeddingLayer, output: 4, n: 4}
  mean: {type: AggregationLayer, function: Mean, levels: 1}
  logits: {type: LinearLayer, output: 2}
  probs: SoftmaxLayer
inputs: {Input: {encoder: {type: TokensEncoder, vocabulary: [good, bad]}}}
outputs: {Output: {decoder: {type: ClassDecoder, labels: [neg, pos]}}}
"""


def test_validation_data_may_name_the_target_otherwise_than_the_training_data(cli):
    """A .csv gives its labels as the output's own key, a .npz may give them as 'Target': either works for either."""
    cli.spec(TEXTS)
    (cli.folder / "t.csv").write_text("text,label\ngood good,pos\nbad,neg\ngood,pos\nbad bad,neg\n")
    np.savez(cli.folder / "v.npz", Input=np.array(["good", "bad bad"]), Target=np.array(["pos", "neg"]))
    ran = cli("train", "s.yaml", "--data", "t.csv", "--validation", "v.npz", "-o", "out", "--rounds", "2",
              "--quiet", "--seed", "0")
    assert ran.code == 0, ran.err
    ran = cli("train", "s.yaml", "--data", "v.npz", "--validation", "t.csv", "-o", "out2", "--rounds", "2",
              "--quiet", "--seed", "0")
    assert ran.code == 0, ran.err


def test_net_train_reads_a_validation_target_under_the_other_key():
    net = NetGraph([LinearLayer(1)], [], Input=3)
    x, y = torch.randn(16, 3), torch.randn(16, 1)
    runs = [net_train(net, {"Input": x, "Target": y}, validation_set={"Input": x[:4], key: y[:4]}, random_seed=0,
                      max_training_rounds=2, progress=False, all=True) for key in ("Target", "Output")]
    assert runs[0].validation_losses == runs[1].validation_losses


def test_an_unknown_key_lists_the_keys_a_user_gives_not_netgraphs_own(cli):
    cli.spec(TEXTS)
    (cli.folder / "t.csv").write_text("text,label\ngood good,pos\nbad,neg\n")
    np.savez(cli.folder / "v.npz", Input=np.array(["good"]), Target=np.array(["pos"]), Weight=np.ones(1))
    ran = cli("train", "s.yaml", "--data", "t.csv", "--validation", "v.npz", "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 1
    assert "unknown key 'Weight'; the net reads the keys 'Input' (input port 'Input'), 'Target' (target of output " \
           "port 'Output')" in ran.err


def test_texts_in_a_data_file_for_a_port_without_an_encoder_say_to_attach_one(cli):
    cli.spec()
    np.savez(cli.folder / "d.npz", Input=np.array([["a", "b", "c"]] * 8), Target=np.ones((8, 1), "float32"))
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 1
    assert "input port 'Input' has no encoder, but example 0 is a string 'a' (8 of 8 examples); attach a " \
           "TokensEncoder" in ran.err
    assert "cannot make a tensor" not in ran.err


def test_a_numpy_array_of_labels_for_an_output_without_a_decoder_says_to_attach_one():
    net = NetGraph([LinearLayer(2)], [], Input=3)
    with pytest.raises(DataError, match=r"the target of output port 'Output' \(key 'Target'\) holds labels, but the "
                                        r"port has no decoder: example 0 is a string label 'cat'"):
        net_train(net, {"Input": np.ones((4, 3), "float32"), "Target": np.array(["cat", "dog"] * 2)},
                  max_training_rounds=1, progress=False)


@pytest.mark.parametrize("argv, flag, usage", [
    (["train", "s.yaml", "--data", "d.npz", "--rouds", "2"], "--rouds 2 (did you mean '--rounds'?)", "netgraph train"),
    (["check", "s.yaml", "--allow-outsde"], "--allow-outsde (did you mean '--allow-outside'?)", "netgraph check"),
    (["run", "s.yaml", "extra.yaml"], "extra.yaml", "netgraph run")])
def test_a_mistyped_flag_is_reported_by_its_command_with_a_suggestion(cli, argv, flag, usage):
    cli.spec(), cli.data()
    with pytest.raises(SystemExit) as stop:
        cli(*argv)
    err = cli.capsys.readouterr().err
    assert stop.value.code == 2
    assert f"{usage}: error: unrecognized arguments: {flag}" in err
    assert err.startswith(f"usage: {usage} ")  # the command's usage, which lists its flags


def test_a_csv_row_with_more_fields_than_the_header_is_refused_not_cut(cli):
    """An unquoted comma in a text made a third field, which was dropped: 'good, fine' trained as 'good'."""
    cli.spec(TEXTS)
    (cli.folder / "t.csv").write_text("text,label\ngood,pos\ngood, bad,neg\nbad,neg\n")
    ran = cli("train", "s.yaml", "--data", "t.csv", "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 1
    assert ran.err == ("netgraph train: --data: t.csv:3: 3 fields, but the header row names 2 (a comma inside a "
                       "text? quote the text: \"a, b\")\n")


def test_a_csv_header_naming_a_read_column_twice_is_refused(tmp_path):
    """csv.DictReader keeps the last of two 'text' columns: the texts read were silently the other column's."""
    path = tmp_path / "t.csv"
    path.write_text("text,label,text\ngood,pos,note\n")
    with pytest.raises(DataError, match=r"t.csv': its header row names column 'text' twice \(columns 1 and 3\); "
                                        r"rename one of them$"):
        text_table(path)


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_jsonl_record_cut_short_is_reported_at_its_line_and_column(tmp_path, end):
    """The error at the end of a line was placed at the start of the next (2:1 for a record on line 1)."""
    path = tmp_path / "t.jsonl"
    path.write_bytes(f'{{"text": "good", "label": "pos"}}{end}{{"text": "bad", "label": "neg"{end}'.encode())
    with pytest.raises(DataError, match=r"t.jsonl:2:31: not a JSON record: Expecting ',' delimiter$"):
        text_table(path)


@pytest.mark.parametrize("flags", [["--data", "empty.npz"], ["--data", "d.npz", "--validation", "empty.npz"]])
def test_an_empty_data_file_is_named_by_its_flag(cli, flags):
    cli.spec(), cli.data()
    np.savez(cli.folder / "empty.npz")
    ran = cli("train", "s.yaml", *flags, "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 1
    assert ran.err == (f"netgraph train: {flags[-2]} empty.npz: holds no arrays; give one array per input port and "
                       f"target\n")


@pytest.mark.parametrize("folder, why", [("s.yaml", "it is a file"), ("s.yaml/ck", "'s.yaml' on its path is a file")])
def test_a_checkpoint_folder_that_cannot_be_one_is_named_by_its_flag(cli, folder, why):
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "--checkpoint", folder, "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 1
    assert ran.err.startswith(f"netgraph train: --checkpoint {folder!r} cannot be used as a folder: {why}")
    assert not (cli.folder / "out").exists()


def test_a_byte_that_is_not_utf8_deep_in_a_table_is_placed_at_its_line_and_column(tmp_path):
    """Python's decoder gave the byte's position within the chunk it was reading: 'position 1487' of a 280 kB file."""
    path = tmp_path / "late.csv"
    path.write_bytes(("text,label\n" + "good film,pos\n" * 20000).encode() + b"bad \xff film,neg\n")
    with pytest.raises(DataError, match=r"late.csv:20002:5: byte 0xff is not UTF-8 text; save the table as UTF-8$"):
        text_table(path)


def test_a_loss_term_of_the_wrong_kind_is_worded_by_the_flag(cli):
    """It said "loss_function['Output'] must be a loss layer, a callable, ... or (spec, weight)": Python's words."""
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--quiet", "--loss", "{Output: [1, 2]}")
    assert ran.code == 1
    assert ran.err.startswith("netgraph train: --loss: 'Output' must be a weight, a mapping {loss: ..., weight: ..., "
                              "warmup: ...}, 'Automatic' or the port's name 'Output' (the output itself is the loss); "
                              "found [1, 2]")
    assert "loss_function" not in ran.err and "callable" not in ran.err


def test_resuming_with_another_seed_is_refused_not_ignored(cli, tmp_path):
    """The checkpoint's seed was used whatever random_seed said: --seed 5 --resume silently went on with seed 4."""
    net, x = NetGraph([LinearLayer(1)], [], Input=3), torch.randn(16, 3)
    data = {"Input": x, "Target": x[:, :1]}
    net_train(net, data, max_training_rounds=1, random_seed=4, checkpoint=tmp_path / "ck", progress=False)
    with pytest.raises(OptionError, match=r"random_seed=5: the run in the checkpoint was seeded with 4; resume without "
                                          r"a seed \(or with 4\), or start fresh in another folder$"):
        net_train(net, data, max_training_rounds=2, random_seed=5, checkpoint=tmp_path / "ck", resume=True,
                  progress=False)
    assert net_train(net, data, max_training_rounds=2, random_seed=4, checkpoint=tmp_path / "ck", resume=True,
                     progress=False, all=True).total_rounds == 2
    cli.spec(), cli.data()
    cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--quiet", "--seed", "4", "--checkpoint", "c")
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "2", "--quiet", "--seed", "5",
              "--checkpoint", "c", "--resume")
    assert ran.code == 1
    assert ran.err == ("netgraph train: --seed 5: the run in the checkpoint was seeded with 4; resume without a seed "
                       "(or with 4), or start fresh in another folder\n")
    assert cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "2", "--quiet", "--checkpoint", "c",
               "--resume").code == 0


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_quote_left_open_is_reported_where_it_opens(cli, quote):
    """The parser's own position was the end of the file ('5:1: ... found unexpected end of stream')."""
    cli.spec(f"netgraph: 1\nlayers:\n  h: {{type: LinearLayer, output: {quote}3}}\ninputs: {{Input: 3}}\n")
    ran = cli("check", "s.yaml")
    assert ran.code == 1
    assert ran.err.startswith(f"s.yaml:3:34: invalid YAML: the {quote!r} here is not closed: a missing {quote!r}? "
                              f"(YAML read on to line 5, column 1: found unexpected end of stream)")


def test_an_object_array_in_a_data_file_is_named_by_its_key(cli):
    """numpy's own words came through: 'Object arrays cannot be loaded when allow_pickle=False'."""
    cli.spec()
    np.savez(cli.folder / "d.npz", Input=np.array([[1.0, 2.0, None]] * 8, dtype=object), Target=np.ones((8, 1)))
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 1
    assert ran.err == ("netgraph train: --data: cannot read data file 'd.npz': key 'Input' holds Python objects (an "
                       "object array, which a .npz stores pickled and netgraph never unpickles); save numbers, or str "
                       "arrays for texts and class names\n")


@pytest.mark.parametrize("fraction", ["0.2", "0.99"])
def test_a_validation_fraction_that_empties_a_part_of_texts_is_one_message(cli, fraction):
    """Texts, labels and image files (the encoded form) crashed: 'stack expects a non-empty TensorList', or torch's
    RandomSampler's 'num_samples should be a positive integer value'."""
    cli.spec(TEXTS)
    (cli.folder / "t.csv").write_text("text,label\ngood,pos\n" if fraction == "0.2" else "text,label\ngood,pos\nbad,neg\n")
    ran = cli("train", "s.yaml", "--data", "t.csv", "--validation", fraction, "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 1
    n = 1 if fraction == "0.2" else 2
    assert ran.err == (f"netgraph train: --validation {fraction} leaves 0 training examples and "
                       f"{n} validation example{'s' if n > 1 else ''} out of {n}; both need at least one\n")


def test_lengths_for_a_port_of_fixed_size_say_the_port_takes_none(cli):
    """'Input.lengths' beside a (3) port cut each example to its length: 'expected each example of shape (3), found
    (1) at example 0', about data the user gave whole."""
    cli.spec()
    np.savez(cli.folder / "d.npz", Input=np.ones((8, 3), "float32"), Target=np.ones((8, 1), "float32"),
             **{"Input.lengths": np.ones(8, "int64")})
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 1
    assert ran.err == ("netgraph train: --data d.npz: key 'Input' comes with sequence lengths ('Input.lengths' or "
                       "Padded), but input port 'Input' has the fixed shape (3), not a variable length such as ['n']; "
                       "remove the lengths, or declare the port's length\n")


def test_number_labels_read_as_text_from_a_csv_say_how_to_match_them(cli):
    """A .csv holds text: a ClassDecoder's labels [0, 1] refused '1' with no word on why '1' is not 1."""
    cli.spec(TEXTS.replace("labels: [neg, pos]", "labels: [0, 1]"))
    (cli.folder / "t.csv").write_text("text,label\ngood,1\nbad,0\n")
    ran = cli("train", "s.yaml", "--data", "t.csv", "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 1
    assert ("example 0 (t.csv:2, column 'label'): label '1' is not one of the 2 labels [0, 1] (it is the text '1', "
            "and the labels "
            "are numbers: a .csv holds text, so write the labels as text, e.g. labels: ['0', '1'])") in ran.err


def test_results_json_holds_the_batch_size_and_device_trained_with(cli):
    # Found by QA: results.json left out BatchSize (Wolfram's "the effective value of BatchSize"): a run without
    # --batch-size did not record the batch size it trained with
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 0, ran.err
    summary = json.loads((cli.folder / "out" / "results.json").read_text())
    assert summary["batch_size"] == 64 and summary["target_device"] == "cpu"


def test_resume_without_a_checkpoint_says_it_starts_fresh_in_the_flags_words(cli):
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--quiet", "--checkpoint", "c",
              "--resume")
    assert ran.code == 0, ran.err
    assert ran.err == "note: --resume, but --checkpoint 'c' holds no checkpoint (round-*.pt): training starts fresh\n"
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out2", "--rounds", "1", "--quiet", "--resume")
    assert ran.code == 0, ran.err
    assert ran.err == ("note: --resume, but 'out2/checkpoints' (the checkpoint folder, OUTPUT/checkpoints with "
                       "--resume) holds no checkpoint (round-*.pt): training starts fresh\n")


def test_zero_length_sequences_name_their_port_and_key_as_from_python(cli):
    """Found by QA: the command line told the same line twice, naming no port or key ('the data has length 0 ...')."""
    cli.spec("netgraph: 1\nlayers:\n  lin: {type: NetMapOperator, net: {type: LinearLayer, output: 4}}\n"
             "inputs: {Input: [n, 4]}\nedges: [Input -> lin]\n")
    np.savez(cli.folder / "d.npz", Input=np.zeros((8, 0, 4), "f4"), Target=np.zeros((8, 0, 4), "f4"))
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 1
    lines = ran.err.splitlines()
    assert lines[0] == "netgraph train: --data d.npz: 2 problems:"
    assert lines[1].startswith("  - input port 'Input' (key 'Input'): the data has length 0 along n (shape (8, 0, 4))")
    assert lines[2].startswith("  - target of output port 'Output'")
    assert "(key 'Target'): the data has length 0" in lines[2]
