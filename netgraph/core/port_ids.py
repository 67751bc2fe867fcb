"""Every port key's number in an inference problem, read as a mapping without a key tuple or a dict entry per leaf
port: a leaf's ports are numbered one after another from its first number, in the order of its ports."""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterator, Mapping

__all__ = ["PortIds"]

_SKIPPED = 4  # how many leaves after the one found last ``leaf_ports`` looks at before the table of paths


class PortIds(Mapping):
    """``ids[(layer path, port)]``: the key's number (``len(ids)``: how many are numbered; iterated in number order).

    A leaf's ports are numbered ``first[i]``, ``first[i] + 1``, ... in the order of the leaf's port dict
    (``ports[i]``, the problem's ``leaf_ports``: the numbers while the problem is built, class roots once solved); a
    leaf is found by its path in a table made on first lookup. Every other key (a graph's port, a port beyond a
    leaf's own) is held in ``other``, numbered as met. A 100,000-layer chain has 200,000 leaf ports: making a key
    tuple and a dict entry for each grew 14x for 10x the layers (the dict outgrew the CPU's cache)."""

    __slots__ = ("other", "count", "paths", "ports", "first", "_leaf_of", "_next")

    def __init__(self, paths: list[tuple], ports: list[dict]) -> None:
        self.other: dict[Hashable, int] = {}  # the keys not a leaf's own port, each with its number
        self.count = 0  # the numbers given so far
        self.paths, self.ports, self.first = paths, ports, array("q")  # each leaf's path, ports and first number
        self._leaf_of: dict[tuple, int] | None = None  # each leaf's position by path, made when first needed
        self._next = 0  # the leaf after the one ``leaf_ports`` found last

    def add(self, key: Hashable) -> int:
        """The number of ``key`` (not a leaf's own port), numbered now if it is new."""
        n = self.other.setdefault(key, self.count)
        if n == self.count:
            self.count += 1
        return n

    def leaf_ports(self, path: tuple) -> dict | None:
        """The port dict of the leaf at ``path`` (its ports' class roots once solved); None for no leaf there. Asked
        for the leaves in the order added (as ``build_ir`` does for a net whose layers run as given, or skipping a
        few, as ``net_initialize`` asks for the layers with arrays), each is found without the table of paths."""
        i = self._position(path)
        return None if i is None else self.ports[i]

    def leaf(self, path: tuple) -> tuple[tuple, dict] | None:
        """The leaf at ``path`` as ``(path, port dict)``, the path the tuple this holds (``build_ir``'s nodes hold
        it too: no second tuple a node); None for no leaf there."""
        i = self._position(path)
        return None if i is None else (self.paths[i], self.ports[i])

    def _position(self, path: tuple) -> int | None:
        """The leaf's position: looked for among the next few after the one found last, then the first few (a walk
        over the leaves begun again), then in the table."""
        paths, after = self.paths, self._next
        for i in range(after, min(after + _SKIPPED, len(paths))):  # (two loops: no chain object a call)
            if paths[i] == path:
                self._next = i + 1
                return i
        for i in range(min(_SKIPPED, after, len(paths))):
            if paths[i] == path:
                self._next = i + 1
                return i
        i = self._leaf_index(path)
        self._next = 0 if i is None else i + 1
        return i

    def _leaf_index(self, path: tuple) -> int | None:
        if self._leaf_of is None or len(self._leaf_of) != len(self.paths):  # (paths are unique)
            self._leaf_of = {p: i for i, p in enumerate(self.paths)}
        return self._leaf_of.get(path)

    def __getitem__(self, key: Hashable) -> int:
        n = self.other.get(key)
        if n is not None:
            return n
        if type(key) is tuple and len(key) == 2 and type(key[0]) is tuple \
                and (i := self._leaf_index(key[0])) is not None:
            for j, port in enumerate(self.ports[i]):
                if port == key[1]:
                    return self.first[i] + j
        raise KeyError(key)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Hashable]:
        """Every key, in the order of their numbers."""
        other = iter(self.other.items())
        key, n = next(other, (None, self.count))
        for path, ports, first in zip(self.paths, self.ports, self.first):
            while n < first:
                yield key
                key, n = next(other, (None, self.count))
            for port in ports:
                yield path, port
        while n < self.count:
            yield key
            key, n = next(other, (None, self.count))
