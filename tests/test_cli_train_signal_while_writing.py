"""`netgraph train` sent SIGTERM or Ctrl-C while it writes its outputs (after training): the signal waits until every
file is written, then ends the command as it would during training (its message and exit status)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from tests.cli_runner import Cli
from tests.subprocess_env import checkout_env

#: runs ``netgraph train`` with the writer named by argv[1] (``module:attribute``) sending this process the signal
#: named by argv[2] as it first starts writing: a signal that lands mid-write on every run, not by a timing race
SIGNAL_WHILE_WRITING = """\
import importlib, os, runpy, signal, sys
where, number = sys.argv.pop(1), signal.Signals[sys.argv.pop(1)]
module, _, name = where.partition(":")
owner = importlib.import_module(module)
if "." in name:
    owner, name = getattr(owner, name.split(".")[0]), name.split(".")[1]
writer, sent = getattr(owner, name), []
def signalled(*args, **kwargs):
    if not sent:  # once: a second signal stops the writes at once, as it stops a training step
        sent.append(os.kill(os.getpid(), number))
    return writer(*args, **kwargs)
setattr(owner, name, signalled)
sys.argv[0] = "netgraph"
runpy.run_module("netgraph", run_name="__main__", alter_sys=True)
"""

SAVING, PLOTTING = "netgraph.spec.saving:atomic_write", "netgraph.train.results:NetTrainResults.plot_losses"
AFTER_ROUNDS, RESULTS = "netgraph.train.api:_after_run", "netgraph.train.api:_results"  # training over, no file yet


@pytest.mark.parametrize("where, sent, code, said, flags", [
    (SAVING, "SIGTERM", 143, "netgraph train: terminated (SIGTERM); the net trained so far is written", ()),
    (SAVING, "SIGINT", 130, "netgraph train: interrupted; the net trained so far is written", ()),
    (PLOTTING, "SIGTERM", 143, "netgraph train: terminated (SIGTERM); the net trained so far is written",
     ("--checkpoint", "ck")),
    (AFTER_ROUNDS, "SIGTERM", 143, "netgraph train: terminated (SIGTERM); the net trained so far is written", ()),
    (RESULTS, "SIGINT", 130, "netgraph train: interrupted; the net trained so far is written", ("--checkpoint", "ck"))])
def test_a_signal_while_outputs_are_written_waits_for_them(tmp_path, where, sent, code, said, flags):
    """SIGTERM there killed the process silently (exit 143, a weights file and a .tmp, or the spec without loss.svg
    and results.json); Ctrl-C there ended it with 'netgraph: interrupted' and the same mixed folder. Between the
    rounds' end and the writes, either lost the trained net (no out/ at all)."""
    files = Cli(tmp_path, None)
    files.spec(), files.data()
    ran = subprocess.run([sys.executable, "-c", SIGNAL_WHILE_WRITING, where, sent, "train", "s.yaml", "--data",
                          "d.npz", "-o", "out", "--rounds", "2", "--batch-size", "2", "--quiet", *flags],
                         cwd=tmp_path, env=checkout_env(), capture_output=True, text=True, timeout=120)
    assert ran.returncode == code and "Traceback" not in ran.stderr, ran.stderr[-3000:]
    assert ran.stderr.rstrip().endswith(said), ran.stderr[-3000:]
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("s.")) == ["loss.svg", "results.json"]
    assert len(list(out.glob("s.*.safetensors"))) == 1 and (out / "s.yaml").is_file()
    assert not list(out.glob(".*")), "no temporary file is left"
    assert json.loads((out / "results.json").read_text())["total_rounds"] == 2
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # this test process's own handler untouched


#: ``netgraph train`` whose results.json is made read-only, and which is sent SIGTERM, as training's rounds end
LOCKED_AND_SIGNALLED = """\
import os, runpy, signal, sys
import netgraph.train.api as api
results = api._results
def locked(*args, **kwargs):
    os.chmod("out/results.json", 0o444)
    os.kill(os.getpid(), signal.SIGTERM)
    return results(*args, **kwargs)
api._results = locked
sys.argv[0] = "netgraph"
runpy.run_module("netgraph", run_name="__main__", alter_sys=True)
"""


def test_a_signal_held_when_writing_is_refused_still_ends_the_command_as_a_signal(tmp_path):
    """The held SIGTERM was dropped when the check before writing refused: exit 1, as if no signal had come."""
    files = Cli(tmp_path, None)
    files.spec(), files.data()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "results.json").write_text("{}\n")
    ran = subprocess.run([sys.executable, "-c", LOCKED_AND_SIGNALLED, "train", "s.yaml", "--data", "d.npz", "-o",
                          "out", "--rounds", "2", "--batch-size", "2", "--quiet"],
                         cwd=tmp_path, env=checkout_env(), capture_output=True, text=True, timeout=120)
    assert ran.returncode == 143 and "Traceback" not in ran.stderr, ran.stderr[-3000:]
    lines = ran.stderr.rstrip().splitlines()
    assert "results.json in it cannot be replaced" in lines[-2] and lines[-1] == "netgraph: terminated", lines
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["results.json"]


#: rank 0 of ``netgraph train --distributed`` (training stood in for), sent SIGTERM as it starts writing
RANK_ZERO_SIGNALLED = """\
import argparse, os, signal
import netgraph.cli.train as cli_train
wrote = []
def write(results, *outputs):
    os.kill(os.getpid(), signal.SIGTERM)
    wrote.append(results)
    return 0
cli_train._trained, cli_train.write_outputs = (lambda *args: "trained"), write
os.environ["RANK"] = "0"
status = cli_train._trained_and_written(argparse.Namespace(distributed=True), (), None, ())
print(status, wrote, signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
"""


def test_rank_zero_of_a_distributed_run_holds_sigterm_until_its_outputs_are_written():
    """torchrun stops its processes with SIGTERM, left at the system's default under --distributed: rank 0 died
    mid-write (a mixed folder). Held while writing, it ends the command as SIGTERM does once all is written."""
    ran = subprocess.run([sys.executable, "-c", RANK_ZERO_SIGNALLED], env=checkout_env(), capture_output=True,
                         text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.split() == ["143", "['trained']", "True"]  # SIGTERM at the default again afterwards
