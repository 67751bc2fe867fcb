"""Edge labels of the built-in layout, in rank space (u across the ranks, v along the flow).

Each label is drawn beside its edge's last bend, in the gap before its destination's rank (``svg.py``). Labels
there that would meet across the flow go in different rows along it (at most ``ROWS``: a fan-in of hundreds of
edges keeps a short gap, its other labels sharing the middle row as before), and each gap gets the length its
rows need. A label's reach across is taken over its whole bend, so labels of one row never meet wherever they sit.
A label goes right of its bend in a top-down flow, above it in a left-right one; of edges leaving one slot where one
turns that way, the one turning farthest the other way (or running straight on) has it on the other side, away
from its siblings.
"""

from __future__ import annotations

from collections import defaultdict

__all__ = ["ROWS", "label_rows"]

ROWS = 3
ASCENT, DESCENT = 0.75, 0.25  # of the label's size, above and below its baseline
BESIDE = 4.0  # a label's distance from its edge (right of it in a top-down flow, above it in a left-right one)


def _last_bend(geo, u: dict, lanes: dict, i: int) -> tuple[float, float]:
    """The u at either end of edge ``i``'s last bend (as ``layout_edges.routes`` draws it)."""
    chain = geo.chains[i]
    start = lanes[i] if i in lanes else u[chain[-2]] if len(chain) > 2 else u[chain[0]] + geo.ends[i][0]
    return start, u[chain[-1]] + geo.ends[i][1]


def _across(lo: float, hi: float, side: int, reach: float, inset: float) -> tuple[float, float]:
    """What a label ``reach`` deep (across the flow) beside a bend from ``lo`` to ``hi`` covers, on ``side`` (-1:
    towards smaller u); ``inset``: how far into the ``BESIDE`` gap it reaches (a descent below the baseline)."""
    if side < 0:
        return lo - BESIDE - reach + inset, hi - BESIDE + inset
    return lo + BESIDE - inset, hi + BESIDE + reach - inset


def _first_bend(geo, u: dict, lanes: dict, i: int) -> tuple[float, float]:
    """The u at either end of edge ``i``'s first bend, in the gap after its source's rank."""
    chain = geo.chains[i]
    end = lanes[i] if i in lanes else u[chain[1]] + (geo.ends[i][1] if len(chain) == 2 else 0.0)
    return u[chain[0]] + geo.ends[i][0], end


def _sides(geo, u: dict, lanes: dict, labelled, default: int) -> dict[int, int]:
    """The labels not on the ``default`` side: of the edges leaving one slot (a fan-out) with one turning to that
    side, the one turning farthest the other way (or running straight) has its label on the other side, away from its
    siblings (which would cross it on the default side), where its label is beside that first bend (the edge runs to
    the next rank)."""
    fans: dict[tuple, list] = defaultdict(list)
    for i, chain in enumerate(geo.chains):
        start, end = _first_bend(geo, u, lanes, i)
        fans[(geo.rank[chain[0]], round(start, 1))].append((default * end, default * (end - start), i))
    sides = {}
    for members in fans.values():
        _, turn, outer = min(members)
        if turn <= 0 < max(t for _, t, _ in members) and outer in labelled and len(geo.chains[outer]) == 2 \
                and outer not in lanes:
            sides[outer] = -default
    return sides


def label_rows(labels: list[tuple[int, str, float]], geo, u: dict, lanes: dict, horizontal: bool, size: float,
               pad: float) -> tuple[dict[int, float], dict[int, float], dict[int, int], list[tuple[float, float]]]:
    """(offsets, room, sides, spans): for ``labels`` (edge index, text, width), each one's offset along the flow from
    the middle of its gap (0: the middle, where a lone row sits), by rank the length the gap before it needs, each
    label's side of its edge (-1: towards smaller u, left or above) and what the labels cover across the flow."""
    gaps: dict[int, list] = defaultdict(list)
    bends = {i: _last_bend(geo, u, lanes, i) for i, _, _ in labels}
    reach = {i: (ASCENT + DESCENT) * size if horizontal else width for i, _, width in labels}
    inset = DESCENT * size if horizontal else 0.0
    default = -1 if horizontal else 1
    sides = {i: default for i in bends} | _sides(geo, u, lanes, bends, default)
    for i, _, width in labels:
        lo, hi = sorted(bends[i])
        across = _across(lo, hi, sides[i], reach[i], inset)
        along = width + 2 * pad if horizontal else (ASCENT + DESCENT) * size + 3
        gaps[geo.rank[geo.chains[i][-1]]].append((across, along, i))
    offsets, room = {}, {}
    for r, members in gaps.items():
        rows: list[list] = []  # [reach across, length along, edges]
        for (lo, hi), along, i in sorted(members):
            row = next((row for row in rows if row[0] + 2 <= lo), None)
            if row is None and len(rows) < ROWS:
                rows.append(row := [hi, along, []])
            row = row if row is not None else rows[(len(rows) - 1) // 2]  # no row free: the middle one, as before
            row[0], row[1] = max(row[0], hi), max(row[1], along)
            row[2].append(i)
        total, start = sum(row[1] for row in rows), 0.0
        for _, along, edges in rows:
            offsets.update((i, start + along / 2 - total / 2) for i in edges)
            start += along
        room[r] = total + (0.0 if horizontal else 2 * pad)
    return offsets, room, sides, [across for members in gaps.values() for across, _, _ in members]
