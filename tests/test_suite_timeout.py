"""The suite's own running: CI and the README's test command stop a hung test (pytest-timeout, in the test extra)
with every thread's stack printed, instead of holding the run until CI's own limit."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ("-n auto", "--dist worksteal", "--timeout=300", "--timeout-method=thread")


def _pytest_line(path: Path) -> str:
    """The one line of ``path`` that runs the suite (``-m pytest``)."""
    (line,) = [line for line in path.read_text(encoding="utf-8").splitlines() if re.search(r"-m pytest\b", line)]
    return line


def test_ci_and_the_readme_run_the_suite_in_parallel_with_a_per_test_timeout():
    for path in (ROOT / ".ci" / "run", ROOT / "README.md"):
        line = _pytest_line(path)
        assert all(flag in line for flag in FLAGS), (path.name, line)
    extra = re.search(r"^test = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert extra is not None and '"pytest-timeout>=' in extra.group(1)


def test_a_hung_test_fails_with_its_stack_printed_under_the_thread_method(tmp_path):
    (tmp_path / "test_hang.py").write_text("import time\n\n\ndef test_hang():\n    time.sleep(120)\n")
    start = time.monotonic()
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=2",
                          "--timeout-method=thread", "test_hang.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=100)
    out = ran.stdout + ran.stderr
    assert ran.returncode != 0 and time.monotonic() - start < 60, out
    assert "Timeout" in out and "time.sleep(120)" in out, out  # the hung line, from the stack dump
