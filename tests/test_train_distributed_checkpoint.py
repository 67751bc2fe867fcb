"""A checkpoint that rank 0 cannot write stopped rank 0 only; the other processes waited in the next exchange until
gloo's timeout (minutes). Now every process stops at once with the same TrainingError naming the file. Any other error
on rank 0 while it saves (torch's own RuntimeError, a bug) or in the code only rank 0 runs (a stopping or progress
function) stopped rank 0 alone the same way; now every other process stops at once too, with a TrainingError naming
rank 0's error (a function's own error is an OptionError, which every process raises alike)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from netgraph import LinearLayer, NetGraph, net_initialize
from netgraph.train import net_train
from netgraph.train.distributed import free_port
from tests.distributed_helpers import ROOT, failed_ranks


WORKER = """
import errno, json, os, sys
sys.path.insert(0, {root!r})
import torch
from netgraph import NetGraph, LinearLayer, NetGraphError, net_initialize
from netgraph.train import net_train

rank, failure = int(os.environ["RANK"]), sys.argv[1]
real_save = torch.save

def save_fails_in_round_2(obj, f, *args, **kwargs):
    if obj.get("round") == 2 and failure == "no space":
        raise OSError(errno.ENOSPC, "No space left on device")
    if obj.get("round") == 2 and failure == "torch.save":
        raise RuntimeError("[enforce fail at inline_container.cc:595] . unexpected pos 64 vs 0")
    return real_save(obj, f, *args, **kwargs)

def fails_in_round_2(info):
    if info["round"] == 2:
        raise KeyError("validation_loss")
    return False

def net_fails_in_round_2(info):
    if info["round"] == 2:
        info["Net"](torch.ones(1, 5))  # a DataError: the net takes 2 numbers
    return False

torch.save = save_fails_in_round_2
options = {{"stopping": dict(training_stopping_criterion=fails_in_round_2),
            "progress": dict(progress=fails_in_round_2),
            "net": dict(progress=net_fails_in_round_2)}}.get(failure, dict(progress=False))
x = torch.linspace(-1, 1, 32).reshape(16, 2)
net = net_initialize(NetGraph([LinearLayer(1)], [], Input=2), seed=0)
try:
    net_train(net, {{"Input": x, "Target": x.sum(1, keepdim=True)}}, max_training_rounds=4, batch_size=4,
              distributed=True, distributed_timeout=60, checkpoint={out!r} + "/ck", **options)
except Exception as exc:
    with open(os.path.join({out!r}, f"error{{rank}}.json"), "w") as f:
        json.dump({{"type": type(exc).__name__, "message": str(exc), "errors": getattr(exc, "errors", None),
                   "diagnostics": repr(getattr(exc, "diagnostics", None))}}, f)
    raise
"""


def _run(tmp_path, failure: str) -> list[dict]:
    """Each process's error (type and message) when the worker's ``failure`` strikes rank 0 in round 2."""
    return failed_ranks(tmp_path, WORKER, failure)



@pytest.mark.slow
def test_a_checkpoint_rank_0_cannot_write_stops_every_process_at_once(tmp_path):
    reports = _run(tmp_path, "no space")
    assert reports[0] == reports[1], reports
    assert reports[0]["type"] == "TrainingError"
    path = str(tmp_path / "ck" / "round-000002.pt")
    assert reports[0]["message"].startswith(f"cannot write checkpoint {path!r}: No space left on device")


@pytest.mark.slow
def test_any_other_error_of_rank_0_stops_every_process_at_once(tmp_path):
    """Rank 0 raises its own error, as a single process would; the others a TrainingError that names it."""
    reports = _run(tmp_path, "torch.save")
    error = "RuntimeError('[enforce fail at inline_container.cc:595] . unexpected pos 64 vs 0')"
    assert reports[0]["type"] == "RuntimeError", reports
    assert (reports[1]["type"], reports[1]["message"]) == (
        "TrainingError", f"training stopped: process 0 failed saving the checkpoint of round 2 with {error}; see its "
                         f"own output")


@pytest.mark.slow
@pytest.mark.parametrize("failure, option", [("stopping", "training_stopping_criterion"), ("progress", "progress")])
def test_an_error_of_a_function_only_rank_0_runs_is_every_processs_option_error(tmp_path, failure, option):
    """The function's own error is an OptionError naming it and the round (``call_user``), which every process
    raises alike, as any NetGraphError of rank 0."""
    reports = _run(tmp_path, failure)
    assert reports[0] == reports[1], reports
    assert (reports[0]["type"], reports[0]["message"]) == (
        "OptionError", f"{option} fails_in_round_2 raised KeyError after round 2: 'validation_loss'")


@pytest.mark.slow
def test_a_netgraph_error_of_rank_0_is_raised_by_every_process_with_its_class_and_diagnostics(tmp_path):
    """The others raised a TrainingError with rank 0's message: its class (a DataError here) and its Diagnostic's
    fields (the port) were lost."""
    reports = _run(tmp_path, "net")
    assert reports[0] == reports[1], reports
    assert reports[0]["type"] == "DataError" and "port='Input'" in reports[0]["diagnostics"], reports


RESUMING = """
import json, os, sys, warnings
sys.path.insert(0, {root!r})
import torch
import netgraph.train.checkpoint as checkpoint
from netgraph import NetGraph, LinearLayer, net_initialize
from netgraph.train import net_train

