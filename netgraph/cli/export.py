"""``netgraph export spec.yaml -o model.onnx [--opset N] [--seed S]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from netgraph.backend import net_initialize
from netgraph.cli.flags import check_seed
from netgraph.cli.loading import default_output, load_with_header
from netgraph.cli.places import placed_at_layers
from netgraph.core.errors import OptionError
from netgraph.core.output_paths import refuse_folder_name, refuse_overwriting, writable_file
from netgraph.core.summary import one_line
from netgraph.export import export_onnx
from netgraph.export.exporter import check_opset

__all__ = ["export"]


def export(args: argparse.Namespace) -> int:
    """Initialise the spec's missing arrays (seeded) and write it as ONNX."""
    check_opset(args.opset, "--opset")  # before loading and initialising the net
    check_seed(args)
    out = _output(args.output, args.spec)
    net, name, description = load_with_header(args.spec)  # an ONNX model read once
    with placed_at_layers(args.spec):
        net = net_initialize(net, seed=args.seed)
        written = export_onnx(net, out, opset=args.opset, name=name or Path(args.spec).stem, description=description)
    print(f"ONNX model written to {written} ({one_line(net)})")  # the ports as check and run print them
    return 0


def _output(output: str | None, spec: str) -> Path:
    """Where ``-o`` puts the model (default ``<spec name>.onnx`` here), checked before any work: a file name ending
    in .onnx (as ``load_net`` tells a model from a spec), in a folder that exists, that is not the input ``spec``."""
    refuse_folder_name(output, "-o", default_output(spec, ".onnx"))
    out = Path(output or default_output(spec, ".onnx"))
    refuse_overwriting(out, spec, "-o" if output else "the default output (<spec name>.onnx here)")
    writable_file(out, "the ONNX model")  # its folder exists, it is no folder: before the import and the export
    if out.suffix.lower() != ".onnx":  # ONNX bytes in other.yaml: load, check and run would read them as a spec
        raise OptionError(f"-o {output!r}: export writes an ONNX model, whose file name must end in .onnx (the "
                          f"other commands tell a model from a spec by it); e.g. -o {out.with_suffix('.onnx')}",
                          option="output", kind="output-path", found=output)
    return out
