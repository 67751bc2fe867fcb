"""The net a command works on: a YAML spec (``netgraph.spec.load``) or an ONNX model (``.onnx``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netgraph.cli.header import spec_metadata
from netgraph.export import import_onnx
from netgraph.spec import load

__all__ = ["load_net", "spec_metadata"]  # spec_metadata: from netgraph.cli.header


def load_net(path: str | Path) -> Any:
    """``import_onnx(path)`` for a ``.onnx`` file, else the spec read by ``netgraph.spec.load``."""
    return import_onnx(path) if Path(path).suffix.lower() == ".onnx" else load(path)
