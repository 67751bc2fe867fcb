"""``netgraph run spec.yaml``: one evaluation (a draw) printed, and the diagram written."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from netgraph.backend import net_initialize
from netgraph.cli.loading import load_net as load

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    net = net_initialize(load(args.spec), seed=args.seed)
    torch.manual_seed(args.seed)
    inputs = {p: torch.randn(1, *shape) for p, shape in net.input_shapes.items()}
    result = net(**inputs)
    torch.set_printoptions(precision=4, sci_mode=False)
    print(f"{Path(args.spec).name}: inputs {net.input_shapes or '{}'} -> outputs {net.output_shapes}")
    for port, value in (result.items() if isinstance(result, dict) else [("Output", result)]):
        print(f"  {port} = {value.detach()}")
    out = Path(args.output or Path(args.spec).with_suffix(".svg").name)
    net.render(out)
    print(f"diagram written to {out}")
    return 0
