"""The ``netgraph`` command line: ``run`` here; ``render``, ``check``, ``summary``, ``schema`` and
``train`` are added by their stage modules (each defines ``add_cli(subparsers)``)."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from netgraph.errors import NetGraphError

__all__ = ["main", "load_net"]

CLI_MODULES = ("netgraph.render", "netgraph.spec", "netgraph.summary", "netgraph.schema", "netgraph.train")


def load_net(path: str) -> Any:
    """A net from a spec file (with its saved arrays when a weights file sits beside it)."""
    from netgraph.spec import load
    return load(path)


def _run(args: argparse.Namespace) -> int:
    import torch

    from netgraph.initialize import net_initialize
    net = net_initialize(load_net(args.spec), seed=args.seed)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netgraph", description="Mathematica-style NetGraph DSL for PyTorch")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="load a spec, print one evaluation (a draw) and write its SVG diagram")
    run.add_argument("spec", help="a YAML spec, e.g. specs/normal_reparameterization.yaml")
    run.add_argument("-o", "--output", help="where to write the SVG (default: <spec name>.svg here)")
    run.add_argument("--seed", type=int, default=0, help="random seed for initialisation and draws")
    run.set_defaults(func=_run)
    for name in CLI_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "add_cli"):
            module.add_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; bad input prints one clear message (no traceback) and exits 1."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except NetGraphError as exc:
        print(f"netgraph {args.command}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"netgraph {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
