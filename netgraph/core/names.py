r"""Fresh names: a name not yet taken, made from a base by counting on (the one rule for ports and layers);
a layer's name from its index in a path; a name as the summary and the diagram show it; a layer as messages
describe it (``describe_layer``).

>>> fresh_name("Output", {"Output", "Output2"}), fresh_name("enc/l1", {"enc/l1"}, "_"), fresh_name("x", set())
('Output3', 'enc/l1_2', 'x')
>>> indexed(["a", "b", "c"], 1), indexed(["a", "b", "c"], -1), indexed(["a", "b", "c"], 4)
('a', 'c', None)
>>> print(printable("a\nb\tc"), printable_path(("enc", "a\nb")))
a\nb\tc enc/a\nb
"""

from __future__ import annotations

import keyword
import unicodedata
from collections.abc import Collection, Container, Iterator, Mapping, Sequence
from typing import Any

from netgraph.core.naming_scope import quoted, scoped_layer, shortened

__all__ = ["fresh_name", "indexed", "numbered", "printable", "unquoted", "printable_path", "ellipsized", "INDEX_RULE",
           "describe_layer", "layer_label", "usable_input_name", "split_paths", "PathsTaken"]

INDEX_RULE = "numbered 1 to {n}, or -1 for the last"


def fresh_name(base: str, taken: Container[str], sep: str = "") -> str:
    """``base`` if it is not in ``taken``, else ``base + sep + 2``, ``3``, ... (the first not taken)."""
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{sep}{n}"
    return name


def split_paths(layers: Mapping[str, Any]) -> Iterator[tuple[tuple, tuple]]:
    """Each layer's path (its names, at every depth) and its split path (the names split at '/', as a key such as
    ``'enc/l1'`` reads): a layer ``'enc/l1'`` and ``l1`` in a graph ``enc`` have one split path."""
    stack: list[tuple[tuple, tuple, Mapping]] = [((), (), layers)]
    while stack:  # a loop: nets nest deep
        path, split, table = stack.pop()
        for name, layer in table.items():
            here, parts = (*path, name), (*split, *name.split("/"))
            yield here, parts
            if isinstance(inner := _inner_layers(layer), Mapping):
                stack.append((here, parts, inner))


def _inner_layers(layer: Any) -> Any:
    """A net's layers by name; None for a layer (asked of its class: a layer's own lookup of a missing attribute
    looks for hints, slow over many layers)."""
    return layer.layers if hasattr(type(layer), "layers") else None


class PathsTaken:
    """The layer names taken so far, each with the split paths (``split_paths``) of its layer and the layers within:
    a name clashes for a layer when one of them is taken already (``'enc'`` holding ``l1`` beside ``'enc/l1'``, as
    an exact repeat does)."""

    def __init__(self) -> None:
        self._paths: set[tuple] = set()

    def clashes(self, name: str, layer: Any) -> bool:
        """Whether ``name`` given to ``layer`` clashes with a name taken."""
        return not self._paths.isdisjoint(_paths_as(name, layer))

    def fresh(self, base: str, layer: Any) -> str:
        """``base``, or else ``base_2``, ``base_3``, ... (``fresh_name``): the first that does not clash, now taken
        by ``layer``."""
        paths = _paths_as(base, layer)
        if not self._paths.isdisjoint(paths):
            base = fresh_name(base, _Clashing(self, layer), "_")
            paths = _paths_as(base, layer)
        self._paths.update(paths)
        return base


class _Clashing:
    """``fresh_name``'s container for one layer: the names that clash for it in ``taken``."""

    def __init__(self, taken: PathsTaken, layer: Any) -> None:
        self._taken, self._layer = taken, layer

    def __contains__(self, name: object) -> bool:
        return self._taken.clashes(str(name), self._layer)


