"""Step 3 of edge normalisation (``netgraph.core.wiring``): edges into a layer with no port named are threaded
onto its free input ports, in order (Wolfram's threading); too many for its inputs is a problem.

``bare`` holds each destination layer's feeds, by its position in the layers' names, as records ``(index, text, hop,
link, src, ...)``: a user's edge's index and text, its link's hop and text (see ``Edge``), then its sources into the
layer (a group ``[a, b] -> c``: two, in one record); one record as that tuple itself, two or more as a list of them (most layers of a big net get one
record: no list made for each, nor a tuple for each member of a group). A layer's first feed of one source may be held
as the ``Edge`` into its first input instead (the normaliser makes it as it reads the edge): kept when no other feed
or NetPort edge comes, a record again when one does.
"""

from __future__ import annotations

from collections import Counter
from itertools import islice
from typing import Any

from netgraph.core.advice import fed_twice_parts
from netgraph.core.errors import MAX_LISTED, EdgePlace, EdgeRef
from netgraph.core.layer import Layer
from netgraph.core.ports import Edge, PortRef, new_edge, new_port_ref
from netgraph.core.wording import counted

__all__ = ["ThreadingStep", "add_feed", "also", "feeds_of", "joined", "record_of"]


def add_feed(bare: dict[Any, Any], layer: Any, feed: tuple) -> None:
    """Add ``feed``, ``(index, text, hop, link, src)``, to ``layer``'s records in ``bare`` (``layer``: its key there,
    the normaliser's the layer's position): to its last record when that holds the same user's edge and link (the next
    member of a group), else as a record of its own.

    >>> bare = {}; add_feed(bare, "c", (0, "[a, b] -> c", None, "", "a")); add_feed(bare, "c", (0, "[a, b] -> c",
    ... None, "", "b")); add_feed(bare, "c", (1, "d -> c", None, "", "d")); bare
    {'c': [(0, '[a, b] -> c', None, '', 'a', 'b'), (1, 'd -> c', None, '', 'd')]}
    """
    had = bare.get(layer)
    if had is None:
        bare[layer] = feed
        return
    if type(had) is Edge:  # a first feed made as its Edge: a record again
        had = bare[layer] = record_of(had)
    last = had if type(had) is tuple else had[-1]
    if last[0] == feed[0] and last[2] == feed[2]:  # the same user's edge and link: one record
        if type(had) is tuple:
            bare[layer] = last + feed[4:]
        else:
            had[-1] = last + feed[4:]
    elif type(had) is tuple:
        bare[layer] = [had, feed]
    else:
        had.append(feed)


def record_of(edge: Edge) -> tuple:
    """The record ``(index, text, hop, link, src)`` of a first feed held as its ``Edge`` (see ``add_feed``)."""
    return (edge.index, edge.text, edge.hop, edge.link, edge.src)


def feeds_of(held: tuple | list[tuple]) -> list[tuple]:
    """A layer's records in ``bare`` (see ``add_feed``) as one ``(src, index, text, hop, link)`` a source, in order.

    >>> feeds_of([(0, "[a, b] -> c", None, "", "a", "b"), (1, "d -> c", None, "", "d")])[1:]
    [('b', 0, '[a, b] -> c', None, ''), ('d', 1, 'd -> c', None, '')]
    """
    return [(src, *record[:4]) for record in ((held,) if type(held) is tuple else held) for src in record[4:]]


