"""What a diagram shows of probabilistic layers: distributions, estimators, KL methods, marked score outputs.

>>> from netgraph.layers.distributions import NormalDistribution
>>> format_distribution(NormalDistribution("#mu", 1.0))
'NormalDistribution(#mu, 1)'
"""

from __future__ import annotations

from typing import Any

import torch

from netgraph.core.graph import NetGraph
from netgraph.layers.kl_divergence import KLDivergenceLayer
from netgraph.layers.random import RandomArrayLayer
from netgraph.render.model import without_addresses

__all__ = ["SCORE_MARKS", "format_value", "format_distribution", "random_lines", "divergence_lines", "is_random",
           "is_divergence", "score_mark"]

#: Output slots that carry a log-probability or a KL divergence: marked (fill ``FILL["score"]``) and their
#: edges labelled with what they carry.
SCORE_MARKS = {("RandomArrayLayer", "LogProbability"): "log p", ("KLDivergenceLayer", "Output"): "KL"}


def format_value(value: Any) -> str:
    """An option or parameter value, compact: '0.5', '#mu', 'array (3, 4)', a function's name."""
    if isinstance(value, torch.Tensor):
        return f"array {tuple(value.shape)}" if value.numel() > 4 else repr(value.tolist())
    if isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], int):
        return str(value[0])
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and value.startswith("#"):
        return value  # a distribution slot: shown as written, '#mu'
    if callable(value) and hasattr(value, "__name__"):
        return "λ" if value.__name__ == "<lambda>" else value.__name__
    if hasattr(value, "type_name"):
        return str(value.type_name)
    return without_addresses(repr(value))


def format_distribution(dist: Any) -> str:
    """'NormalDistribution(0, 1)': Wolfram's name with compact numbers."""
    try:
        return f"{type(dist).__name__}({', '.join(map(_format_arg, dist.args))})"
    except Exception:  # noqa: BLE001 - a user's distribution with an odd args property: still draw it
        return type(dist).__name__


def _format_arg(arg: Any) -> str:
    """A distribution argument: 2.5, '#mu', [0, 1], [[2, 0], [0, 1]]; more than 4 numbers as 'array (3, 3)'."""
    if not isinstance(arg, list):
        return format_value(arg)
    if not any(isinstance(a, str) for a in arg) and (numbers := torch.tensor(arg)).numel() > 4:
        return f"array {tuple(numbers.shape)}"
    return "[" + ", ".join(map(_format_arg, arg)) + "]"


def random_lines(layer: Any) -> list[str]:
    """A random node's lines: what it draws and the gradient estimator."""
    dist = layer.distribution
    estimator = getattr(layer, "estimator", None)
    if estimator is None:
        estimators = getattr(dist, "ESTIMATORS", ()) or ("pathwise",)
        estimator = f"{estimators[0]} (default)"
    return [f"~ {format_distribution(dist)}", f"estimator: {estimator}"]


def is_random(layer: Any) -> bool:
    return isinstance(layer, RandomArrayLayer)


def is_divergence(layer: Any) -> bool:
    return isinstance(layer, KLDivergenceLayer)


def divergence_lines(layer: Any) -> list[str]:
    """A KL node's lines: KL(p ‖ q), both distributions and the method."""
    return ["KL(p ‖ q)", f"p ~ {format_distribution(layer.p)}", f"q ~ {format_distribution(layer.q)}", layer.estimate]


def score_mark(layer: Any, port: str, memo: dict | None = None) -> str | None:
    """'log p' or 'KL' for an output slot that carries one, else None. A nested graph's output carries what the
    output wired to it carries, at any depth (``memo``, kept by one diagram, looks each graph's port up once)."""
    memo = {} if memo is None else memo
    seen, mark = [], None
    while (key := (id(layer), port)) not in memo:
        seen.append(key)
        mark = SCORE_MARKS.get((getattr(layer, "type_name", ""), port))
        source = None if mark or not isinstance(layer, NetGraph) else _feeding(layer, memo).get(port)
        if source is None:
            break
        layer, port = layer.layers[source.layer], source.port
    else:
        mark = memo[key]
    for key in seen:
        memo[key] = mark
    return mark


def _feeding(graph: NetGraph, memo: dict) -> dict:
    """``graph``'s outputs wired from one of its layers: {output port: that layer's port}."""
    key = (id(graph), None)
    if key not in memo:
        memo[key] = {e.dst.port: e.src for e in graph.edges if e.dst.layer is None and e.src.layer is not None}
    return memo[key]