def _paths_as(name: str, layer: Any) -> tuple[tuple, ...]:
    """The split paths of ``layer`` named ``name`` and of the layers within it."""
    head = tuple(name.split("/"))
    inner = _inner_layers(layer)
    return (head,) if inner is None else (head, *((*head, *parts) for _, parts in split_paths(inner)))


def usable_input_name(name: str) -> bool:
    """Whether ``name`` may name a graph input: a Python identifier that Python reads as written (it becomes a
    keyword argument; Python reads "º" in code as "o"), no keyword and not ``self``."""
    return name.isidentifier() and not keyword.iskeyword(name) and name != "self" \
        and unicodedata.normalize("NFKC", name) == name


def indexed(names: Collection[str], part: object) -> str | None:
    """The layer that the index ``part`` names among ``names`` (a list, or a graph's layers by name): 1-based, or
    negative from the end (as Wolfram's Part and learning-rate keys); None for an index out of range or anything
    else. The names are listed only for an index: a path of names through a large graph costs no list per part."""
    if isinstance(part, int) and not isinstance(part, bool) and 1 <= abs(part) <= len(names):
        return (names if isinstance(names, Sequence) else list(names))[part - 1 if part > 0 else part]
    return None


def numbered(names: Collection[str]) -> bool:
    """Whether ``names`` (a list, or a graph's layers by name) are "1", "2", ... in order, as a list of layers is named.

    >>> numbered(["1", "2"]), numbered({"1": None, "3": None})
    (True, False)
    """
    return all(name == str(i) for i, name in enumerate(names, 1))


def printable(text: str) -> str:
    r"""``text`` as the summary and the diagram show a name: characters that are not printable (newlines, tabs,
    escape sequences, zero-width ones) as their escapes (``a\nb``), so that a name keeps its row and moves no cursor."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def unquoted(name: str) -> str:
    r"""``name`` as a message writes it bare (a spec's ``enc.Input``, ``{ref: name}``): ``shortened`` and
    ``printable``, as ``quoted`` bounds a quoted one.

    >>> unquoted("a\nb"), len(unquoted("x" * 10_000))
    ('a\\nb', 100)
    """
    return printable(shortened(name))


def ellipsized(text: str, width: int) -> str:
    """``text``, or where it passes ``width`` characters its head and an ellipsis, ``width`` in all (at least 2).

    >>> ellipsized("ClassDecoder: cat, dog", 12)
    'ClassDecode…'
    """
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def printable_path(names: tuple, sep: str = "/") -> str:
    """A path's names, each ``printable``, joined by ``sep`` (as the diagram shows a nested layer)."""
    return sep.join(map(printable, names))


def describe_layer(names: list[str] | Mapping[str, int], layers: Mapping[str, Any], name: str) -> str:
    """'layer 4 'sample' (FunctionLayer)', or 'layer 4 (FunctionLayer)' when the name is the index.

    ``names`` is the layer names in order, or (to describe many layers of a large net without searching
    the list each time) a mapping from name to 0-based position. Inside ``naming_under`` (a nested net a spec
    builds): "layer 'inner/sample' (FunctionLayer)", by its path from the top net.
    """
    return scoped_layer((name,), layers[name].type_name) or f"layer {layer_label(names, layers, name)}"


def layer_label(names: list[str] | Mapping[str, int], layers: Mapping[str, Any], name: str) -> str:
    """``describe_layer``'s words after 'layer' ("4 'sample' (FunctionLayer)"), for a message naming several layers
    ("layers 2 'a' (LinearLayer) to 3 'b' (LinearLayer)").

    >>> layer_label({"a": 1}, {"a": type("LinearLayer", (), {"type_name": "LinearLayer"})}, "a")
    "2 'a' (LinearLayer)"
    """
    if isinstance(names, Mapping):
        index = names[name] + 1 if name in names else "?"
    else:
        index = names.index(name) + 1 if name in names else "?"
    label = "" if name == str(index) else f" {quoted(name)}"
    return f"{index}{label} ({layers[name].type_name})"
