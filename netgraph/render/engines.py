"""Layout engines: the system Graphviz ``dot``, the pip-installed ``graphviz-pure`` port of it, or
netgraph's own layered layout (``layout.py``), tried in that order.

Subprocess work lives here only. Each engine announces itself once per process (logging; a
warning when the system ``dot`` was not used, since its output differs in look, not content).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import warnings
from pathlib import Path

from netgraph.core.errors import NetGraphError, OptionError, did_you_mean
from netgraph.core.user_frame import user_stacklevel

__all__ = ["BACKENDS", "FORMATS", "RenderBackendWarning", "find_executable", "available_backends",
           "backends_for", "run_engine", "time_for", "ran_past", "announce", "EngineFailed", "EngineTimedOut"]

log = logging.getLogger("netgraph.render")

BACKENDS = ("dot", "graphviz-pure", "builtin")
BACKEND_KIND = "render-backend"  # no backend installed, or able to write the format or this net, or one that failed
#: Output formats each backend can write ("dot" writes the DOT source itself, no engine needed).
FORMATS = {"dot": ("svg", "png", "pdf"), "graphviz-pure": ("svg", "png"), "builtin": ("svg",)}
#: Seconds a named engine (``backend="dot"``) or one writing PNG/PDF may take.
TIMEOUT_S = 120
#: Seconds dot may take on an SVG when no backend is named before the built-in layout draws it instead (dot's time is
#: hard to foretell from the net: 1,000 layers each adding the one 3 back took it 8 s, 2,000 adding the one 2 back 5 s).
AUTO_TIMEOUT_S = 10
_announced: set[tuple[str, str]] = set()  # (backend, reason): each pair announced once
_ANNOUNCING = threading.Lock()  # the test of _announced and its mark, as one step: threads render at once

DESCRIPTIONS = {
    "dot": "the system Graphviz `dot`",
    "graphviz-pure": "`graphviz-pure` (a pip-installed port of Graphviz dot)",
    "builtin": "netgraph's built-in layered layout (SVG only; install Graphviz for PNG/PDF and dot's layout)",
}
REASONS = {"graphviz-pure": "`dot` is not on PATH", "builtin": "neither Graphviz `dot` nor `graphviz-pure` was found"}


class RenderBackendWarning(UserWarning):
    """Said once per process when a diagram is laid out without the system Graphviz ``dot``."""


class EngineFailed(Exception):
    """An engine exited with an error or timed out (internal: the caller falls back or reports it)."""


class EngineTimedOut(EngineFailed):
    """An engine ran past its time (killed with its process group, and waited for: ``_run_in_own_group``)."""


def find_executable(name: str) -> str | None:
    """The path of engine ``name`` ('dot' or 'graphviz-pure'), or None when it is not installed.

    ``graphviz-pure`` is also looked for beside the running Python, where pip puts it even when that
    folder is not on PATH.
    """
    found = shutil.which(name)
    if found is None and name == "graphviz-pure":
        beside = Path(sys.executable).parent / name
        found = str(beside) if beside.is_file() else None
    return found


def available_backends() -> list[str]:
    """The backends usable now, best first (the built-in layout is always there)."""
    return [b for b in BACKENDS if b == "builtin" or find_executable(b) is not None]


def backends_for(fmt: str, requested: str | None) -> list[str]:
    """The backends to try, in order, for writing format ``fmt``; a clear error when none can.

    ``requested`` names one backend (an error if it is missing or cannot write ``fmt``); None picks
    every available backend that writes ``fmt``.
    """
    if requested is not None:
        if requested not in BACKENDS:
            raise OptionError(f"unknown render backend {requested!r}{did_you_mean(requested, BACKENDS)}; "
                              f"backends are {list(BACKENDS)}", kind="option-value", option="backend",
                              found=requested, expected=list(BACKENDS))
        if requested not in available_backends():
            raise NetGraphError(f"render backend {requested!r} is not installed: {_install_hint(requested)}",
                                kind=BACKEND_KIND, option="backend", found=requested)
        if fmt not in FORMATS[requested]:
            raise NetGraphError(f"render backend {requested!r} cannot write {fmt.upper()}; it writes "
                                f"{', '.join(FORMATS[requested])}", kind=BACKEND_KIND, option="backend",
                                found=requested)
        return [requested]
    usable = [b for b in available_backends() if fmt in FORMATS[b]]
    if not usable:
        writers = [b for b in BACKENDS if fmt in FORMATS[b]]
        raise NetGraphError(f"cannot write {fmt.upper()}: that needs {' or '.join(map(repr, writers))}, and "
                            f"{'neither is' if len(writers) > 1 else 'it is not'} installed "
                            f"({_install_hint('dot')}). Installed now: {', '.join(available_backends())}, "
                            f"which write {', '.join(sorted({f for b in available_backends() for f in FORMATS[b]}))}",
                            kind=BACKEND_KIND)
    return usable


def _install_hint(backend: str) -> str:
    if backend == "graphviz-pure":
        return "pip install graphviz-pure"
    return ("install Graphviz so that `dot` is on PATH (apt-get install graphviz, brew install graphviz, "
            "conda install graphviz or https://graphviz.org/download/)")


def run_engine(backend: str, source: str, fmt: str, timeout: float = TIMEOUT_S) -> bytes:
    """Lay out DOT ``source`` with ``backend`` ('dot' or 'graphviz-pure') and return the ``fmt`` bytes; EngineTimedOut
    past ``timeout`` seconds (the engine killed)."""
    exe = find_executable(backend)
    if exe is None:
        raise EngineFailed(f"{backend} is not installed")
    try:
        done = _run_in_own_group([exe, f"-T{fmt}"], source.encode("utf-8", errors="backslashreplace"), timeout)
    except subprocess.TimeoutExpired:
        raise EngineTimedOut(f"{backend} took longer than {timeout:g} s") from None
    except OSError as exc:
        raise EngineFailed(f"could not run {exe}: {exc}") from None
    if done.returncode != 0 or not done.stdout:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        err = "\n".join(lines[:3]) + (f"\n(and {len(lines) - 3:,} more lines)" if len(lines) > 3 else "")
        raise EngineFailed(f"{exe} -T{fmt} {_ended(done.returncode)}: {err or 'no output'}")
    return done.stdout


def _run_in_own_group(command: list[str], data: bytes, timeout: float) -> subprocess.CompletedProcess:
    """``subprocess.run(command, input=data, capture_output=True, timeout=timeout)``, but the command runs in a
    process group of its own, killed whole on a timeout or an interrupt: a ``dot`` that is a wrapper script
    leaves no layout process running after it (``subprocess.run`` kills only the process it started)."""
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=sys.platform != "win32")
    try:
        out, err = process.communicate(data, timeout=timeout)
    except BaseException:  # TimeoutExpired, KeyboardInterrupt
        _kill_group(process)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def _kill_group(process: subprocess.Popen) -> None:
    if sys.platform == "win32":
        process.kill()
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # already ended, with every process of its group
        pass


def time_for(backend: str | None, fmt: str) -> float:
    """Seconds an engine gets: ``AUTO_TIMEOUT_S`` on an SVG with no backend named (the built-in layout draws it
    instead), else ``TIMEOUT_S`` (a named engine, or a PNG or PDF, which only dot and graphviz-pure write)."""
    return AUTO_TIMEOUT_S if backend is None and fmt == "svg" else TIMEOUT_S


def ran_past(name: str) -> str:
    """Why engine ``name``, picked automatically for an SVG, was stopped: it ran past ``AUTO_TIMEOUT_S``."""
    return (f"{name} ran past {AUTO_TIMEOUT_S:g} s, the time it gets when no backend is named (stopped); pass "
            f"backend={name!r} (--backend {name}) to wait for it")


def _ended(returncode: int) -> str:
    """How an engine's process ended: its exit status, or the signal that killed it (a crash, e.g. SIGSEGV)."""
    if returncode >= 0:
        return f"exited with status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = "unknown signal"
    return f"crashed (signal {-returncode}, {name})"


def announce(backend: str, reason: str = "") -> None:
    """Say, once per process and backend, which engine laid out the diagrams; a backend other than
    ``dot`` picked automatically (``reason`` says why) also gives a RenderBackendWarning, once per reason, even after
    the same backend was named (a named one's note does not say why a later diagram fell back to it)."""
    key = (backend, reason)
    with _ANNOUNCING:
        if key in _announced:
            return
        _announced.add(key)
    where = find_executable(backend) if backend != "builtin" else None
    described = DESCRIPTIONS[backend]
    if backend == "builtin" and find_executable("dot") is not None:  # dot is there, passed over: no install hint
        described = "netgraph's built-in layered layout"
    message = f"netgraph diagrams are laid out by {described}" + (f" at {where}" if where else "")
    if backend != "dot" and reason:
        message += f", since {reason}"
        warnings.warn(message, RenderBackendWarning, stacklevel=user_stacklevel())  # the user's line, any form
    log.info(message)
