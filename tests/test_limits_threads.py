"""``netgraph.limits(...)`` holds inside its block, in the thread (context) that opened it, and nowhere else;
``set_limits(...)`` changes the process-wide limits every thread sees outside its own blocks."""

from __future__ import annotations

import contextvars
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

import netgraph
from netgraph import NetGraph
from netgraph.core.limits import Limits, current_limits

SPEC = "netgraph: 1\nlayers: {lin: {type: LinearLayer, output: 3}}\ninputs: {Input: 2}\n"
TIMEOUT = 30  # seconds any wait here may take before the test fails (a hang, not a slow machine)


@pytest.fixture(autouse=True)
def _default_limits():
    """Each test starts from the default process-wide limits, whatever ran before it, and leaves them as found."""
    previous = netgraph.set_limits(**vars(Limits()))
    yield
    netgraph.set_limits(**vars(previous))


def _in_thread(target: Callable[[], Any]) -> Future:
    """``target`` run in a thread of its own, started now (as every thread, with an empty context)."""
    pool = ThreadPoolExecutor(1)
    future = pool.submit(target)
    pool.shutdown(wait=False)
    return future


def _wait(event: threading.Event) -> None:
    assert event.wait(TIMEOUT), "the other thread did not get there"


def test_a_block_in_one_thread_does_not_limit_another_thread():
    entered, done = threading.Event(), threading.Event()

    def small_block() -> int:
        with netgraph.limits(yaml_bytes=10):
            entered.set()
            _wait(done)
            return current_limits().yaml_bytes
    thread = _in_thread(small_block)
    _wait(entered)
    try:
        assert NetGraph.from_yaml(SPEC).layers["lin"] == netgraph.LinearLayer(3)  # was: "more than a spec may have (10"
        assert current_limits() == Limits()
    finally:
        done.set()
    assert thread.result(TIMEOUT) == 10


def test_overlapping_blocks_of_two_threads_each_see_their_own_and_leave_the_limits_as_found():
    """A enters 111, B enters 222, A exits, B exits: the limits stayed 111 for good."""
    steps = [threading.Event() for _ in range(4)]

    def block(value: int, enter_after: int, exit_after: int) -> list[int]:
        seen = []
        if enter_after >= 0:
            _wait(steps[enter_after])
        with netgraph.limits(yaml_bytes=value):
            seen.append(current_limits().yaml_bytes)
            steps[enter_after + 1].set()
            _wait(steps[exit_after])
            seen.append(current_limits().yaml_bytes)
        seen.append(current_limits().yaml_bytes)
        steps[exit_after + 1].set()
        return seen
    first = _in_thread(lambda: block(111, -1, 1))   # enters, sets 0; exits after 1, sets 2
    second = _in_thread(lambda: block(222, 0, 2))   # enters after 0, sets 1; exits after 2, sets 3
    default = Limits().yaml_bytes
    assert first.result(TIMEOUT) == [111, 111, default] and second.result(TIMEOUT) == [222, 222, default]
    assert current_limits() == Limits()


def test_nested_blocks_restore_exactly_what_the_outer_block_set():
    with netgraph.limits(yaml_depth=7, yaml_nodes=70):
        with netgraph.limits(yaml_nodes=80, yaml_bytes=90) as inner:
            assert (inner.yaml_depth, inner.yaml_nodes, inner.yaml_bytes) == (7, 80, 90) and inner == current_limits()
        assert current_limits() == Limits(yaml_depth=7, yaml_nodes=70)
    assert current_limits() == Limits()


def test_set_limits_changes_every_thread_outside_its_own_block_names():
    entered, changed = threading.Event(), threading.Event()

    def block() -> tuple[int, int]:
        with netgraph.limits(yaml_nodes=7):
            entered.set()
            _wait(changed)
            return current_limits().yaml_nodes, current_limits().yaml_depth
    thread = _in_thread(block)
    _wait(entered)
    previous = netgraph.set_limits(yaml_depth=3, yaml_nodes=5)
    try:
        changed.set()
        assert thread.result(TIMEOUT) == (7, 3)  # the block's own name kept, the others the process-wide ones
        assert previous == Limits()  # the process-wide limits, never another thread's block
        assert (current_limits().yaml_depth, current_limits().yaml_nodes) == (3, 5)
        with netgraph.limits(yaml_nodes=9):
            assert netgraph.set_limits(yaml_depth=4) == Limits(yaml_depth=3, yaml_nodes=5)
            assert (current_limits().yaml_depth, current_limits().yaml_nodes) == (4, 9)
        assert (current_limits().yaml_depth, current_limits().yaml_nodes) == (4, 5)
    finally:
        netgraph.set_limits(**vars(previous))
    assert current_limits() == Limits()


def test_a_thread_started_inside_a_block_sees_the_process_wide_limits_unless_given_the_context():
    with netgraph.limits(yaml_bytes=10):
        assert _in_thread(lambda: current_limits().yaml_bytes).result(TIMEOUT) == Limits().yaml_bytes
        context = contextvars.copy_context()
        assert _in_thread(lambda: context.run(lambda: current_limits().yaml_bytes)).result(TIMEOUT) == 10


def _send_limits(connection: Any) -> None:
    connection.send(current_limits().yaml_bytes)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="the platform cannot fork")
def test_a_process_forked_inside_a_block_starts_with_the_blocks_limits():
    receiving, sending = multiprocessing.Pipe(duplex=False)
    with netgraph.limits(yaml_bytes=10):
        child = multiprocessing.get_context("fork").Process(target=_send_limits, args=(sending,))
        child.start()
    try:
        assert receiving.poll(TIMEOUT) and receiving.recv() == 10
    finally:
        child.join(TIMEOUT)
    assert child.exitcode == 0


def test_a_block_makes_its_limits_once_after_set_limits():
    # every current_limits() in the block rebuilt them with dataclasses.replace (17 us a call, against 0.2 us)
    with netgraph.limits(yaml_depth=7):
        previous = netgraph.set_limits(yaml_nodes=123)
        try:
            now = current_limits()
            assert (now.yaml_depth, now.yaml_nodes) == (7, 123) and current_limits() is now
            netgraph.set_limits(yaml_nodes=124)
            assert current_limits().yaml_nodes == 124 and current_limits().yaml_depth == 7
        finally:
            netgraph.set_limits(**vars(previous))
    assert current_limits() == previous