class ThreadingStep:
    """Threads bare edges onto free input ports; the normaliser that runs it gives ``layers``, ``desc``, ``user``
    and ``problem``."""

    layers: dict[str, Layer]
    in_order: bool
    names: list[str]
    table: list[Layer]  # the layers by position (as ``layers``)
    fed: list[Any]  # the ports the threaded edges feed, by layer's position (see ``also``; None: none)
    position: dict[str, int]
    used: list[Any]  # the ports the edges read, by layer's position (see ``also``; None: none): noted as each edge is
    # sorted (``note_read``), before ``thread``
    reads_input: bool  # one of them reads a graph input

    def desc(self, name: str) -> str:
        raise NotImplementedError

    def user(self, position: int) -> int:
        raise NotImplementedError

    def problem(self, kind: str, ref: Any, *parts: Any, **fields: Any) -> None:
        raise NotImplementedError

    def thread(self, bare: dict[int, Any], claimed: dict[PortRef, list[EdgeRef]],
               last: int = -1) -> list[Edge]:
        edges, in_order = [], True  # in_order: the Edges made in the order of their user's edges, after ``last``
        self.fed = fed = [None] * len(self.names)  # noted as each layer's edges are made (not read again from them)
        reads_input, names, table, refused = False, self.names, self.table, False
        claimed_per_layer = Counter(p.layer for p in claimed)
        for at, held in bare.items():  # (by the layer's position)
            name = names[at]
            if type(held) is Edge:  # one feed, made as read into the first input: kept if no NetPort edge claims one
                if not claimed or name not in claimed_per_layer:
                    edges.append(held)
                    in_order, last, fed[at] = in_order and held.index >= last, held.index, held.dst.port
                    reads_input = reads_input or held.src.layer is None
                    continue
                held = record_of(held)
            if type(held) is tuple:  # one record (see ``add_feed``); count: the sources the records hold
                records, count = (held,), len(held) - 4
            else:
                records, count = held, sum(map(len, held)) - 4 * len(held)
            layer = table[at]
            claims = claimed_per_layer.get(name, 0)
            if layer.variadic:
                layer = self.layers[name] = table[at] = layer.with_input_count(count + claims)
            free = [p for p in layer.input_ports if PortRef(name, p) not in claimed] if claims else layer.input_ports
            if count > (room := len(free)):
                claims = [e for p, edges_in in claimed.items() if p.layer == name for e in edges_in]
                self.too_many_feeds(name, layer, feeds_of(held), len(free), claims)
                refused = True
                continue
            if count == 1:  # one record of one source (most layers): unpacked, no slices
                index, text, hop, link, src = held
                edges.append(new_edge(src, new_port_ref(name, free[0]), text, index, hop, link))
                in_order, last, fed[at] = in_order and index >= last, index, free[0]
                reads_input = reads_input or src.layer is None
                continue
            k = 0
            for record in records:
                index, text, hop, link = record[0], record[1], record[2], record[3]  # (no slices made)
                for k, src in enumerate(islice(record, 4, None), k):
                    edges.append(new_edge(src, new_port_ref(name, free[k]), text, index, hop, link))
                    reads_input = reads_input or src.layer is None
                k += 1
                in_order, last = in_order and index >= last, index
            fed[at] = free if count == room and type(free) is tuple else tuple(free[:count])  # (most: its own tuple)
        self.in_order, self.reads_input = in_order, reads_input
        if refused:  # the sources of edges not made (too many feeds) were noted as read: only the made ones are
            self.used = [None] * len(names)
            for edge in edges:
                self.note_read(edge.src)
        return edges

    def note_read(self, src: PortRef) -> None:
        """Note in ``used`` that an edge reads ``src`` (a graph input's: not noted)."""
        if src.layer is not None:
            had = self.used[at := self.position[src.layer]]
            self.used[at] = src.port if had is None else also(had, src.port)

    def too_many_feeds(self, name: str, layer: Layer, feeds: list[tuple], free: int, claims: list[EdgeRef]) -> None:
        """More bare edges feed ``name`` than it has inputs not ``claims``-ed by a NetPort edge: reported at the first
        one too many."""
        refs = [EdgeRef((), self.user(index), text, hop, link) for _, index, text, hop, link in feeds]
        shown, at = joined(refs, ", "), {"layer": (name,), "edge": refs[free].index, "hop": refs[free].hop}
        if not layer.input_ports:
            self.problem("no-input", None, f"{self.desc(name)} has no input ports, but ", *shown, " feeds it", **at)
            return
        count = len(layer.input_ports)
        takes = f"{self.desc(name)} takes {counted(count, 'input')} {list(layer.input_ports)}"
        if len({src for src, *_ in feeds}) <= free and self.duplicate(refs, [src for src, *_ in feeds], takes):
            return
        head = takes + (f" ({free} not wired by NetPort)" if free != count else "")
        advice = () if count > 1 else (" ", *fed_twice_parts("An input port"))
        edges = list({(ref.index, ref.hop): ref for ref in refs}.values())
        if free == 0 and claims:  # "0 not wired by NetPort, but 1 edges feed it" said nothing of the NetPort edge
            self.problem("too-many-feeds", None, f"{takes}, all fed by NetPort edges (", *joined(claims, ", "),
                         "), so no input is left for ", *joined(edges, ", "), ".", *advice, **at)
            return
        if len(feeds) > 1 and len(edges) == 1:  # one group "[a, b] -> c"
            self.problem("too-many-feeds", None, f"{head}, but the group ", shown[0], f" has {len(feeds)} members "
                         "(each feeds one input, in order).", *advice, **at)
            return
        many = f"{len(feeds)} edges" if len(edges) == len(feeds) else \
            f"{len(feeds)} sources ({len(edges)} edge{'s' * (len(edges) > 1)})"
        self.problem("too-many-feeds", None, f"{head}, but {many} feed it: ", *joined(edges, ", "), ".", *advice, **at)

    def duplicate(self, refs: list[EdgeRef], sources: list[PortRef], takes: str) -> bool:
        """Whether two of ``refs`` (edges into one place, from ``sources``) are one edge given twice; if so, recorded
        as a "duplicate-edge" problem naming both (``takes``: what the place takes)."""
        first: dict[PortRef, EdgeRef] = {}
        for ref, src in zip(refs, sources):
            earlier = first.setdefault(src, ref)
            if (earlier.index, earlier.hop) == (ref.index, ref.hop):
                continue
            again = ("is given twice",) if str(earlier) == str(ref) else ("repeats edge ", earlier)
            self.problem("duplicate-edge", None, "edge ", ref, " ", *again, " (edges ", EdgePlace(earlier), " and ",
                         EdgePlace(ref), f"): {takes}; delete one of them", edge=ref.index, hop=ref.hop)
            return True
        return False


def also(held: str | tuple | set, port: str) -> str | tuple | set:
    """The ports ``held`` for one layer (one port's name, a tuple of them, a set) with ``port`` too.

    >>> also("a", "a"), also("a", "b"), also(("a", "b"), "a"), sorted(also(("a", "b"), "c"))
    ('a', ('a', 'b'), ('a', 'b'), ['a', 'b', 'c'])
    """
    if type(held) is str:
        return held if held == port else (held, port)
    if type(held) is tuple:
        return held if port in held else {*held, port}
    held.add(port)
    return held


def joined(refs: list[EdgeRef], sep: str) -> list[str | EdgeRef]:
    """Message parts for ``refs`` separated by ``sep``: the first ``MAX_LISTED`` and how many in all (thousands of
    edges may feed one port of a big net)."""
    parts: list[str | EdgeRef] = [part for i, ref in enumerate(refs[:MAX_LISTED])
                                  for part in ((sep, ref) if i else (ref,))]
    return parts + [f"{sep}... ({len(refs)} in all)"] if len(refs) > MAX_LISTED else parts
