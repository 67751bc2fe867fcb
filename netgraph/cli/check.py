"""``netgraph check``, ``summary`` and ``schema``: read specs without running them."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from netgraph.core.errors import MAX_LISTED, Diagnostic, OptionError, SpecError
from netgraph.core.files import atomic_write, open_regular
from netgraph.core.naming_scope import SHOWN_CHARACTERS, head_and_tail, quoted
from netgraph.core.output_paths import refuse_folder_name, unwritable, writable_file
from netgraph.core.summary import one_line, summary_table
from netgraph.core.unused_layers import unused_layer_notes, unwired_layer_notes
from netgraph.cli.loading import load_net as load
from netgraph.spec.problems import looks_like_spec
from netgraph.spec.schema import spec_schema
from netgraph.spec.text import SPEC_SUFFIXES

__all__ = ["check", "summary", "schema", "problem_json", "spec_files"]


def check(args: argparse.Namespace) -> int:
    """Every problem of each spec as file:line:col (exit 1), or a one-line summary (and a note on stderr for
    each layer no output depends on or no edge names); ``--format json``: the problems as one JSON list on stdout
    (and a note on stderr where it is not complete)."""
    status, as_json, problems = 0, args.format == "json", []

    def listed(spec: str, exc: SpecError) -> None:
        problems.extend(problem_json(d, spec) for d in exc.diagnostics)
        if not exc.complete:  # the JSON list stays a list: what it leaves out is said on stderr
            shown = len(exc.diagnostics)
            _print_notes(spec, [f"{shown} of {exc.problem_count} problems listed (the list is not complete)"
                                if exc.problem_count else f"{shown} problems listed; reading stopped there, there may "
                                                          f"be more (the list is not complete)"])
    for spec, net in _loaded(args.specs, listed if as_json else _print_problems):
        if net is None:
            status = 1
            continue
        if not as_json:
            print(f"{spec}: ok, {one_line(net)}")
        _print_notes(spec, unwired_layer_notes(net) + unused_layer_notes(net))
    if as_json:
        print(json.dumps(problems, indent=1, allow_nan=False))
    return status


def spec_files(paths: list[str]) -> list[str]:
    """``paths`` with each folder replaced by its spec files (``SPEC_SUFFIXES``, not its sub-folders'), sorted and
    named as the folder was typed, as linters take a folder; OptionError for a folder that holds none (``check`` and
    ``summary`` report that one as a problem and go on with the others).

    >>> import tempfile; folder = tempfile.mkdtemp()
    >>> _ = [Path(folder, name).touch() for name in ("b.yml", "a.yaml", "c.txt")]
    >>> [Path(p).name for p in spec_files([folder])]
    ['a.yaml', 'b.yml']
    """
    out = []
    for path in paths:
        found = _folder_specs(path)
        if found == []:
            raise OptionError(_NO_SPECS.format(path=path), **_no_specs_fields(path))
        out += [path] if found is None else found
    return out


def _folder_specs(path: str) -> list[str] | None:
    """The spec files of the folder ``path``, sorted and named as it was typed; None where it is no folder."""
    if not path or not Path(path).is_dir():  # '' is Path('.'): read (and refused) as a spec, not the folder here
        return None
    found = sorted(entry.name for entry in Path(path).iterdir()
                   if entry.suffix.lower() in SPEC_SUFFIXES and entry.is_file())
    return [os.path.join(path, name) for name in found]


_NO_SPECS = f"{{path!r}} is a folder that holds no spec file ({', '.join(SPEC_SUFFIXES)}); give spec files, or a " \
            f"folder of them"


def _no_specs_fields(path: str) -> dict[str, str]:
    return {"option": "specs", "kind": "missing-file", "expected": "a spec file or a folder of them", "found": path}


def _print_notes(spec: str, notes: list[str]) -> None:
    """The first ``MAX_LISTED`` notes on stderr, then how many more (a big net may have thousands)."""
    for note in notes[:MAX_LISTED]:
        print(f"{spec}: note: {note}", file=sys.stderr)
    if len(notes) > MAX_LISTED:
        print(f"{spec}: note: ... and {len(notes) - MAX_LISTED} more notes (layers in no edge or feeding no output)",
              file=sys.stderr)


def problem_json(problem: Diagnostic, spec: str) -> dict[str, Any]:
    """One problem of ``spec`` as JSON data: its place (``file``: the spec's name where the problem has none) and
    fields; tuples as lists, other values JSON has no form for as text; a very long expected or found value cut
    (``_bounded``), with ``expected_left_out`` / ``found_left_out`` saying how much was left out, and
    ``expected_left_out_inside`` / ``found_left_out_inside`` each value cut inside it: its place and how much;
    ``item`` (the 0-based index of the list item at fault) only where the problem has one.

    >>> problem_json(Diagnostic("bad", "shape", layer=("a",), expected=(3, 8), found=float("nan")), "s.yaml")["layer"]
    ['a']
    """
    fields = _json_value({name: getattr(problem, name) for name in _JSON_FIELDS})
    for name in ("expected", "found"):
        inside: list[dict[str, Any]] = []
        fields[name], left_out = _bounded(fields[name], inside)
        if left_out:
            fields[f"{name}_left_out"] = left_out
        if inside:
            fields[f"{name}_left_out_inside"] = inside
    if problem.item is not None:
        fields["item"] = problem.item
    return {**fields, "file": problem.file or str(spec)}


LONGEST_FIELD = 4096  # characters: a JSON string or list past this is cut (a 1 MB name, a 100,000-item list)
_KEPT = 10  # a cut list's first and last items kept


def _bounded(value: Any, inside: list[dict[str, Any]] | None = None) -> tuple[Any, int]:
    """JSON data ``value``, or where it is very long a cut of the same type and how many characters or items were
    left out: a string's first and last ``SHOWN_CHARACTERS // 2`` characters around "…", a list's first and last
    ``_KEPT`` items (each cut as well: ``inside`` gets ``{"at": its indices in the cut value, "left_out": n}``); an
    int Python cannot write (past 4,300 digits) as its size in words.

    >>> cuts = []
    >>> _bounded("a" * 5000, cuts)[1], _bounded(list(range(5000)), cuts)[0][9:11], _bounded([2, -1], cuts), cuts
    (4920, [9, 4990], ([2, -1], 0), [])
    """
    if not isinstance(value, list):
        return _bounded_item(value)
    cut, left_out, _, cuts_inside = _bounded_list(value)
    if inside is not None:
        inside += cuts_inside
    return cut, left_out


def _bounded_list(value: list) -> tuple[list, int, float, list[dict[str, Any]]]:
    """``_bounded``'s cut, count and inner cuts of list ``value``, and the length of its JSON text (infinite with an
    int too long to write), in one walk: each list in ``value`` is measured once, its other items by one
    ``json.dumps`` of them together, and only a long list's kept items are cut in turn (a list whose text is short
    holds nothing long)."""
    if any(issubclass(kind, list) for kind in set(map(type, value))):
        lists = {i: _bounded_list(item) for i, item in enumerate(value) if isinstance(item, list)}
        others = [item for item in value if not isinstance(item, list)]
        text = 2 * len(value) + sum(chars for _, _, chars, _ in lists.values())
        text += _text_length(others) - 2 * len(others) if others else 0
    else:  # no list in it: one json.dumps (C) measures it whole
        lists, text = {}, _text_length(value)
    if text <= LONGEST_FIELD:
        return value, 0, text, []
    cut = len(value) > 2 * _KEPT
    kept = [*range(_KEPT), *range(len(value) - _KEPT, len(value))] if cut else range(len(value))
    bounded, inside = [], []
    for place, i in enumerate(kept):
        item, left_out, _, below = lists[i] if i in lists else (*_bounded_item(value[i]), 0, [])
        bounded.append(item)
        inside += [{"at": [place, *cut_at["at"]], "left_out": cut_at["left_out"]} for cut_at in below]
        if left_out:
            inside.append({"at": [place], "left_out": left_out})
    return bounded, len(value) - 2 * _KEPT if cut else 0, text, inside


def _bounded_item(value: Any) -> tuple[Any, int]:
    """A value other than a list, cut as ``_bounded`` says."""
    if isinstance(value, str) and len(value) > LONGEST_FIELD:
        return head_and_tail(value, SHOWN_CHARACTERS), len(value) - 2 * (SHOWN_CHARACTERS // 2)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _WRITTEN_BITS:
        return quoted(value), 0  # "an integer of 20000 bits"
    return value, 0


def _text_length(items: list) -> float:
    """The length of JSON list ``items``' text, ``json.dumps``' ", " between items (infinite with an int too long to
    write)."""
    try:
        return len(json.dumps(items))
    except ValueError:
        return math.inf


_WRITTEN_BITS = 4300 * 3  # an int of fewer bits has under 4,300 digits, which Python writes (sys.int_info)


_JSON_FIELDS = ("file", "line", "column", "message", "kind", "layer", "port", "option", "expected", "found", "hint")


def _json_value(value: Any) -> Any:
    """``value`` as JSON data: tuples, lists and sets as lists, mappings with text keys, a non-finite float or any
    other value as its text.

    >>> _json_value({"a": (1, (2.5, None)), "b": frozenset({"x"}), "c": float("inf"), "d": True})
    {'a': [1, [2.5, None]], 'b': ['x'], 'c': 'inf', 'd': True}
    """
    if value is None or isinstance(value, (bool, int, str)) or isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_json_value(v) for v in value), key=str)
    return str(value)


def summary(args: argparse.Namespace) -> int:
    """For each spec (a folder: each of its spec files, as ``check`` takes it), a table of its layers, ports, shapes
    and parameter counts (a blank line between two); a bad spec's problems as file:line:col, as ``check`` gives them
    (exit 1)."""
    status, shown = 0, False
    for spec, net in _loaded(args.specs):
        if net is None:
            status = 1
            continue
        print(f"\n{spec}: {one_line(net)}" if shown else f"{spec}: {one_line(net)}")
        print(summary_table(net))
        shown = True
    return status


def _loaded(paths: list[str], report: Callable[[str, SpecError], None] | None = None) -> Iterator[tuple[str, Any]]:
    """Each spec of ``paths`` (a folder: its spec files, ``spec_files``) with its net, or with None once ``report``
    has its problems (default: printed on stderr); a folder without specs is such a problem, as a missing file is."""
    report = report or _print_problems
    for path in paths:
        found = _folder_specs(path)
        if found == []:
            report(path, SpecError(_NO_SPECS.format(path=path), file=path, **_no_specs_fields(path)))
            yield path, None
        for spec in [path] if found is None else found:
            try:
                yield spec, load(spec)
            except SpecError as exc:
                report(spec, exc)
                yield spec, None


def _print_problems(spec: str, exc: SpecError) -> None:
    print(str(exc), file=sys.stderr)


def schema(args: argparse.Namespace) -> int:
    """The JSON Schema of spec files, printed or written."""
    text = json.dumps(spec_schema(), indent=2) + "\n"
    if args.output is not None:
        refuse_folder_name(args.output, "-o", "netgraph.spec.schema.json")
        out = Path(args.output)
        writable_file(out, "the schema")  # a missing folder or a folder: named by the path given, not a temporary's
        _refuse_replacing_spec(out)
        try:
            atomic_write(out, text.encode("utf-8"))
        except OSError as exc:
            raise unwritable("the schema", out, exc.strerror or str(exc)) from None
        print(f"schema written to {args.output}")
    else:
        print(text, end="")
    return 0


def _refuse_replacing_spec(out: Path) -> None:
    """OptionError when ``out`` is an existing netgraph spec (a ``netgraph: 1`` line): ``schema -o`` would replace
    it; a schema written before (or a new file) is replaced as asked."""
    try:
        with open_regular(out) as file:  # never blocks on a pipe
            head = file.read(1 << 20).decode("utf-8", errors="replace")
    except (OSError, ValueError):  # no such file yet, not a regular file, a NUL in the name: writing says why
        return
    if looks_like_spec(head):
        raise OptionError(f"-o {str(out)!r} is a netgraph spec: writing the schema would replace it; give another "
                          f"path, e.g. -o netgraph.spec.schema.json", option="output", kind="output-path",
                          expected="a path that is not a netgraph spec", found=str(out))
