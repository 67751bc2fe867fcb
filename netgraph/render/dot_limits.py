"""Nets too big for ``dot`` (and graphviz-pure): too wide to draw, edges skipping too many layers to route in time, or
clusters nested too deep to lay out in time. Slow nets these miss are stopped at ``engines.AUTO_TIMEOUT_S``.

With no backend named, such an SVG goes to the built-in layout with one note (``passed_over``); a PNG or PDF, which
only dot and graphviz-pure write, is refused up front (``refuse_too_big``).
"""

from __future__ import annotations

from netgraph.core.errors import NetGraphError
from netgraph.render.engines import BACKEND_KIND
from netgraph.render.layout import rank_sizes
from netgraph.render.model import Diagram

#: Layers skipped by edges in all (``layout.bends``: dot routes an edge through a bend point in each) past which an SVG
#: with no backend named goes to the built-in layout: dot took about 1-2 ms per bend (11,940 bends of a 262-box net:
#: 23 s; the built-in layout 0.6 s).
DOT_MAX_BENDS = 5_000
#: Layers side by side on one rank past which an SVG with no backend named goes to the built-in layout: dot's drawing
#: passes its largest width, 65,535 points (2,400 Tanh or LinearLayer branches drew in 2.2 s; 2,600 and 3,000 failed,
#: "Edge length 82161 larger than maximum 65535"; 5,000 failed after about 30 s). Wider labels fail sooner.
DOT_MAX_WIDTH = 2_000
#: Graphviz lays out clusters nested this deep in about half a second; its time grows with about the cube of
#: the depth (400 levels: 8 s, 800: about a minute), so deeper diagrams go to the built-in layout.
DOT_MAX_DEPTH = 128
#: Why a rank wider than ``DOT_MAX_WIDTH`` fails.
WIDTH_NOTE = "Graphviz draws at most 65,535 points across"
#: Why edges skipping more than ``DOT_MAX_BENDS`` layers are slow.
BENDS_NOTE = "dot routes an edge through a point in each layer it skips, about 1-2 ms each"
_WRITE_SVG = "write SVG, which the built-in layout draws, or pass backend='dot' (--backend dot)"


def too_deep_for_dot(d: Diagram) -> str | None:
    """Why dot and graphviz-pure would take minutes on ``d``'s clusters (follows the engine's name), or None. The
    advice counts levels as ``expand`` does (an operator and its inner nets nest two clusters deep on one level)."""
    depth = max((len(c.path) for c in d.clusters), default=0)
    if depth > DOT_MAX_DEPTH:
        levels = min(c.level for c in d.clusters if len(c.path) > DOT_MAX_DEPTH) - 1
        return (f"would take minutes on clusters nested {depth} deep (more than {DOT_MAX_DEPTH}); "
                f"pass expand={levels} or less")
    return None


def _past_limit(d: Diagram) -> tuple[str, int] | None:
    """(the limit, the count past it) of ``d`` past dot's limits, the width first: ("width", the widest rank) or
    ("bends", the layers edges skip in all); or None."""
    widest, bent = rank_sizes(d)
    if widest > DOT_MAX_WIDTH:
        return "width", widest
    return ("bends", bent) if bent > DOT_MAX_BENDS else None


def _skips(bent: int) -> str:
    """How edges that skip ``bent`` layers in all pass ``DOT_MAX_BENDS``: "skip ..."."""
    return f"skip {bent:,} layers in all (more than {DOT_MAX_BENDS:,}; {BENDS_NOTE})"


def too_big_for_dot(d: Diagram) -> tuple[str, str] | None:
    """(why dot and graphviz-pure would fail or take minutes on ``d``, what naming one of them does), or None."""
    past = _past_limit(d)
    if past is None:
        return None
    limit, n = past
    if limit == "width":
        return (f"would fail on {n:,} layers side by side (more than {DOT_MAX_WIDTH:,}; {WIDTH_NOTE})",
                "to try it anyway")
    return f"would be slow on edges that {_skips(n)}", "to wait for it"


def refuse_too_big(d: Diagram, fmt: str) -> None:
    """NetGraphError for a PNG or PDF of ``d`` that dot would fail on or take minutes over: only dot and
    graphviz-pure write them, and the built-in layout, which ``too_big_for_dot`` leaves an SVG to, writes SVG only."""
    past = _past_limit(d)
    if past is None:
        return
    limit, n = past
    if limit == "width":
        raise NetGraphError(f"cannot write {fmt.upper()} of a net {n:,} layers side by side: dot fails on more "
                            f"than {DOT_MAX_WIDTH:,} ({WIDTH_NOTE}); {_WRITE_SVG} to try it anyway", option="format",
                            kind=BACKEND_KIND)
    raise NetGraphError(f"cannot write {fmt.upper()} of a net whose edges {_skips(n)}: dot would be slow on "
                        f"them; {_WRITE_SVG} to wait for it", option="format",
                        kind=BACKEND_KIND)


def passed_over(engines: list[str], too_big: tuple[str, str] | None) -> list[str]:
    """Why ``engines`` were passed over (``too_big_for_dot``'s answer): one reason for them all."""
    if not engines or too_big is None:
        return []
    why, then = too_big
    return [f"{' and '.join(engines)} {why}; pass backend={engines[0]!r} (--backend {engines[0]}) {then}"]
