"""``netgraph check``, ``summary`` and ``schema``: read specs without running them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from netgraph.core.errors import NetGraphError, SpecError
from netgraph.core.files import atomic_write, refuse_folder_name, writable_file
from netgraph.core.summary import one_line, summary_table
from netgraph.core.unused_layers import unused_layer_notes, unwired_layer_notes
from netgraph.cli.loading import load_net as load
from netgraph.spec.schema import spec_schema

__all__ = ["check", "summary", "schema"]


def check(args: argparse.Namespace) -> int:
    """Every problem of each spec as file:line:col (exit 1), or a one-line summary (and a note on stderr for
    each layer no output depends on or no edge names)."""
    status = 0
    for spec, net in _loaded(args.specs):
        if net is None:
            status = 1
        else:
            print(f"{spec}: ok, {one_line(net)}")
            for note in unwired_layer_notes(net) + unused_layer_notes(net):
                print(f"{spec}: note: {note}", file=sys.stderr)
    return status


def summary(args: argparse.Namespace) -> int:
    """For each spec, a table of its layers, ports, shapes and parameter counts (a blank line between two); a bad
    spec's problems as file:line:col, as ``check`` gives them (exit 1)."""
    status, shown = 0, False
    for spec, net in _loaded(args.specs):
        if net is None:
            status = 1
            continue
        print(f"\n{spec}: {one_line(net)}" if shown else f"{spec}: {one_line(net)}")
        print(summary_table(net))
        shown = True
    return status


def _loaded(specs: list[str]) -> Iterator[tuple[str, Any]]:
    """Each spec with its net, or with None once its problems are printed on stderr."""
    for spec in specs:
        try:
            yield spec, load(spec)
        except SpecError as exc:
            print(str(exc), file=sys.stderr)
            yield spec, None


def schema(args: argparse.Namespace) -> int:
    """The JSON Schema of spec files, printed or written."""
    text = json.dumps(spec_schema(), indent=2) + "\n"
    if args.output is not None:
        refuse_folder_name(args.output, "-o", "netgraph.spec.schema.json")
        out = Path(args.output)
        writable_file(out, "the schema")  # a missing folder or a folder: named by the path given, not a temporary's
        try:
            atomic_write(out, text.encode("utf-8"))
        except OSError as exc:
            raise NetGraphError(f"cannot write the schema to {args.output!r}: {exc.strerror or exc}") from None
        print(f"schema written to {args.output}")
    else:
        print(text, end="")
    return 0
