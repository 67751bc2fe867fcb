"""Edge labels of the built-in layout, in rank space (u across the ranks, v along the flow).

Each label is drawn beside its edge's last bend, in the gap before its destination's rank (``svg.py``): right of it
in a top-down flow, above it in a left-right one, or on its other side where that side is crossed. Where another
edge or label still crosses it there, the gap gets rows for labels at its ends, where every edge runs straight
(``layout_edges.routes`` bends them between those rows): tail rows, before the destinations (a fan-out's edges are as
far apart there as the layers they feed), and head rows, after the sources (edges converging on neighbouring slots
are apart there). A gap takes the fewest rows (at most ``MAX_ROWS``) that leave no label crossed, else the placement
crossing least, a label over another counting as ``MEET`` crossings (an edge through a label leaves it readable,
a label over a label does not); a label keeps to the middle of its bend when nothing crosses it there.

>>> round(eased(0.5), 6), eased(-1.0), eased(2.0)
(0.5, 0.0, 1.0)
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from dataclasses import dataclass, field

__all__ = ["ASCENT", "BESIDE", "DESCENT", "MAX_ROWS", "Labels", "eased", "label_rows"]

ASCENT, DESCENT = 0.75, 0.25  # of the label's size, above and below its baseline
BESIDE = 4.0  # a label's distance from its edge (right of it in a top-down flow, above it in a left-right one)
MAX_ROWS = 4  # rows a gap may get at its ends for labels crossed in its middle
BIG_GAP, BIG_GAP_ROWS = 64, 2  # a gap of more labels than this tries at most this many rows (time)
CLEAR = 1.0  # the least room between a label and another edge
LABEL_SEP = 2.0  # ... and between two labels of one row
MEET = 8  # a label on another counts as crossing this many edges: text over text cannot be read, text under a line can


def eased(x: float) -> float:
    """How far across its bend an edge is (0 to 1) at ``x`` of the bend's length along the flow: the curve
    ``svg._edge`` draws, control points halfway along, runs 1.5t - 1.5t² + t³ along and 3t² - 2t³ across, and
    t = 1/2 + w solves w³ + 3w/4 + 1/2 - x = 0 (Cardano; one real root). Past either end it runs straight."""
    if x <= 0 or x >= 1:
        return 0.0 if x <= 0 else 1.0
    half_q, root = (0.5 - x) / 2, math.sqrt((0.5 - x) ** 2 / 4 + 1 / 64)
    t = 0.5 + math.cbrt(root - half_q) - math.cbrt(root + half_q)
    return t * t * (3 - 2 * t)


@dataclass
class Labels:
    """Where the labels go: each one's offset along the flow from the middle of its gap and its side of its edge
    (-1: towards smaller u, left or above); by rank, the length its gap needs and how far past each end of it its
    edges run straight before they bend (head, tail); what the labels cover across the flow."""

    offsets: dict[int, float] = field(default_factory=dict)
    sides: dict[int, int] = field(default_factory=dict)
    room: dict[int, float] = field(default_factory=dict)
    straight: dict[int, tuple[float, float]] = field(default_factory=dict)
    spans: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class _Gap:
    """The labelled edges ending at one rank and every edge's part in the gap before it: (u at its start, u at its
    end, edge index)."""

    labels: list[tuple[int, str, float]] = field(default_factory=list)
    parts: list[tuple[float, float, int]] = field(default_factory=list)
    own: dict[int, tuple[float, float]] = field(default_factory=dict)


def _gaps(labels, geo, u: dict, lanes: dict, reach: float, frames: list) -> dict[int, _Gap]:
    """The gaps holding labels, with every edge's part in each that a label ``reach`` wide beside its own edge could
    meet (an edge in a lane runs straight through the gaps between its first and last), and the ``frames`` sides
    (u, first gap, last gap) it could meet, as edges running straight."""
    gaps: dict[int, _Gap] = defaultdict(_Gap)
    for label in labels:
        gaps[geo.rank[geo.chains[label[0]][-1]]].labels.append(label)
    straight = [(x, first, last, -1) for x, first, last in frames]
    for i, chain in enumerate(geo.chains):
        (start, end), a, b = geo.ends[i], geo.rank[chain[0]], geo.rank[chain[-1]]
        if i in lanes:
            src, dst, lane = u[chain[0]] + start, u[chain[-1]] + end, lanes[i]
            straight.append((lane, a + 2, b - 1, i))
            for r, part in ((a + 1, (src, lane, i)), (b, (lane, dst, i))):
                if r in gaps:
                    gaps[r].parts.append(part)
        else:
            for k in range(len(chain) - 1):
                r = geo.rank[chain[k + 1]]
                if r in gaps:
                    ua = u[chain[k]] + (start if k == 0 else 0.0)
                    gaps[r].parts.append((ua, u[chain[k + 1]] + (end if k == len(chain) - 2 else 0.0), i))
        if b in gaps:
            gaps[b].own[i] = gaps[b].parts[-1][:2]
    for r, running in _sweep(gaps, straight):  # what runs straight through the gap that a label could reach
        near = [x for ends in gaps[r].own.values() for x in ends]
        k = bisect_right(running, (min(near) - BESIDE - reach - CLEAR, math.inf))
        end = bisect_left(running, (max(near) + BESIDE + reach + CLEAR, -math.inf))
        gaps[r].parts += [(x, x, i) for x, _, _, i in running[k:end]]
    return gaps


def _sweep(ranks, straight: list[tuple[float, int, int, int]]):
    """(rank, the parts of ``straight`` running through it, by u) for each of ``ranks`` in order; ``straight``: (u,
    first rank, last rank, edge index). One pass down the ranks, each part added and dropped once (each gap looking
    through all of them was quadratic in a deep net's frames)."""
    starts, ends, running = sorted(straight, key=lambda part: part[1]), [], []
    k = 0
    for r in sorted(ranks):
        while k < len(starts) and starts[k][1] <= r:
            insort(running, starts[k])
            heapq.heappush(ends, (starts[k][2], starts[k]))
            k += 1
        while ends and ends[0][0] < r:
            del running[bisect_left(running, heapq.heappop(ends)[1])]
        yield r, running


class _Crossings:
    """How many edge parts of a gap cross a label's reach across the flow, at the gap's head, tail or middle."""

    def __init__(self, parts, x_lo: float, x_hi: float):
        self.heads = sorted(a for a, _, _ in parts)
        self.tails = sorted(b for _, b, _ in parts)
        self.near, self.far = eased(x_lo), eased(x_hi)
        spans = [sorted((a + (b - a) * self.near, a + (b - a) * self.far)) for a, b, _ in parts]
        self.los, self.his = sorted(s[0] for s in spans), sorted(s[1] for s in spans)

    def count(self, zone: str, lo: float, hi: float, own: tuple[float, float]) -> int:
        lo, hi = lo - CLEAR, hi + CLEAR
        if zone != "mid":
            ends = self.heads if zone == "head" else self.tails
            return bisect_left(ends, hi) - bisect_right(ends, lo)
        a, b = own
        own_lo, own_hi = sorted((a + (b - a) * self.near, a + (b - a) * self.far))
        crossing = len(self.los) - bisect_right(self.his, lo) - (len(self.los) - bisect_left(self.los, hi))
        return crossing - (own_lo < hi and own_hi > lo)


class _Rows:
    """The labels placed in each row of a gap, by where they start across the flow."""

    def __init__(self):
        self.rows: dict[tuple, list[tuple[float, float]]] = defaultdict(list)

    def meeting(self, row: tuple, lo: float, hi: float) -> int:
        placed = self.rows[row]
        k = bisect_right(placed, (lo, math.inf))
        before = k > 0 and placed[k - 1][1] + LABEL_SEP > lo
        return before + bisect_left(placed, (hi + LABEL_SEP, -math.inf)) - k

    def add(self, row: tuple, lo: float, hi: float) -> None:
        insort(self.rows[row], (lo, hi))


class _Placer:
    """The places tried for the labels of one gap, and the best placement for a number of head and tail rows."""

    def __init__(self, gap: _Gap, shape: dict, pads: tuple[float, float, float], stub: float):
        self.gap, self.shape, self.stub, self.pads = gap, shape, stub, pads
        self.along = shape["along"](max(w for _, _, w in gap.labels))
        self.middle = {0: max(sum(pads), self.along + shape["pad"]) - 2 * stub,  # the bend's length: no end rows
                       1: max(pads[1] - 2 * stub, self.along)}  # ... and with some (they keep off the clusters' pads)
        self.band = shape["extent"](max(w for _, _, w in gap.labels))  # along the flow, what every label lies across
        self.crossings: dict[int, _Crossings] = {}  # made when first asked for
        self.eased: dict[tuple, tuple[float, float]] = {}  # by label width and k: eased at the label's ends

    def _x(self, lo: float, hi: float, k: int) -> tuple[float, float]:
        """The part of its bend's length that a label from ``lo`` to ``hi`` along the flow of the bend's middle
        lies beside (with ``k`` rows at the ends or none)."""
        return 0.5 + lo / self.middle[k], 0.5 + hi / self.middle[k]

    def reach(self, i: int, width: float, zone: str, side: int, k: int) -> tuple[float, float]:
        """What label ``i`` covers across the flow in ``zone`` on ``side``: ``BESIDE`` its bend, which it keeps clear
        of over its whole length along the flow (``svg._label_place``)."""
        a, b = self.gap.own[i]
        if zone != "mid":
            near = far = a if zone == "head" else b
        else:
            if (width, k) not in self.eased:
                self.eased[width, k] = tuple(map(eased, self._x(*self.shape["extent"](width), k)))
            x_lo, x_hi = self.eased[width, k]
            near, far = sorted((a + (b - a) * x_lo, a + (b - a) * x_hi))
        reach, inset = self.shape["reach"](width), self.shape["inset"]
        if side < 0:
            return near - BESIDE - reach + inset, near - BESIDE + inset
        return far + BESIDE - inset, far + BESIDE + reach - inset

    def place(self, heads: int, tails: int, default: int, limit: float = math.inf) -> tuple[float, dict]:
        """(edges and frames crossing the labels, plus ``MEET`` for each label meeting another, {edge: (row, side,
        reach)}) with ``heads`` and ``tails`` rows; past ``limit`` it stops (cost infinite)."""
        k = 1 if heads + tails else 0
        rows = [("mid", 0), *(("tail", j) for j in range(tails)), *(("head", j) for j in range(heads))]
        placed, chosen, cost = _Rows(), {}, 0
        if k not in self.crossings:
            self.crossings[k] = _Crossings(self.gap.parts, *self._x(*self.band, k))
        for i, _, width in sorted(self.gap.labels, key=lambda label: sum(self.gap.own[label[0]])):
            best = None
            for row in rows:
                for side in (default, -default):
                    lo, hi = self.reach(i, width, row[0], side, k)
                    crossed = self.crossings[k].count(row[0], lo, hi, self.gap.own[i])
                    worse = crossed + MEET * placed.meeting(row, lo, hi)
                    if best is None or worse < best[0]:
                        best = (worse, row, side, (lo, hi))
                if best[0] == 0:
                    break
            worse, row, side, span = best
            placed.add(row, *span)
            chosen[i], cost = (row, side, span), cost + worse
            if cost > limit:
                return math.inf, chosen
        return cost, chosen


def _splits(most: int):
    """(head rows, tail rows) in the order tried: fewer rows first, tail rows before head rows."""
    for total in range(most + 1):
        for heads in range(total + 1):
            yield heads, total - heads


def _shape(horizontal: bool, flipped: bool, size: float, pad: float) -> dict:
    """How labels of ``size`` pt lie, by their width: their row's length along the flow (``along``), what they cover
    along it from their baseline (``extent``) and across it (``reach``, ``inset``: how far into the ``BESIDE`` gap);
    ``pad``: the room a gap keeps besides its rows; ``shift``: from a row's middle to the baseline."""
    up, down = (DESCENT, ASCENT) if flipped else (ASCENT, DESCENT)
    if horizontal:
        return {"along": lambda w: w + 2 * pad, "extent": lambda w: (-w / 2, w / 2),
                "reach": lambda w: (ASCENT + DESCENT) * size, "inset": DESCENT * size, "pad": 0.0, "shift": 0.0}
    return {"along": lambda w: (ASCENT + DESCENT) * size + 3, "extent": lambda w: (-up * size, down * size),
            "reach": lambda w: w, "inset": 0.0, "pad": 2 * pad, "shift": (up - down) * size / 2}


def _best(placer: _Placer, default: int) -> tuple[tuple[int, int], dict]:
    """((head rows, tail rows), placement): the fewest rows that leave every label clear, else those crossing least."""
    splits = list(_splits(BIG_GAP_ROWS if len(placer.gap.labels) > BIG_GAP else MAX_ROWS))
    for split in splits:
        cost, chosen = placer.place(*split, default, limit=0)
        if cost == 0:
            return split, chosen
    fewest, best = math.inf, splits[0]
    for split in splits:
        cost = placer.place(*split, default, limit=fewest - 1)[0]
        fewest, best = (cost, split) if cost < fewest else (fewest, best)
    return best, placer.place(*best, default)[1]


def label_rows(labels: list[tuple[int, str, float]], geo, u: dict, lanes: dict, horizontal: bool, flipped: bool,
               size: float, pad: float, pads: dict[int, tuple[float, float, float]], stub: float,
               frames: list[tuple[float, int, int]] | None = None) -> Labels:
    """Where ``labels`` (edge index, text, width) go; ``pads``: by rank, the gap before it without labels, in three
    parts (the room below the rank above for the nested graphs' boxes ending there, the ranks' separation, the room
    for those starting at this rank); ``stub``: how far past a rank an edge runs straight before it bends; ``frames``:
    the sides of nested graphs' frames (u, first gap, last gap they run through), which a label must not straddle."""
    shape, default, out = _shape(horizontal, flipped, size, pad), -1 if horizontal else 1, Labels()
    for r, gap in _gaps(labels, geo, u, lanes, max([size, *(w for _, _, w in labels)]), frames or []).items():
        placer = _Placer(gap, shape, pads[r], stub)
        _record(out, r, placer, *_best(placer, default))
    return out


def _record(out: Labels, r: int, placer: _Placer, rows: tuple[int, int], chosen: dict) -> None:
    """Write one gap's placement into ``out``: offsets from the gap's middle, sides, its length and straight ends."""
    (heads, tails), along, stub = rows, placer.along, placer.stub
    if not heads + tails:
        out.room[r] = 2 * stub + placer.middle[0]
        out.offsets.update((i, 0.0) for i in chosen)
    else:
        (after, _, before), middle = placer.pads, placer.middle[1]
        total = 2 * stub + after + before + (heads + tails) * along + middle
        out.room[r], out.straight[r] = total, (after + heads * along, before + tails * along)
        shift = placer.shape["shift"]  # a label at a gap's end lies wholly in its row, where the edges run straight
        centre = {("mid", 0): stub + after + heads * along + middle / 2,
                  **{("head", j): stub + after + (j + 0.5) * along + shift for j in range(heads)},
                  **{("tail", j): total - stub - before - (j + 0.5) * along + shift for j in range(tails)}}
        out.offsets.update((i, centre[row] - total / 2) for i, (row, _, _) in chosen.items())
    out.sides.update((i, side) for i, (_, side, _) in chosen.items())
    out.spans += [span for _, _, span in chosen.values()]
