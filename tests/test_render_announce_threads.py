"""The layout engine is announced once per process and backend even when threads render at once: the check of
"announced before" and its mark were apart, so two threads between them both warned."""

from __future__ import annotations

import threading
import time
import warnings

from netgraph.render import engines


class _SlowSet(set):
    """A set whose membership test gives the other threads a turn, as a thread switch there would."""

    def __contains__(self, item):
        found = super().__contains__(item)
        time.sleep(0.01)
        return found


def test_threads_announcing_one_backend_at_once_warn_once(monkeypatch):
    monkeypatch.setattr(engines, "_announced", _SlowSet())
    start = threading.Barrier(4)

    def announce():
        start.wait(30)
        engines.announce("builtin", "neither Graphviz `dot` nor `graphviz-pure` was found")

    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        threads = [threading.Thread(target=announce) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert [w.category for w in shown] == [engines.RenderBackendWarning]
