"""The keys a spec names: its file's top level (``TOP_KEYS``), a NetGraph's (``GRAPH_KEYS``) and a NetChain's
(``CHAIN_KEYS``); in a module of their own so that the YAML hints, read before the spec, can name them too."""

from __future__ import annotations

__all__ = ["TOP_KEYS", "GRAPH_KEYS", "CHAIN_KEYS", "SPEC_KEYS"]

TOP_KEYS = ("netgraph", "name", "description", "arrays", "nets")
GRAPH_KEYS = ("type", "layers", "edges", "inputs", "outputs", "learning_rate_multipliers")
CHAIN_KEYS = ("type", "layers", "inputs", "outputs", "input", "output", "learning_rate_multipliers")
SPEC_KEYS = frozenset((*TOP_KEYS, *GRAPH_KEYS, *CHAIN_KEYS))
