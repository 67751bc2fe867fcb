"""Port and layer names for an imported ONNX model: graph ports keep the model's names where they are Python
identifiers, others (and node names) are made identifiers; one length variable per ONNX dim name."""

from __future__ import annotations

import keyword
import re
import unicodedata

from netgraph.core.graph import RESERVED_NAMES
from netgraph.core.names import fresh_name

__all__ = ["LengthVariables", "identifier", "port_names"]


def _kept(name: str) -> bool:
    """Whether ``name`` may name a graph port as it is (an identifier Python reads as written, not a keyword)."""
    return (name.isidentifier() and not keyword.iskeyword(name) and name != "self"
            and unicodedata.normalize("NFKC", name) == name)


def port_names(names: list[str], taken: set[str]) -> list[str]:
    """Port names for ONNX ``names``: each that may name a port keeps it (the first, if repeated), the others
    are made identifiers around them (never taking a kept name)."""
    kept = {name for name in names if _kept(name)}
    taken |= kept
    out = []
    for name in names:
        out.append(name if name in kept and name not in out else identifier(name, taken))
    return out


def identifier(name: str, taken: set[str]) -> str:
    """A unique Python identifier (and legal layer name) made from ``name``.

    >>> identifier("/hidden/Gemm", set()), identifier("input.1", {"input_1"}), identifier("class", set())
    ('hidden_Gemm', 'input_1_2', 'class_')
    """
    base = re.sub(r"\W+", "_", unicodedata.normalize("NFKC", name)).strip("_") or "node"
    base = f"x{base}" if base[0].isdigit() else base
    base = f"{base}_" if base in RESERVED_NAMES or not _kept(base) else base
    candidate = fresh_name(base, taken, "_")
    taken.add(candidate)
    return candidate


class LengthVariables:
    """Our length variable for each ONNX dim: one per distinct dim name (the name, made an identifier), a new
    one for each unnamed dynamic dim; sizes stay."""

    def __init__(self):
        self.names: dict[str, str] = {}
        self.taken: set[str] = set()

    def __call__(self, dim: int | str) -> int | str:
        if isinstance(dim, int):
            return dim
        if dim == "?":
            return identifier("n", self.taken)
        if dim not in self.names:
            self.names[dim] = identifier(dim, self.taken)
        return self.names[dim]

