"""``netgraph render spec.yaml|model.onnx -o net.svg [--rankdir LR] [--depth N] [--backend NAME]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.output_paths import refuse_folder_name, refuse_overwriting
from netgraph.render import FILE_FORMATS
from netgraph.render import render as render_net
from netgraph.render.api import check_target, other_suffix
from netgraph.render.engines import backends_for
from netgraph.cli.loading import default_output, load_net as load

__all__ = ["render", "diagram_path"]


def render(args: argparse.Namespace) -> int:
    out = diagram_path(args.output, args.spec, args.format, "-f/--format", args.backend)
    net = load(args.spec)
    expand: bool | int = True if args.depth is None else args.depth
    written = render_net(net, out, format=args.format, backend=args.backend, rankdir=args.rankdir, expand=expand,
                         compact={"auto": "auto", "yes": True, "no": False}[args.compact])
    print(f"diagram written to {written}")
    return 0


def diagram_path(output: str | None, spec: str, fmt: str | None, format_flag: str | None = None,
                 backend: str | None = None) -> Path:
    """Where ``-o`` puts the diagram (default ``<spec name>.svg`` here, or ``fmt``'s suffix), checked before any
    work: its folder exists, it is no folder nor the input ``spec``, its format is known (from ``format_flag``'s
    value ``fmt`` or the suffix), and an installed engine (``backend`` if named) writes it (PDF needs ``dot``)."""
    out = _target(output, spec, fmt, format_flag)
    laid_out = fmt or out.suffix[1:].lower()
    if laid_out in ("svg", "png", "pdf"):
        backends_for(laid_out, backend)
    elif backend is not None:  # in the flags' words, not to_dot's backend=
        raise OptionError(f"--backend {backend} picks the engine that lays out SVG, PNG or PDF; DOT text (-o {out}) "
                          f"is not laid out, so it takes no --backend: drop it", option="backend",
                          kind="option-combination", found=backend)
    return out


def _target(output: str | None, spec: str, fmt: str | None, format_flag: str | None) -> Path:
    if fmt is not None and fmt not in FILE_FORMATS:  # before the spec is read (-f "" too: not ignored); as listed
        raise OptionError(f"unknown diagram format {fmt!r}{did_you_mean(fmt, FILE_FORMATS)} ({format_flag} "
                          f"{fmt!r}); formats are {', '.join(FILE_FORMATS)}", kind="option-value", option="format",
                          found=fmt)
    suffix = fmt or "svg"  # no -o: <spec name>.<-f's format>
    refuse_folder_name(output, "-o", default_output(spec, f".{suffix}"))
    out = Path(output or default_output(spec, f".{suffix}"))
    check_target(out)
    refuse_overwriting(out, spec, "-o" if output else f"the default output (<spec name>.{suffix} here)")
    suffixes = ", ".join("." + f for f in FILE_FORMATS)
    if fmt and (suffix := other_suffix(out, fmt)):  # -o x.svg -f png would write PNG bytes to x.svg
        raise OptionError(f"-o {output} names a .{suffix} file but {format_flag} {fmt} writes {fmt.upper()}; drop "
                          f"{format_flag}, or end -o in .{fmt}", option="format",
                          kind="option-combination", expected=f".{fmt}", found=output)
    if fmt:
        return out
    if not out.suffix:
        alternative = f" or pass {format_flag}" if format_flag else ""
        raise OptionError(f"-o {output}: cannot tell which format to write: give the file a suffix ({suffixes})"
                          f"{alternative}", option="output", kind="output-path",
                          found=output)
    suffix = out.suffix[1:].lower()
    if suffix not in FILE_FORMATS:
        raise OptionError(f"unknown diagram format {suffix!r}{did_you_mean(suffix, FILE_FORMATS)} (the suffix of "
                          f"-o {output}); formats are {', '.join(FILE_FORMATS)}", option="output",
                          kind="output-path", found=output)
    return out
