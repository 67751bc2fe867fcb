"""The values a spec's YAML is read into (by ``yaml_nodes``): mappings and lists that know where each of their
keys, values and items is written in the file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from netgraph.spec.scalar_spans import Loc

__all__ = ["YMap", "YSeq"]


class YMap(dict):
    """A mapping read from YAML: ``loc`` of the mapping, ``key_locs`` and ``value_locs`` (an alias's: its anchor's)
    by key, ``alias_locs``: where each value written as an alias is, by key, and ``merge_refused``."""

    loc: Loc
    key_locs: dict
    value_locs: dict
    alias_locs: Mapping = MappingProxyType({})  # none: one made in code
    merge_refused: bool = False  # a '<<' source was no mapping (told): the keys it was to give are not missed

    def written_at(self, key: Any) -> Loc:
        """Where the value of ``key`` is written: the alias naming it, else the value itself (a problem of its use
        here, such as its type, is told there; one inside it, where its text is)."""
        return self.alias_locs.get(key, self.value_locs[key])

    @classmethod
    def made(cls, items: dict, loc: Loc, key_loc: Loc | None = None) -> YMap:
        """One made in code: at ``loc``, each value at ``loc`` and each key at ``key_loc`` (default ``loc``)."""
        out = cls(items)
        out.loc, out.key_locs, out.value_locs = loc, dict.fromkeys(items, key_loc or loc), dict.fromkeys(items, loc)
        return out


class YSeq(list):
    """A list read from YAML: ``loc`` of the list, ``item_locs`` by index (an alias's: its anchor's) and
    ``alias_locs``: where each item written as an alias is, by index."""

    loc: Loc
    item_locs: Sequence[Loc]  # a list, or a number_lists.ItemLocs (places worked out when asked) equal to one
    alias_locs: Mapping = MappingProxyType({})  # none: one made in code
