"""Run benchmark scripts one after another in this one interpreter, each as ``__main__`` with its own ``sys.argv``,
and print each run's exit code, stdout and stderr as one JSON list.

test_benchmarks ran each script in an interpreter of its own: 22 interpreters each importing torch and
netgraph (about 2.2 s CPU apiece, most of each run).
Usage: ``python tests/bench_runner.py '[["script.py", ["--arg", ...]], ...]'``.
"""

from __future__ import annotations

import contextlib
import io
import json
import runpy
import sys
import traceback
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def exit_code(stop: SystemExit) -> int:
    """The exit status ``sys.exit(code)`` gives a process: 0 for None, 1 (after printing it) for a message."""
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    print(stop.code, file=sys.stderr)
    return 1


def run_script(script: str, args: list[str]) -> dict:
    """Run ``benchmarks/script`` as ``python script *args`` would; its exit code and what it printed."""
    path = BENCH / script
    out, err, code = io.StringIO(), io.StringIO(), 0
    sys.argv = [str(path), *args]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(str(path), run_name="__main__")
        except SystemExit as stop:
            code = exit_code(stop)
        except BaseException:  # noqa: BLE001 - reported as the interpreter would, with exit code 1
            traceback.print_exc()
            code = 1
    return {"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


if __name__ == "__main__":
    sys.path[0] = str(BENCH)  # the scripts import _common and models from their own folder, as when run directly
    results = [run_script(script, args) for script, args in json.loads(sys.argv[1])]
    sys.stdout.write(json.dumps(results))
