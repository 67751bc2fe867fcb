"""Seeds read one way everywhere (Wolfram's RandomSeeding): net(x, seed=), net_initialize(seed=) and
net_train(random_seed=) take integers, string seeds, "Automatic" and "Inherited", and refuse near-misses."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from netgraph import DropoutLayer, LinearLayer, NetGraph, OptionError, net_initialize, net_train
from netgraph.train.checkpoint import read_checkpoint, save_checkpoint


def _net():
    return NetGraph({"lin": LinearLayer(2)}, [], Input=3)


def _weights(net):
    return net.layers["lin"].arrays["Weights"]


def _initialized(seed):
    return _weights(net_initialize(_net(), seed=seed))


def _trained(seed):
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(0))
    data = {"Input": x, "Target": x[:, :2]}
    return _weights(net_train(_net(), data, max_training_rounds=1, progress=False, random_seed=seed))


def _evaluated(seed):
    dropout = net_initialize(NetGraph({"drop": DropoutLayer(0.5)}, [], Input=64), seed=0)
    return dropout(torch.ones(64), mode="train", seed=seed)


ENTRY_POINTS = [(_initialized, "seed"), (_trained, "random_seed"), (_evaluated, "seed")]


@pytest.mark.parametrize("draw, option", ENTRY_POINTS)
@pytest.mark.parametrize("slip", ["automatic", "Inheritted", "AUTOMATIC"])
def test_a_string_close_to_a_seed_word_is_refused_at_every_entry_point(draw, option, slip):
    # Found by review: net_initialize took seed="automatic" as a string seed, though net(x) and net_train refuse it
    with pytest.raises(OptionError, match=rf"{option}= must be .* found {slip!r} \(did you mean") as caught:
        draw(slip)
    assert caught.value.option == option and caught.value.found == slip


@pytest.mark.parametrize("draw, option", ENTRY_POINTS)
def test_automatic_is_a_fresh_seed_and_inherited_torchs_generator_at_every_entry_point(draw, option):
    # Found by review: net_initialize(seed="Automatic") was refused as "must be an integer ... or a string"
    torch.manual_seed(5)
    inherited = draw("Inherited")
    torch.manual_seed(5)
    assert torch.equal(draw("Inherited"), inherited)  # torch.manual_seed decides
    torch.manual_seed(5)
    first = draw("Automatic")
    torch.manual_seed(5)
    assert not torch.equal(draw("Automatic"), first)  # a fresh seed each call, whatever torch's state
    assert torch.equal(draw("run-a"), draw("run-a")) and not torch.equal(draw("run-a"), draw("run-b"))


def test_net_initialize_without_a_seed_is_wolframs_fixed_1234():
    assert torch.equal(_initialized(None), _initialized(1234))


_IN_A_PROCESS = ("import torch; from netgraph import LinearLayer, NetGraph, net_initialize; "
                 "net = net_initialize(NetGraph({'lin': LinearLayer(2)}, [], Input=3), seed='run-a'); "
                 "print(net.layers['lin'].arrays['Weights'].flatten().tolist())")


def _weights_in_a_process(hash_seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    done = subprocess.run([sys.executable, "-c", _IN_A_PROCESS], env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    return done.stdout


def test_a_string_seed_gives_the_same_draws_in_other_processes_whatever_their_hash_seed():
    # Python's hash() of a string differs between processes: a string seed must not depend on it
    first, second = _weights_in_a_process("1"), _weights_in_a_process("2")
    assert first == second and first.strip()
    assert first.strip() == str(_initialized("run-a").flatten().tolist())


def _run(data, folder, seed, rounds, resume=False):
    return net_train(_net(), data, max_training_rounds=rounds, random_seed=seed, checkpoint=folder, resume=resume,
                     progress=False, all=True)


def test_resuming_with_another_string_seed_names_the_strings_not_their_hashes(tmp_path):
    # Found by review: "random_seed=9372865140237541714: the run in the checkpoint was seeded with 1183..."
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(0))
    data, folder = {"Input": x, "Target": x[:, :2]}, tmp_path / "ck"
    _run(data, folder, "run-a", 1)
    with pytest.raises(OptionError, match=r"^random_seed='run-b': the run in the checkpoint was seeded with 'run-a'; "
                                          r"resume without a seed \(or with 'run-a'\)") as caught:
        _run(data, folder, "run-b", 2, resume=True)
    assert caught.value.found == "run-b" and caught.value.kind == "resume-seed"
    assert _run(data, folder, "run-a", 2, resume=True).total_rounds == 2
    assert _run(data, folder, None, 3, resume=True).total_rounds == 3  # the string goes on into later checkpoints
    with pytest.raises(OptionError, match=r"^random_seed=7: the run in the checkpoint was seeded with 'run-a';"):
        _run(data, folder, 7, 4, resume=True)


def test_a_checkpoint_written_before_string_seeds_were_kept_still_resumes(tmp_path):
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(0))
    data, folder = {"Input": x, "Target": x[:, :2]}, tmp_path / "ck"
    _run(data, folder, "run-a", 1)
    (path,) = folder.glob("round-*.pt")
    saved = read_checkpoint(path)
    assert saved.pop("seed_text") == "run-a"
    path.unlink()
    state = {k: v for k, v in saved.items() if k not in ("format", "version", "round")}
    save_checkpoint(folder, state, saved["round"])  # as older netgraph wrote it: the seed's number only
    number = saved["seed"]
    with pytest.raises(OptionError,
                       match=rf"^random_seed='run-b': the run in the checkpoint was seeded with {number};"):
        _run(data, folder, "run-b", 2, resume=True)
    assert _run(data, folder, "run-a", 2, resume=True).total_rounds == 2


@pytest.mark.parametrize("text", ["7", "0007", "+7", "7.0", " 7"])
def test_resuming_an_integer_seeded_run_with_its_seed_as_text_says_the_text_seeds_otherwise(tmp_path, text):
    # Found probing resume: "random_seed='7': ... seeded with 7; resume without a seed (or with 7)" named one seed;
    # then by review: '0007', '+7' and '7.0' still got the bare message
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(0))
    data, folder = {"Input": x, "Target": x[:, :2]}, tmp_path / "ck"
    _run(data, folder, 7, 1)
    quoted = re.escape(repr(text))
    with pytest.raises(OptionError, match=rf"^random_seed={quoted}: the run in the checkpoint was seeded with 7 \(the "
                                          rf"integer; the text {quoted} is another seed\); resume without a seed") \
            as caught:
        _run(data, folder, text, 2, resume=True)
    assert (caught.value.found, caught.value.expected) == (text, 7)
    with pytest.raises(OptionError, match=r"^random_seed='0008': the run in the checkpoint was seeded with 7; "):
        _run(data, folder, "0008", 2, resume=True)  # another number: no note


@pytest.mark.parametrize("number", [7, np.int64(7)])
def test_resuming_a_text_seeded_run_with_its_seed_as_integer_says_the_integer_seeds_otherwise(tmp_path, number):
    # Found by review: a run seeded with the text '7' resumed with random_seed=7 got no note that 7 is another seed
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(0))
    data, folder = {"Input": x, "Target": x[:, :2]}, tmp_path / "ck"
    _run(data, folder, "7", 1)
    with pytest.raises(OptionError, match=r"^random_seed=.*7\)?: the run in the checkpoint was seeded with '7' \(the "
                                          r"text; the integer 7 is another seed\); resume without a seed") as caught:
        _run(data, folder, number, 2, resume=True)
    assert (caught.value.found, caught.value.expected) == (7, "7")
