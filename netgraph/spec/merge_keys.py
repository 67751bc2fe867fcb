"""YAML merge keys '<<' (``<<: *defaults``, ``<<: [*a, *b]``, earlier sources winning): the sources a '<<' names,
each with where it is written, and their keys merged into the mapping that holds the '<<'. A source that is no
mapping is told once where written: at the alias that names it (for an aliased list, or an alias in a list), not
at its anchor."""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["merge_sources", "merge_into"]

_NO_MAPPING = "a merge key '<<' takes a mapping (or a list of mappings), e.g. '<<: *defaults'"


def merge_sources(value: Any, loc: Any, alias_loc: Any) -> list[tuple[Any, Any]]:
    """(source, where written) of a '<<' key's ``value`` at ``loc``: a list's items at theirs (an item written as
    an alias: at the alias, its list's ``alias_locs``), all at ``alias_loc`` when the value is written as an alias."""
    if isinstance(value, list):
        return [(item, alias_loc or value.alias_locs.get(i, item_loc))
                for i, (item, item_loc) in enumerate(zip(value, value.item_locs))]
    return [(value, alias_loc or loc)]


def merge_into(out: Any, merged: list[tuple[Any, Any]], bad_value: Callable[[Any, str], None]) -> bool:
    """Give the mapping ``out`` each key of the ``merged`` sources it lacks (the first source to give one wins);
    a source that is no mapping is told to ``bad_value`` once where written, and left out. Whether one was."""
    refused = dict.fromkeys(loc for source, loc in merged if not isinstance(source, dict))
    for source_loc in refused:
        bad_value(source_loc, _NO_MAPPING)  # among the file's other problems
    for source in (source for source, _ in merged if isinstance(source, dict)):
        for key in [k for k in source if k not in out]:
            out[key], out.key_locs[key], out.value_locs[key] = source[key], source.key_locs[key], source.value_locs[key]
    return bool(refused)
