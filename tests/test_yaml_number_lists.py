"""A long run of plain numbers in a flow list (an array written inline) is read in one pass, not value by value (a
million numbers took 15.7 s in ``netgraph check``): the same values, types and places as composing them gives; any
other item (a bad number, a word, a comment) is composed as before, its problems told as before, the runs around it
read in one pass still."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError
from netgraph.spec import yaml_nodes
from netgraph.spec.number_lists import MIN_NUMBERS, NumberLists

pytestmark = pytest.mark.usefixtures("yaml_loader")  # every test here runs with each YAML loader

_N = MIN_NUMBERS + 6
_FLOATS = ", ".join(f"{(-1) ** i * i / 7:.4g}" for i in range(_N))
READ = [
    f"a: [{', '.join(map(str, range(-3, _N)))}]\n",
    f"a: [{_FLOATS}]\n",
    f"a: [1, 2.5, -3e2, +.5, 7., 1E-3, -0, {_FLOATS}, 1e400, -1.5e999, ]\n",
    "a:\n  b: [" + ",\n      ".join(["1.5, 2"] * _N) + "\r\n    ]\nc: [1, 2]\n",
    "m: [" + ", ".join(f"[{_FLOATS}]" for _ in range(3)) + "]\n",
    f"- &x [{_FLOATS}]\n- *x\n",
]
COMPOSED = [  # a list with something else in it: value by value, as before
    f"a: [{_FLOATS}, 0012]\n", f"a: [{_FLOATS}, 12345678901234567890]\n", f"a: [{_FLOATS}, .inf]\n",
    f"a: [{_FLOATS}, '3']\n", f"a: [{_FLOATS}, x]\n", f"a: [{_FLOATS}, # note\n  3]\n", f"a: [{_FLOATS}, !!str 3]\n",
    f"a: [{_FLOATS}, 1 2]\n", f"a: [{_FLOATS}, 1.2.3]\n", f"a: [{_FLOATS}, 0012, {_FLOATS}, x, {_FLOATS}]\n",
    f"a: [{_FLOATS}, [{_FLOATS}], &y 3, *y, {_FLOATS}]\n",
]


def _composed(monkeypatch, read):
    with monkeypatch.context() as patch:
        patch.setattr(NumberLists, "number_run", lambda self, out, locs: None)
        return read()


def _places(value):
    if isinstance(value, dict):
        return {k: (value.key_locs[k], value.value_locs[k], _places(v)) for k, v in value.items()}
    if isinstance(value, list):
        return (value.loc, list(value.item_locs), [_places(v) for v in value])
    return type(value), repr(value)


@pytest.mark.parametrize("text", READ, ids=range(len(READ)))
def test_a_list_of_numbers_reads_as_composing_it_does(text, monkeypatch):
    read = yaml_nodes.read_yaml(text, "f.yaml")
    assert read == _composed(monkeypatch, lambda: yaml_nodes.read_yaml(text, "f.yaml"))
    assert _places(read) == _places(_composed(monkeypatch, lambda: yaml_nodes.read_yaml(text, "f.yaml")))


_VALUES = [t for t in READ + COMPOSED if t.startswith("a: ")]  # as an array= option


@pytest.mark.parametrize("text", _VALUES, ids=range(len(_VALUES)))
def test_a_spec_holding_it_is_read_or_refused_as_before(text, monkeypatch):
    spec = "netgraph: 1\nlayers:\n  c: {type: NetArrayLayer, array: " + text.split(": ", 1)[1].strip() + "}\n"
    assert _outcome(spec) == _composed(monkeypatch, lambda: _outcome(spec))


def _outcome(spec: str):
    """The array read, or the problems' fields."""
    try:
        return NetGraph.from_yaml(spec).layers["c"].array.tolist()
    except SpecError as error:
        return [(d.message, d.line, d.column, d.kind, d.expected, d.found) for d in error.diagnostics]


def test_the_numbers_are_not_composed_one_by_one(monkeypatch):
    composed, compose = [], yaml_nodes._Composer.compose
    monkeypatch.setattr(yaml_nodes._Composer, "compose",
                        lambda self, *a, **k: composed.append(1) or compose(self, *a, **k))
    numbers = ", ".join(["0.5"] * 10_000)
    assert yaml_nodes.read_yaml(f"a: [{numbers}]\n", "f.yaml")["a"] == [0.5] * 10_000
    assert len(composed) < 10  # the mapping, its key, the list and its last item (was 10,003)
    composed.clear()
    with pytest.raises(yaml_nodes.YamlRefused, match="^f.yaml:1:50005: '007': a number with a leading zero"):
        yaml_nodes.read_yaml(f"a: [{numbers}, 007, {numbers}]\n", "f.yaml")
    assert len(composed) < 10  # the bad number and the last one too


def test_the_places_of_a_run_equal_the_list_of_places_composing_gives(monkeypatch):
    """A run's places (an ItemLocs, worked out when asked) compared unequal to the list composing gave, by identity."""
    read = yaml_nodes.read_yaml(READ[1], "f.yaml")["a"]
    composed = _composed(monkeypatch, lambda: yaml_nodes.read_yaml(READ[1], "f.yaml"))["a"]
    assert type(read.item_locs) is not list and type(composed.item_locs) is list
    assert read.item_locs == composed.item_locs and composed.item_locs == read.item_locs
    assert read.item_locs != composed.item_locs[:-1] and read.item_locs != tuple(composed.item_locs)
