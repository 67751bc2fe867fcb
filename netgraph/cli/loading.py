"""The net a command works on: a YAML spec (``netgraph.spec.load``) or an ONNX model (``.onnx``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from netgraph.export import import_onnx
from netgraph.spec import load

__all__ = ["load_net", "spec_metadata"]


def load_net(path: str | Path) -> Any:
    """``import_onnx(path)`` for a ``.onnx`` file, else the spec read by ``netgraph.spec.load``."""
    return import_onnx(path) if Path(path).suffix.lower() == ".onnx" else load(path)


def spec_metadata(path: str | Path) -> tuple[str, str | None]:
    """The spec's ``name`` (default: the file's stem) and ``description`` keys, for export metadata."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        data = None  # the loader reports a broken spec with file:line:col
    data = data if isinstance(data, dict) else {}
    name, description = data.get("name"), data.get("description")
    return (str(name) if name else Path(path).stem), (str(description) if description else None)
