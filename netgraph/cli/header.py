"""A spec's free-text top keys, ``name`` and ``description``, read for commands that write the net on.

A loaded NetGraph does not keep them (they describe the file, not the net, and are no part of its
equality), so ``netgraph train`` passes them to ``save`` and ``netgraph export`` to ``export_onnx``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netgraph.core.errors import SpecError
from netgraph.spec.text import read_limited
from netgraph.spec.yaml_nodes import read_yaml

__all__ = ["spec_header", "model_header"]


def spec_header(path: str | Path) -> tuple[str | None, str | None]:
    """The spec's ``name`` and ``description`` keys (None when absent); an ONNX model's are ``model_header``'s."""
    try:  # as the loader reads it (YAML 1.2 scalars: 'name: NO' is text), under the same limits
        data = read_yaml(read_limited(Path(path)), str(path))
    except (OSError, SpecError):
        data = None  # the loader reports a broken spec with file:line:col
    data = data if isinstance(data, dict) else {}
    name, description = data.get("name"), data.get("description")
    return (str(name) if name else None), (str(description) if description else None)


def model_header(model: Any) -> tuple[str | None, str | None]:
    """An ONNX model's ``name`` and ``description`` (its metadata, as ``export_onnx`` writes them; None when absent)."""
    props = {p.key: p.value for p in model.metadata_props}
    return props.get("name") or None, props.get("description") or None