rank, folder = int(os.environ["RANK"]), os.path.join({out!r}, "ck")
real_read, read = checkpoint._readable, []  # how later files are read

def reading(path):
    read.append(os.path.basename(path))
    return real_read(path)

checkpoint._readable = reading
x = torch.linspace(-1, 1, 32).reshape(16, 2)
net = net_initialize(NetGraph([LinearLayer(1)], [], Input=2), seed=0)
report = {{}}
with warnings.catch_warnings(record=True) as told:
    warnings.simplefilter("always")
    try:
        net_train(net, {{"Input": x, "Target": x.sum(1, keepdim=True)}}, max_training_rounds=3, batch_size=4,
                  distributed=True, distributed_timeout=60, progress=False, checkpoint=folder,
                  resume=os.path.join(folder, "round-000001.pt"))
    except Exception as exc:
        report["error"] = [type(exc).__name__, str(exc)]
report.update(read=read, warned=[str(w.message) for w in told if "moved aside" in str(w.message)])
with open(os.path.join({out!r}, f"rank{{rank}}.json"), "w") as f:
    json.dump(report, f)
"""


def _resume_past(tmp_path, later: bytes | None) -> list[dict]:
    """Each process's report (the later checkpoint files it read, its warnings, its error) when 2 processes resume
    from round 1 of a folder whose rounds 2 and 3 are ``later`` (None: readable checkpoints)."""
    x = torch.linspace(-1, 1, 32).reshape(16, 2)
    net_train(net_initialize(NetGraph([LinearLayer(1)], [], Input=2), seed=0), {"Input": x,
              "Target": x.sum(1, keepdim=True)}, max_training_rounds=3, batch_size=4, progress=False,
              checkpoint={"directory": tmp_path / "ck", "keep": 3})
    for name in ("round-000002.pt", "round-000003.pt"):
        if later is not None:
            (tmp_path / "ck" / name).write_bytes(later)
    script = tmp_path / "resuming.py"
    script.write_text(textwrap.dedent(RESUMING.format(root=str(ROOT), out=str(tmp_path))))
    env = dict(os.environ, WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
    processes = [subprocess.Popen([sys.executable, str(script)], env=dict(env, RANK=str(rank)),
                                  stderr=subprocess.PIPE, text=True) for rank in (0, 1)]
    try:
        errors = [p.communicate(timeout=90)[1] for p in processes]
    finally:
        for p in processes:
            p.kill()
            p.communicate()
    assert [p.returncode for p in processes] == [0, 0], errors[-1][-2000:]
    return [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)]


@pytest.mark.slow
def test_rank_0_alone_reads_and_sets_aside_damaged_later_checkpoints(tmp_path):
    """Every process read every later checkpoint file, and each moved aside those it found first."""
    reports = _resume_past(tmp_path, b"PK\x03\x04 cut short")
    assert "error" not in reports[0] and "error" not in reports[1], reports
    assert sorted(reports[0]["read"]) == ["round-000002.pt", "round-000003.pt"] and reports[1]["read"] == []
    assert [len(r["warned"]) for r in reports] == [2, 0], reports
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == [
        "round-000001.pt", "round-000002.pt", "round-000002.pt.damaged", "round-000003.pt", "round-000003.pt.damaged"]


@pytest.mark.slow
def test_a_readable_later_checkpoint_is_refused_by_every_process_in_the_same_words(tmp_path):
    reports = _resume_past(tmp_path, None)
    assert reports[1]["read"] == [] and reports[0]["read"], reports
    assert reports[0]["error"] == reports[1]["error"], reports
    assert reports[0]["error"][0] == "OptionError" and "holds checkpoints of rounds after round 1" in \
        reports[0]["error"][1]
