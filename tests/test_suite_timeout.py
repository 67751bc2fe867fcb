"""The suite's own running: CI and the README's test command stop a hung test (pytest-timeout, in the test extra,
its signal method) with its line shown, and print every thread's stack (pytest's faulthandler_timeout) first, under
pytest-xdist as CI runs it, instead of holding the run until CI's own limit."""

from __future__ import annotations

import re
import shlex
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ("-n auto", "--dist worksteal", "--timeout=300")


def _pytest_line(path: Path) -> str:
    """The first line of ``path`` that runs the whole suite in parallel (``-m pytest`` ... ``-n auto``)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if re.search(r"-m pytest\b.*-n auto", line)]
    assert lines, f"{path.name} has no line running the suite with -m pytest -n auto"
    return lines[0]


def _ini() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]


def test_ci_and_the_readme_run_the_suite_in_parallel_with_a_per_test_timeout():
    for path in (ROOT / ".ci" / "run", ROOT / "README.md"):
        line = _pytest_line(path)
        assert all(flag in line for flag in FLAGS), (path.name, line)
        # the thread method os._exit's an xdist worker: "worker 'gw0' crashed", no stack, no marked test's line
        assert "--timeout-method" not in line, (path.name, line)
    extra = re.search(r"^test = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert extra is not None and '"pytest-timeout>=' in extra.group(1)
    assert 0 < float(_ini()["faulthandler_timeout"]) < 300  # every thread's stack before the timeout fails the test


def test_a_hung_test_fails_with_its_line_and_every_thread_s_stack_under_xdist(tmp_path):
    """CI's own flags (two workers, timeouts scaled down; only the two plugins they need, for a quick start): the hung
    test fails with its line, after every thread's stack, and the other test passes."""
    (tmp_path / "test_hang.py").write_text("import time\n\n\ndef test_hang():\n    time.sleep(120)\n\n\n"
                                           "def test_quick():\n    pass\n")
    flags = shlex.split(_pytest_line(ROOT / ".ci" / "run").split("-m pytest", 1)[1])
    flags = ["2" if flag == "auto" else "--timeout=3" if flag.startswith("--timeout=") else flag
             for flag in flags if not flag.startswith("--durations")]
    start = time.monotonic()
    ran = subprocess.run([sys.executable, "-m", "pytest", *flags, "-p", "xdist", "-p", "timeout", "-p",
                          "no:cacheprovider", "-o", "faulthandler_timeout=1", "test_hang.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=100,
                         env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    out = ran.stdout + ran.stderr
    assert ran.returncode == 1 and time.monotonic() - start < 60, out
    assert "1 failed, 1 passed" in out and "crashed" not in out, out
    assert "Failed: Timeout" in out and "time.sleep(120)" in out, out  # pytest-timeout's failure, at the hung line
    assert re.search(r"Timeout \(0:00:01\)!\n(.*\n)*Thread 0x", out), out  # faulthandler: every thread's stack
    assert 'test_hang.py", line 5 in test_hang' in out, out
