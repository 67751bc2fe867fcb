"""Stages the core calls but does not import: compile, evaluate, render, YAML, layer shorthands.

The core sits at the bottom of the dependency order (DESIGN.md), yet ``net.compile()``, ``net(x)``,
``net.to_yaml()`` and ``NetGraph([3, "Tanh"])`` are core methods. The package façade
(``netgraph/__init__.py``) names the function that serves each stage as ``"module:attribute"``;
the core resolves it by name on first use. Nothing here imports the stages themselves.

>>> provide(example="math:sqrt")
>>> stage("example")(16.0)
4.0
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["provide", "stage"]

_PROVIDERS: dict[str, str] = {}
_RESOLVED: dict[str, Callable[..., Any]] = {}


def provide(**targets: str) -> None:
    """Name the function serving each stage, e.g. ``provide(compile="netgraph.backend:compile_net")``."""
    for name, target in targets.items():
        _PROVIDERS[name] = target
        _RESOLVED.pop(name, None)


def stage(name: str) -> Callable[..., Any]:
    """The function serving stage ``name`` (imported on first use)."""
    try:
        return _RESOLVED[name]
    except KeyError:
        pass
    if name not in _PROVIDERS:
        raise LookupError(f"no provider for the {name!r} stage; import netgraph to wire the stages")
    module_name, attribute = _PROVIDERS[name].split(":")
    function = _RESOLVED[name] = getattr(importlib.import_module(module_name), attribute)
    return function
