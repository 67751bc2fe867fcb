"""A distributed process whose peer stalls (alive, but out of the exchanges: it caught an error, or hangs in its data)
waited in gloo's collective for 30 minutes, and ignored Ctrl-C all along. Processes started here without torchrun,
whose supervisor would hide it by killing the others when one exits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from netgraph.train.distributed import free_port

ROOT = Path(__file__).resolve().parents[1]

WORKER = """
import json, os, sys, time
sys.path.insert(0, {root!r})
import torch
from netgraph import NetGraph, LinearLayer, NetGraphError, net_initialize
from netgraph.train import net_train

rank, timeout, fails = int(os.environ["RANK"]), float(sys.argv[1]), sys.argv[2:] == ["fails"]
if os.environ.get("PEER_READY"):  # both imported before either joins: the join waits distributed_timeout at most
    open(os.path.join({out!r}, f"ready{{rank}}"), "w").close()
    while not os.path.exists(os.path.join({out!r}, f"ready{{1 - rank}}")):
        time.sleep(0.01)

def batches():
    x = torch.ones(4, 2)
    for i in range(10**6):
        if i == 2:
            open(os.path.join({out!r}, f"waiting{{rank}}"), "w").close()
            if rank == 1 and fails:
                raise OSError("the data disk went away")  # out of net_train, which leaves the process group
            if rank == 1:
                time.sleep(120)  # stalled, out of the exchanges
        yield {{"Input": x, "Target": x.sum(1, keepdim=True)}}

net = net_initialize(NetGraph([LinearLayer(1)], [], Input=2), seed=0)
try:
    net_train(net, batches(), max_training_rounds=1, distributed=True, distributed_timeout=timeout, progress=False)
except NetGraphError as exc:  # what a script sees: the error, its Diagnostic and its cause
    d = exc.diagnostics[0]
    with open(os.path.join({out!r}, f"error{{rank}}.json"), "w") as f:
        json.dump({{"type": type(exc).__name__, "message": str(exc), "option": d.option, "found": d.found,
                   "kind": d.kind, "cause": type(exc.__cause__).__name__, "cause_text": str(exc.__cause__)}}, f)
    raise
"""


def _start(tmp_path: Path, timeout: float, *args: str) -> list[subprocess.Popen]:
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER.format(root=str(ROOT), out=str(tmp_path))))
    env = dict(os.environ, WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()), PEER_READY="1")
    return [subprocess.Popen([sys.executable, str(script), str(timeout), *args], env=dict(env, RANK=str(rank)),
                             stderr=subprocess.PIPE, text=True) for rank in (0, 1)]


def _wait_for(path: Path, processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 60  # torch's import, on a busy machine
    while not path.exists():
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            errors = [p.communicate()[1][-2000:] if p.poll() is not None else "(running)" for p in processes]
            pytest.fail(f"workers did not reach {path.name}: {errors}")
        time.sleep(0.05)


def _stop(processes: list[subprocess.Popen]) -> None:
    """Kill and reap the workers. Not communicate() again: after _wait_for's, it raised "I/O operation on closed file",
    hiding the failure being reported."""
    for p in processes:
        p.kill()
        p.wait()
        p.stderr.close()


def _run(tmp_path: Path, timeout: float, interrupt: bool) -> tuple[int, str, float]:
    """Rank 0's exit status, stderr and seconds from its peer's stall (or its SIGINT) to its end."""
    processes = _start(tmp_path, timeout)
    try:
        _wait_for(tmp_path / "waiting1", processes)
        _wait_for(tmp_path / "waiting0", processes)
        time.sleep(0.5)  # rank 0 is in the exchange now
        if interrupt:
            processes[0].send_signal(signal.SIGINT)
        began = time.monotonic()
        try:
            _, err = processes[0].communicate(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail("rank 0 still waits for its stalled peer")
        return processes[0].returncode, err, time.monotonic() - began
    finally:
        _stop(processes)


@pytest.mark.slow
def test_a_process_whose_peer_stalls_fails_after_distributed_timeout(tmp_path):
    """Gloo's own RuntimeError ("Timed out waiting 2000ms for recv operation") reached the user; now it is only the
    cause of netgraph's error, which names the option, its value and what to do."""
    code, err, took = _run(tmp_path, timeout=1.5, interrupt=False)
    assert code == 1 and took < 10, err[-2000:]
    report = json.loads((tmp_path / "error0.json").read_text())
    assert report["type"] == "DistributedTimeoutError", report
    assert (report["option"], report["found"], report["kind"]) == ("distributed_timeout", 1.5, "distributed-timeout")
    assert report["message"].startswith("distributed_timeout=1.5: a process waited 1.5 s for the others")
    assert "raise the timeout" in report["message"] and "Timed out" not in report["message"]
    assert report["cause"] == "RuntimeError" and "Timed out" in report["cause_text"]


