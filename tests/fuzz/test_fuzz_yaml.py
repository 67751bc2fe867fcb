"""Random mutations of every spec in specs/: from_yaml, the CLI and save/load let only NetGraphError escape."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, strategies as st

from netgraph import NetGraph, SpecError
from netgraph.cli import main
from tests.fuzz._oracle import check_parity, only_our_errors
from tests.fuzz._strategies import HOSTILE

pytestmark = pytest.mark.fuzz

SPECS = sorted((Path(__file__).parents[2] / "specs").glob("*.yaml"))
TEXTS = {p.name: p.read_text() for p in SPECS}
TOKENS = [":", "-", "[", "]", "{", "}", "->", "\t", "\r", "\n", "  ", "#", "&a", "*a", "!!python/object:os.system",
          "<<: *a", "'", '"', ".", "null", "1e999", "-1", "0", "\ud800", "\x00", "Input", "Output"]


@st.composite
def text_mutations(draw: Any) -> str:
    """A spec's text with 1-4 random cuts, insertions, swaps or line-ending changes."""
    text = TEXTS[draw(st.sampled_from(sorted(TEXTS)))]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["cut", "insert", "lines", "endings"]))
        if kind == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif kind == "insert":
            text = text[:at] + draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=5))) + text[at:]
        elif kind == "lines":
            lines = text.splitlines(keepends=True)
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
        else:
            text = text.replace("\n", draw(st.sampled_from(["\r", "\r\n", "\n\n"])))
    return text


def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(tree, dict):
        out += [p for k, v in tree.items() for p in _paths(v, (*prefix, k))]
    elif isinstance(tree, list):
        out += [p for i, v in enumerate(tree) for p in _paths(v, (*prefix, i))]
    return out


@st.composite
def tree_mutations(draw: Any) -> str:
    """A spec re-dumped with one value anywhere in its tree replaced by a hostile one (or deleted)."""
    tree = yaml.safe_load(TEXTS[draw(st.sampled_from(sorted(TEXTS)))])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(tree)[1:]))
        parent = tree
        for key in path[:-1]:
            parent = parent[key]
        value = draw(st.one_of(HOSTILE.filter(_dumpable), st.just(_DELETE)))
        if value is _DELETE:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return yaml.safe_dump(tree, allow_unicode=True)


_DELETE = object()


def _dumpable(value: Any) -> bool:
    """Whether YAML can write ``value`` (tensors, even nested in lists, cannot)."""
    try:
        yaml.safe_dump(value)
    except yaml.YAMLError:
        return False
    return True


_PLACED = re.compile(r"<string>:\d+:\d+: ")


def _placed_and_kinded(text: str) -> Any:
    """``NetGraph.from_yaml(text)``; a SpecError it raises places each problem (``<string>:line:col: ``) and gives
    each a kind of its own (not the default "error")."""
    try:
        return NetGraph.from_yaml(text)
    except SpecError as exc:
        assert all(_PLACED.match(line) for line in exc.errors), exc.errors
        assert "error" not in [d.kind for d in exc.diagnostics], exc.errors
        raise


def _load_and_run(text: str) -> None:
    net = only_our_errors(lambda: _placed_and_kinded(text))
    if net is not None:
        check_parity(net)


@given(text_mutations())
def test_yaml_text_mutations(text):
    _load_and_run(text)


@given(tree_mutations())
def test_yaml_tree_mutations(text):
    _load_and_run(text)


@given(st.one_of(text_mutations(), tree_mutations()), st.sampled_from(["check", "summary", "run", "render"]))
def test_cli_reports_bad_specs_without_traceback(tmp_path_factory, text, command):
    folder = tmp_path_factory.mktemp("cli")
    spec = folder / "spec.yaml"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    argv = [command, str(spec)] + (["-o", str(folder / "out.svg")] if command in ("run", "render") else [])
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = only_our_errors(lambda: main(argv))
    assert code in (0, 1), code
    assert "Traceback" not in stderr.getvalue()
