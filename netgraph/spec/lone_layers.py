"""A spec of a layer alone (``type:`` a layer that is no net, its options beside ``netgraph: 1``): telling one from a
net's spec, and its options without the spec's own keys."""

from __future__ import annotations

from typing import Any

from netgraph.core.graph import NetGraph
from netgraph.core.layer import REGISTRY
from netgraph.spec.yaml_nodes import YMap

__all__ = ["is_lone_layer_type", "without_keys"]


def is_lone_layer_type(kind: Any) -> bool:
    """Whether a spec's top-level ``type:`` names a layer that is no net (the spec is then that layer alone)."""
    cls = REGISTRY.get(kind) if isinstance(kind, str) else None
    return cls is not None and not issubclass(cls, NetGraph)


def without_keys(data: YMap, keys: tuple) -> YMap:
    """``data`` without ``keys`` (a spec's own keys, beside a layer alone's options), each place kept."""
    rest = YMap({k: v for k, v in data.items() if k not in keys})
    rest.loc = data.loc
    rest.key_locs = {k: data.key_locs[k] for k in rest}
    rest.value_locs = {k: data.value_locs[k] for k in rest}
    return rest