@pytest.mark.slow
def test_a_process_whose_peer_fails_stops_at_once_naming_it(tmp_path):
    """Gloo's own RuntimeError ("Connection closed by peer [127.0.0.1]:port ... GLHF!") reached the user when another
    process failed anywhere (its data, here) and left; now it is only the cause of a TrainingError saying so."""
    processes = _start(tmp_path, 60, "fails")
    try:
        try:
            _, err = processes[0].communicate(timeout=60)  # torch's import, on a busy machine
        except subprocess.TimeoutExpired:
            pytest.fail("rank 0 still waits for its failed peer")
    finally:
        _stop(processes)
    assert processes[0].returncode == 1, err[-2000:]
    report = json.loads((tmp_path / "error0.json").read_text())
    assert report["type"] == "TrainingError", report
    assert report["message"] == ("training stopped: another process left the exchanges (it failed or was ended: see "
                                 "its own output)")
    assert report["kind"] == "distributed-peer-lost" and report["cause"] == "RuntimeError", report
    assert "closed by peer" in report["cause_text"], report


@pytest.mark.slow
@pytest.mark.parametrize("rank, cause", [(0, "DistStoreError"), (1, "DistNetworkError")])
def test_a_process_whose_peer_never_joins_fails_after_distributed_timeout(tmp_path, rank, cause):
    """A peer that never started ended the other with torch's own text ("Timed out after 2 seconds waiting for
    clients", "The client socket has timed out"); now that is the cause of the error the exchanges' timeouts raise,
    naming the option, its value, the address it waited at and what to do. Rank 0 waits for clients, rank 1 for rank
    0's store."""
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER.format(root=str(ROOT), out=str(tmp_path))))
    port = free_port()
    env = dict(os.environ, WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank))
    ran = subprocess.run([sys.executable, str(script), "1.5"], env=env, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 1, ran.stderr[-2000:]
    report = json.loads((tmp_path / f"error{rank}.json").read_text())
    assert report["type"] == "DistributedTimeoutError", report
    assert (report["option"], report["found"], report["kind"]) == ("distributed_timeout", 1.5, "distributed-timeout")
    assert report["message"].startswith(f"distributed_timeout=1.5: a process waited 1.5 s for the others to join the "
                                        f"process group at 127.0.0.1:{port}"), report["message"]
    assert "raise the timeout" in report["message"] and "timed out" not in report["message"].lower()
    assert report["cause"] == cause


@pytest.mark.slow
def test_ctrl_c_ends_a_process_waiting_for_a_stalled_peer(tmp_path):
    code, err, took = _run(tmp_path, timeout=600, interrupt=True)
    assert code == 130 and took < 8, err[-2000:]
    assert "interrupted" in err and "Traceback" not in err


def test_the_watchdog_leaves_a_script_s_own_ctrl_c_handler_alone(monkeypatch):
    """A script that handles SIGINT itself (a flag for a graceful stop) would have been ended 2 s after Ctrl-C."""
    from netgraph.train.interrupt import Watchdog
    monkeypatch.setattr(signal, "getsignal", lambda number: (lambda got, frame: None))
    assert Watchdog.start(active=True) is None
    monkeypatch.undo()
    watchdog = Watchdog.start(active=True)
    try:
        assert watchdog is not None and watchdog.thread.is_alive()
    finally:
        watchdog.stop()
    assert not watchdog.thread.is_alive() and signal.set_wakeup_fd(-1) == -1
