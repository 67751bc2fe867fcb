"""``netgraph export spec.yaml -o model.onnx [--opset N] [--seed S]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from netgraph.backend import net_initialize
from netgraph.cli.flags import check_seed
from netgraph.cli.loading import load_with_header
from netgraph.core.files import refuse_folder_name, refuse_overwriting, writable_file
from netgraph.core.summary import one_line
from netgraph.export import export_onnx
from netgraph.export.exporter import check_opset

__all__ = ["export"]


def export(args: argparse.Namespace) -> int:
    """Initialise the spec's missing arrays (seeded) and write it as ONNX."""
    check_opset(args.opset, "--opset")  # before loading and initialising the net
    check_seed(args)
    refuse_folder_name(args.output, "-o", Path(args.spec).with_suffix(".onnx").name)
    out = Path(args.output or Path(args.spec).with_suffix(".onnx").name)
    refuse_overwriting(out, args.spec, "-o" if args.output else "the default output (<spec name>.onnx here)")
    writable_file(out, "the ONNX model")  # its folder exists, it is no folder: before the import and the export
    net, name, description = load_with_header(args.spec)  # an ONNX model read once
    net = net_initialize(net, seed=args.seed)
    written = export_onnx(net, out, opset=args.opset, name=name or Path(args.spec).stem, description=description)
    print(f"ONNX model written to {written} ({one_line(net)})")  # the ports as check and run print them
    return 0
