"""``netgraph render spec.yaml|model.onnx -o net.svg [--rankdir LR] [--depth N] [--backend NAME]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from netgraph.render import render as render_net
from netgraph.cli.loading import load_net as load

__all__ = ["render"]


def render(args: argparse.Namespace) -> int:
    net = load(args.spec)
    out = Path(args.output or Path(args.spec).with_suffix(".svg").name)
    expand: bool | int = True if args.depth is None else args.depth
    written = render_net(net, out, format=args.format, backend=args.backend, rankdir=args.rankdir, expand=expand,
                         compact={"auto": "auto", "yes": True, "no": False}[args.compact])
    print(f"diagram written to {written}")
    return 0
