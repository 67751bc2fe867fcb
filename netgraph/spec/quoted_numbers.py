"""A number written in quotes (``output: "8"``, ``args: [0, "1e-3"]``) is text in YAML; the hint that says so.

>>> quoted_number_hint("1e-3"), quoted_number_hint("eight"), quoted_number_hint(8)
(" ('1e-3' is quoted, so it is text: write 1e-3 without quotes)", '', '')
"""

from __future__ import annotations

from typing import Any

from netgraph.spec.yaml_nodes import RESOLVERS

__all__ = ["quoted_number_hint"]

_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def quoted_number_hint(value: Any) -> str:
    """For text that the spec's YAML (1.2 core schema) reads as a number when unquoted: how to write the number;
    else ''. A spec's plain scalar of that form is already a number, so such text was quoted."""
    if not isinstance(value, str) or not any(tag in _NUMBER_TAGS and rx.match(value)
                                             for tag, rx in RESOLVERS.get(value[:1], [])):
        return ""
    return f" ({value!r} is quoted, so it is text: write {value} without quotes)"
