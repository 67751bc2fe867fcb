"""The time dot gets when no backend is named: dot's time on a net is hard to foretell (1,000 layers each adding the
one 3 back took it 8 s, 2,000 adding the one 2 back 5 s), so an SVG it runs past ``AUTO_TIMEOUT_S`` on is stopped and
drawn by graphviz-pure in the same time, else by the built-in layout; a named dot, or a PNG or PDF (which only
Graphviz writes), gets ``TIMEOUT_S``."""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import pytest

from netgraph.render import api
from netgraph.render import engines as render_backend
from tests.test_render import seed


def _fake(folder: Path, name: str, body: str) -> Path:
    """An engine ``name`` in ``folder``: one Python process running ``body`` (as dot is one process)."""
    exe = folder / name
    exe.write_text(f"#!{sys.executable} -S\nimport os, time\n{body}\n")
    exe.chmod(0o755)
    return exe


@pytest.fixture
def slow_dot(tmp_path, monkeypatch):
    """A dot that sleeps 2 s before writing ``<svg/>``, given 0.5 s when no backend is named; a
    graphviz-pure that leaves a mark when run and writes ``<svg/>`` at once. Returns the file the dot writes its
    process id to."""
    _fake(tmp_path, "dot", f"open({str(tmp_path / 'pid')!r}, 'w').write(str(os.getpid()))\ntime.sleep(2)\n"
                           f"print('<svg/>')")
    _fake(tmp_path, "graphviz-pure", f"open({str(tmp_path / 'pure-ran')!r}, 'w')\nprint('<svg/>')")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render_backend, "_announced", set())
    monkeypatch.setattr(render_backend, "AUTO_TIMEOUT_S", 0.5)
    return tmp_path


def test_an_automatic_dot_past_its_time_is_stopped_and_graphviz_pure_draws_the_svg(slow_dot):
    """graphviz-pure was not tried after dot ran past its time ("slower than dot"), yet on the same DOT source it
    was as often faster (a 450-layer ladder adding the one 3 back: dot 3.3 s, graphviz-pure 2.2 s; 250 layers: 0.8 s
    and 1.1 s): it gets the same time, and its note says why dot was passed over."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        svg = seed().render_svg()
    assert svg == "<svg/>\n" and (slow_dot / "pure-ran").exists()
    said = [str(w.message) for w in caught if "ran past" in str(w.message)]
    assert len(said) == 1 and said[0].startswith("netgraph diagrams are laid out by `graphviz-pure`"), said
    assert "dot ran past 0.5 s, the time it gets when no backend is named" in said[0]
    assert "backend='dot' (--backend dot) to wait for it" in said[0]
    with pytest.raises(ProcessLookupError):  # killed and reaped: no dot left running
        os.kill(int((slow_dot / "pid").read_text()), 0)


def test_when_graphviz_pure_runs_past_its_time_too_the_builtin_layout_draws_the_svg(slow_dot):
    _fake(slow_dot, "graphviz-pure", f"open({str(slow_dot / 'pure-ran')!r}, 'w')\ntime.sleep(2)\nprint('<svg/>')")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        svg = seed().render_svg()
    assert "built-in layered layout" in svg.splitlines()[1] and (slow_dot / "pure-ran").exists()
    said = [str(w.message) for w in caught if "ran past" in str(w.message)]
    assert len(said) == 1 and said[0].startswith("netgraph diagrams are laid out by netgraph's built-in"), said
    assert "dot ran past 0.5 s" in said[0] and "graphviz-pure ran past 0.5 s" in said[0]


def test_a_named_dot_is_not_stopped_at_that_time(slow_dot):
    assert seed().render_svg(backend="dot") == "<svg/>\n"


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_a_png_or_pdf_with_no_backend_named_is_not_stopped_at_that_time(slow_dot, fmt):
    """Only dot and graphviz-pure write them: there is no built-in layout to fall back to."""
    assert api._engine_output(seed(), fmt, None, {}) == (b"<svg/>\n", "dot")


def _running(pid: int) -> bool:
    """Whether process ``pid`` still runs (a killed child not yet reaped by its new parent counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


@pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")
def test_a_dot_that_is_a_wrapper_leaves_no_layout_process_running_when_stopped(slow_dot, monkeypatch):
    """Some installs make `dot` a script starting the real one: stopping the script alone left the layout running
    (with parent 1) for as long as it took; the engine runs in a process group of its own, killed whole."""
    child = f"import os, time; open({str(slow_dot / 'child')!r}, 'w').write(str(os.getpid())); time.sleep(30)"
    _fake(slow_dot, "dot", f"import subprocess, sys\nsubprocess.run([sys.executable, '-S', '-c', {child!r}])")
    monkeypatch.setattr(render_backend, "AUTO_TIMEOUT_S", 3)  # time for the child to start on a busy machine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert seed().render_svg() == "<svg/>\n"  # graphviz-pure's, after dot was stopped
    pid = int((slow_dot / "child").read_text())
    for _ in range(100):  # SIGKILL is delivered at once; give the kernel a moment to take the process down
        if not _running(pid):
            break
        time.sleep(0.02)
    assert not _running(pid)


def test_a_net_too_big_for_graphviz_pure_after_dot_ran_past_its_time_does_not_suggest_installing_dot(slow_dot):
    """dot is there (it ran past its time): the note said graphviz-pure would be slow, "or install Graphviz's dot"."""
    from netgraph import NetChain
    net = NetChain(["Tanh"] * (api.PURE_MAX_BOXES + 1), input=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        svg = net.render_svg()
    assert "built-in layered layout" in svg.splitlines()[1] and not (slow_dot / "pure-ran").exists()
    (said,) = [str(w.message) for w in caught if "ran past" in str(w.message)]
    assert "dot ran past 0.5 s" in said and "graphviz-pure would be slow on" in said
    assert "install Graphviz's dot" not in said
