"""Edge labels of the built-in layout, in rank space (u across the ranks, v along the flow).

Each label is drawn beside its edge's last bend, in the gap before its destination's rank (``svg.py``). Labels
there that would meet across the flow go in different rows along it (at most ``ROWS``: a fan-in of hundreds of
edges keeps a short gap, its other labels sharing the middle row as before), and each gap gets the length its
rows need. A label's reach across is taken over its whole bend, so labels of one row never meet wherever they sit.
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


def label_rows(labels: list[tuple[int, str, float]], geo, u: dict, lanes: dict, horizontal: bool, size: float,
               pad: float) -> tuple[dict[int, float], dict[int, float]]:
    """(offsets, room): for ``labels`` (edge index, text, width), each one's offset along the flow from the middle
    of its gap (0: the middle, where a lone row sits), and by rank the length the gap before it needs."""
    gaps: dict[int, list] = defaultdict(list)
    for i, _, width in labels:
        a, b = _last_bend(geo, u, lanes, i)
        lo, hi = min(a, b), max(a, b)
        across = ((lo - BESIDE - ASCENT * size, hi - BESIDE + DESCENT * size) if horizontal
                  else (lo + BESIDE, hi + BESIDE + width))
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
    return offsets, room
