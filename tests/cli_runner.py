"""The command line run in a test: in-process (``netgraph.cli.main``), from a folder of its own that holds a small
spec and its data; the ``cli`` fixture (conftest) gives one per test, the folder its working directory.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from netgraph.cli import main
from netgraph.cli.parser import build_parser

__all__ = ["SMALL", "Cli", "Ran", "command"]

SMALL = """\
netgraph: 1
type: NetChain
layers: {h: {type: LinearLayer, output: 1}}
inputs: {Input: [3]}
"""


@dataclasses.dataclass(frozen=True)
class Ran:
    """A command's exit status and what it printed."""

    code: int
    out: str
    err: str


class Cli:
    """Writes specs and data into ``folder`` and runs commands, each call's output captured on its own."""

    def __init__(self, folder: Path, capsys: Any):
        self.folder, self.capsys = folder, capsys

    def spec(self, text: str = SMALL, name: str = "s.yaml") -> Path:
        path = self.folder / name
        path.write_text(text)
        return path

    def data(self, name: str = "d.npz", targets: int = 1, random: bool = False) -> Path:
        """Eight examples of a 3-vector Input and a Target of its first ``targets`` values (ones, or seeded normal)."""
        x = np.random.default_rng(0).standard_normal((8, 3)) if random else np.ones((8, 3))
        path = self.folder / name
        np.savez(path, Input=x.astype("float32"), Target=x[:, :targets].astype("float32"))
        return path

    def __call__(self, *argv: Any) -> Ran:
        self.capsys.readouterr()  # what came before is not this command's
        code = main([str(a) for a in argv])
        captured = self.capsys.readouterr()
        return Ran(code, captured.out, captured.err)


def command(argv: list[str]) -> Callable[[], Any]:
    """The command ``argv`` as a function calling its handler as ``main`` does, without ``main``'s catching of its
    errors (a test sees the error itself)."""
    args = build_parser().parse_args(argv)
    module, function = args.handler.split(":")
    handler = getattr(importlib.import_module(f"netgraph.cli.{module}"), function)
    return lambda: handler(args)
