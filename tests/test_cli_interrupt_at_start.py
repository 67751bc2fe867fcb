"""Ctrl-C while ``python -m netgraph`` / ``netgraph`` imports its command line: one line, exit status 130."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.subprocess_env import checkout_env

#: the child sends itself SIGINT as netgraph.cli imports its parser (no timing to guess), then starts the command as
#: ``python -m netgraph`` does (runpy) or as the installed ``netgraph`` script does (``netgraph.__main__:entry``)
INTERRUPT_ON_IMPORT = """\
import os, signal, sys, time
class InterruptOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == os.environ["MODULE"]:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(30)  # the KeyboardInterrupt comes here
        return None
sys.meta_path.insert(0, InterruptOnImport())
sys.argv = ["netgraph", "check", "missing.yaml"]
if os.environ["HOW"] == "module":
    import runpy
    runpy.run_module("netgraph", run_name="__main__", alter_sys=True)
else:
    from netgraph.__main__ import entry
    sys.exit(entry())
"""


@pytest.mark.parametrize("how", ["module", "script"])
@pytest.mark.parametrize("module", ["netgraph.cli.parser", "netgraph.core.errors"])
def test_ctrl_c_while_the_command_line_imports_prints_one_line_and_exits_130(how, module, tmp_path):
    """It printed a KeyboardInterrupt traceback from ``from netgraph.cli import entry`` (netgraph/__main__.py), and,
    found by QA (a third of the first half second, on a busy machine), from the package's own ``__init__``, which
    imported the error classes (dataclasses, inspect, ...) before ``netgraph/__main__.py`` could catch it."""
    done = subprocess.run([sys.executable, "-c", INTERRUPT_ON_IMPORT], cwd=tmp_path, capture_output=True, text=True,
                          env=checkout_env(HOW=how, MODULE=module), timeout=60)
    assert (done.returncode, done.stderr, done.stdout) == (130, "netgraph: interrupted\n", "")
