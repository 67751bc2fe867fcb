"""A spec file's header: its format version (``netgraph: 1``) and the free text of ``name`` and ``description``."""

from __future__ import annotations

from typing import Any

from netgraph.core.wording import value_kind
from netgraph.spec.quoted_numbers import quoted_number_hint
from netgraph.spec.yaml_nodes import YMap

__all__ = ["check_header"]

#: the keys of free text, for people (netgraph train -o copies them, netgraph export names the model by them)
TEXT_KEYS = ("name", "description")


def check_header(reader: Any, data: YMap, version: int) -> None:
    """Record a missing or other format version, and a ``name`` or ``description`` that is a list or a mapping, no
    text (a list was written into a trained spec as its Python repr; a number or boolean reads as its text), with
    ``reader``."""
    if "netgraph" not in data:
        reader.error(data.loc, f"a spec starts with 'netgraph: {version}' (the format version); it is missing",
                     kind="version")
    elif data["netgraph"] != version or isinstance(data["netgraph"], bool):
        reader.error(data.value_locs["netgraph"], f"unsupported format version {data['netgraph']!r}: "
                     f"this netgraph reads 'netgraph: {version}'{quoted_number_hint(data['netgraph'])}",
                     kind="version", expected=version, found=data["netgraph"])
    for key in (k for k in TEXT_KEYS if isinstance(data.get(k), (list, dict))):
        found = value_kind(data[key])
        reader.error(data.written_at(key), f"'{key}:' is free text, found {found}; write it as one string (quoted, "
                     f"\"...\", where YAML would read it as something else)", kind="value-type", option=key,
                     expected="a string", found=found)
