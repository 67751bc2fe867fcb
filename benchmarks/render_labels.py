"""Edge labels of the built-in layout that other edges or labels cross, over the render QA set.

Run: python benchmarks/render_labels.py [--only NAME ...] [--rankdirs TB LR BT RL]
The QA set is every spec in specs/ and the example nets of tests/test_render*.py, plus fans of 3 to 40 branches
converging on one layer. Each SVG is read back: a label (its box as the render tests measure it) is crossed when a
point of another edge's path (64 per cubic) lies inside it, over its own edge when its own does, meets a label
when their boxes overlap, and lies across a frame when a nested graph's frame runs through it. Goal: 0 of each; the
canvas area shows what the rows cost.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import Counter
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netgraph import load  # noqa: E402
from tests import test_render_edge_labels as labels_tests  # noqa: E402
from tests.test_render import SVG, deep, groups, nested, residual_stack, seed  # noqa: E402
from tests.test_render_edge_routes import fan_in, path_points, render, sample, unet, wide_ports  # noqa: E402
from tests.test_render_layout import operators, random_net, readme_nesting, sibling_chains  # noqa: E402


def qa_set() -> dict:
    nets = {f"spec:{p.name}": partial(load, p) for p in sorted((ROOT / "specs").glob("*.yaml"))}
    for name in ("image_chain", "crossing_into_one_layer", "diamond", "fan_outs", "fan_out_past", "long_skip"):
        nets[name] = getattr(labels_tests, name)
    return {**nets, "unet24": partial(unet, 24), "wide_ports": wide_ports, "fan_in": partial(fan_in, 6, 3),
            "readme_nesting": readme_nesting, "sibling_chains": sibling_chains, "operators": operators, "seed": seed,
            "nested": nested, "deep": deep, "residual_stack": partial(residual_stack, 4),
            **{f"random{s}": partial(random_net, s) for s in (4, 9, 10, 12)},
            **{f"fan{n}": partial(labels_tests.fan_of, n) for n in (3, 4, 6, 12, 40)}}


def inside(box, x: float, y: float) -> bool:
    return box[0] + 0.5 < x < box[2] - 0.5 and box[1] + 0.5 < y < box[3] - 0.5


def meet(a, b) -> bool:
    return a[0] + 0.5 < b[2] and b[0] + 0.5 < a[2] and a[1] + 0.5 < b[3] and b[1] + 0.5 < a[3]


def findings(root) -> Counter:
    """Labels crossed by another edge, over their own edge, pairs of labels that meet, and labels a nested graph's
    frame runs through, in one SVG."""
    edges = groups(root, "edge")
    curves = [[p for s in path_points(g)[0] for p in sample(s, 64)] for g in edges]
    boxes = [(k, labels_tests.label_rect(g.find(f"{SVG}text"))) for k, g in enumerate(edges)
             if (g.find(f"{SVG}text").text or "")]
    out = Counter()
    for k, box in boxes:
        for j, curve in enumerate(curves):
            if any(inside(box, x, y) for x, y in curve):
                out["own" if j == k else "crossed"] += 1
    out["meeting"] = sum(meet(a, b) for n, (_, a) in enumerate(boxes) for _, b in boxes[n + 1:])
    out["framed"] = len(labels_tests.frames_crossed(root))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="names of QA nets to draw (default: all)")
    parser.add_argument("--rankdirs", nargs="*", default=["TB", "LR", "BT", "RL"])
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    totals = {rankdir: Counter() for rankdir in args.rankdirs}
    print(f"{'net':36s} " + "  ".join(f"{r}: crossed/own/meeting/framed" for r in args.rankdirs))
    for name, make in qa_set().items():
        if args.only and name not in args.only:
            continue
        net, cells = make(), []
        for rankdir in args.rankdirs:
            root = render(net, rankdir)
            found = findings(root)
            found["area"] = float(root.get("width")[:-2]) * float(root.get("height")[:-2]) / 1e3
            totals[rankdir] += found
            cells.append(f"{found['crossed']}/{found['own']}/{found['meeting']}/{found['framed']}".ljust(31))
        print(f"{name:36s} " + "  ".join(cells))
    for rankdir, t in totals.items():
        print(f"total {rankdir}: {t['crossed']} crossed, {t['own']} over their own edge, {t['meeting']} meeting, "
              f"{t['framed']} across a frame, canvas {t['area']:.0f}k pt²")


if __name__ == "__main__":
    main()
