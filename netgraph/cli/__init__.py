"""The ``netgraph`` command line.

The parser (``netgraph.cli.parser``) imports nothing heavy; each command's handler lives in its own
module (``run``, ``check``, ``render``, ``train``, ``measure``, ``export``) and is imported only when that command runs.
"""

from __future__ import annotations

import gc
import importlib
import io
import os
import signal
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from netgraph.cli.parser import build_parser
from netgraph.cli.terminate import TERMINATED_STATUS, Terminated
from netgraph.core.errors import NetGraphError, OptionError
from netgraph.core.files import REFERENCE_SCOPE
from netgraph.core.limits import limits
from netgraph.core.own_classes import is_netgraph_class
from netgraph.core.scoped_values import scoped

__all__ = ["main", "entry", "build_parser", "EPIPE_STATUS", "INTERRUPTED_STATUS", "TERMINATED_STATUS", "ERRORS_FOLDER"]

#: the exit status when stdout's reader has gone: a shell's for a process ended by SIGPIPE (128 + 13)
EPIPE_STATUS = 141
#: the exit status after Ctrl-C: a shell's for a process ended by SIGINT (128 + 2)
INTERRUPTED_STATUS = 130


def main(argv: list[str] | None = None, imported: Callable[[], None] | None = None) -> int:
    """Run one command; bad input prints one clear message (no traceback) and exits 1. ``imported`` is
    called once the command's modules are imported (``entry`` settles the collector there)."""
    _printable_streams()
    args = build_parser().parse_args(argv)
    module_name, function_name = args.handler.split(":")
    handler = getattr(importlib.import_module(f"netgraph.cli.{module_name}"), function_name)
    if imported is not None:
        imported()
    try:
        base_dir = args.base_dir
        if base_dir is not None and not (base_dir and Path(base_dir).is_dir()):  # '' too, not ignored as before
            raise OptionError(f"--base-dir {base_dir!r} is not a folder; give the folder that 'file:' "
                              f"references may also read from", option="base_dir", kind="unusable-folder",
                              expected="a folder", found=base_dir)
        scope = True if args.allow_outside else Path(base_dir) if base_dir else None
        with scoped(REFERENCE_SCOPE, scope), limits(**_limit_flags(args.limit)), warnings.catch_warnings():
            warnings.showwarning = _noting(warnings.showwarning)
            code = int(handler(args) or 0)
        sys.stdout.flush()  # a reader that has gone (| head) shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        _drop_stdout()
        return EPIPE_STATUS
    except (NetGraphError, OSError) as exc:
        _report(f"netgraph {args.command}: {exc}", getattr(args, "distributed", False))
        return 1


#: the folder where processes of ``netgraph train --nproc N`` leave their error, for the launcher to print once
ERRORS_FOLDER = "NETGRAPH_ERRORS_FOLDER"


def _report(message: str, distributed: bool) -> None:
    """``message`` on stderr; from a process that ``--nproc`` started, into ``ERRORS_FOLDER`` instead (each
    process meets the same bad data: ``netgraph.cli.torchrun`` prints each different message once)."""
    folder = os.environ.get(ERRORS_FOLDER) if distributed else None
    if folder:
        try:
            (Path(folder) / f"rank-{int(os.environ.get('RANK', '0')):06d}.txt").write_text(message, "utf-8")
            return
        except (OSError, ValueError):  # the folder gone, a strange RANK: print it here after all
            pass
    print(message, file=sys.stderr)


def _noting(show: Callable) -> Callable:
    """A ``warnings.showwarning`` printing netgraph's own warnings as one ``note: ...`` line on stderr (not
    Python's file:line format with the source line); other packages' warnings go to ``show``."""
    def note(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001 - showwarning's signature
        text = " ".join(str(message).split("\n")).strip()
        if is_netgraph_class(category) or text.startswith("netgraph") \
                or Path(filename).resolve().is_relative_to(_PACKAGE):
            print(f"note: {text.removeprefix('netgraph: ')}", file=sys.stderr if file is None else file)
        else:
            show(message, category, filename, lineno, file, line)
    return note


_PACKAGE = Path(__file__).resolve().parents[1]


def entry(process: bool = False) -> int:
    """The ``netgraph`` command (``python -m netgraph``): ``main`` in a process of its own. Its imports (torch's
    ~100,000 long-lived objects included) run with the cyclic garbage collector paused and are then frozen
    (``gc.freeze``), so the full collections they would trigger, about 0.1-0.2 s of each start, never scan them.
    ``process``: the process ends after it, so once interrupted it ignores Ctrl-C until it has ended (a second one,
    as Python shuts down, printed a traceback and ended it by signal, not with status 130)."""
    gc.disable()
    try:
        return _ended(main(imported=_settle_collector), process)
    except KeyboardInterrupt as exc:  # Ctrl-C (or SIGTERM while training) outside net_train's rounds: no traceback
        terminated = isinstance(exc, Terminated)
        code = _ended(TERMINATED_STATUS if terminated else INTERRUPTED_STATUS, process)
        print(f"netgraph: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return code
    finally:
        gc.enable()


def _ended(code: int, process: bool) -> int:
    """``code``, the command's exit status; a ``process`` ending interrupted or terminated ignores Ctrl-C from now
    on."""
    if process and code in (INTERRUPTED_STATUS, TERMINATED_STATUS):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return code


def _settle_collector() -> None:
    gc.freeze()
    gc.enable()


def _limit_flags(flags: list[str]) -> dict[str, int]:
    """``--limit NAME=N`` flags as keyword arguments of ``netgraph.limits``.

    >>> _limit_flags(["yaml_bytes=100_000_000", "yaml_depth=200"])
    {'yaml_bytes': 100000000, 'yaml_depth': 200}
    """
    out = {}
    for flag in flags:
        name, _, value = flag.partition("=")
        try:
            out[name.strip()] = int(value)
        except ValueError:
            raise OptionError(f"--limit takes NAME=N (a whole number), e.g. --limit yaml_bytes=100000000; found "
                              f"{flag!r}", option="limit", kind="option-value", expected="NAME=N", found=flag) from None
        if out[name.strip()] < 1:  # worded by the flag: netgraph.limits would say 'limit yaml_bytes= must be ...'
            raise OptionError(f"--limit {flag}: N must be a whole number > 0", option="limit", kind="option-value",
                              expected="a whole number > 0", found=flag)
    return out


def _drop_stdout() -> None:
    """After EPIPE on stdout, send what is left of it to /dev/null: quiet, as Unix tools end when their reader
    has gone (| head -1), with no message and no 'Exception ignored' from the final flush at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # not a real file (a test's capture)
        pass


def _printable_streams() -> None:
    """Let stdout and stderr print any name (a lone surrogate from a spec) escaped rather than crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # not a text file of the io module (a test's capture)
            pass
