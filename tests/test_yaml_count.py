"""The yaml_nodes limit is checked by counting parser events before composing (yaml_count): a 6 MB list of 2.1 million
numbers was refused only after two million values were composed (10 s), now before any is (1.3 s). The refusal is
the composer's own, word for word and at the same place; compositions counted, never timed."""

from __future__ import annotations

import pytest

import netgraph
from netgraph import NetGraph, SpecError
from netgraph.spec import yaml_count, yaml_nodes

HEAD = "netgraph: 1\nlayers:\n  a: {type: NetArrayLayer, array: ARRAY}\nedges: []\n"
LIMIT = 200


@pytest.fixture(autouse=True)
def _each_yaml_loader(yaml_loader):
    """Every test here runs with each YAML loader."""


def message(text: str) -> str | None:
    try:
        with netgraph.limits(yaml_nodes=LIMIT):
            NetGraph.from_yaml(text)
    except SpecError as exc:
        return str(exc)
    return None


def composed(monkeypatch, text: str, counting: bool = True) -> tuple[str | None, int]:
    """The refusal of ``text`` and how many values the composer composed (``counting``: the count first)."""
    calls, real = [0], yaml_nodes._Composer.compose

    def spy(self, key=False):
        calls[0] += 1
        return real(self, key)
    with monkeypatch.context() as m:
        m.setattr(yaml_nodes._Composer, "compose", spy)
        if not counting:
            m.setattr(yaml_nodes, "counted_past", lambda *args: None)
        return message(text), calls[0]


TEXTS = {
    "flow list": HEAD.replace("ARRAY", "[" + ", ".join(["0.5"] * 300) + "]"),
    "block list": "netgraph: 1\nname:\n" + "".join("  - 1\n" for _ in range(300)),
    "nested lists, counted after their items": HEAD.replace("ARRAY", "[" + ", ".join(["[1, 2]"] * 100) + "]"),
    "tagged numbers": HEAD.replace("ARRAY", "[" + ", ".join(["!!float 1"] * 300) + "]"),
    "a mapping": "netgraph: 1\nname: {" + ", ".join(f"k{i}: {i}" for i in range(150)) + "}\n",
    "null values of keys": "netgraph: 1\nname: {" + ", ".join(f"k{i}" for i in range(150)) + "}\n",
    "many layers": "netgraph: 1\nlayers:\n" + "".join(f"  l{i}: Tanh\n" for i in range(150)),
    "duplicate keys": "netgraph: 1\nname: {" + ", ".join("k: 1" for _ in range(150)) + "}\n",
    "a syntax error past the limit": "netgraph: 1\nname: [" + "1, " * 300 + "1]]\n",
    "a syntax error before it": "netgraph: 1\nname: [1]]\n" + "x: [" + "1, " * 300 + "1]\n",
    "an anchor": "netgraph: 1\nname: &a [" + "1, " * 300 + "1]\n",
    "a second document": "netgraph: 1\n---\nname: [" + "1, " * 300 + "1]\n",
    "deep nesting": "netgraph: 1\nname: " + "[" * 150 + "]" * 150 + "\n",
    "under the limit": HEAD.replace("ARRAY", "[" + ", ".join(["0.5"] * 100) + "]"),
}


@pytest.mark.parametrize("name", TEXTS)
def test_counting_first_refuses_as_composing_does(monkeypatch, name):
    text = TEXTS[name]
    assert composed(monkeypatch, text)[0] == composed(monkeypatch, text, counting=False)[0]


@pytest.mark.parametrize("name", ["flow list", "block list", "nested lists, counted after their items",
                                  "tagged numbers", "a mapping", "a syntax error past the limit"])
def test_a_spec_past_the_limit_is_refused_before_any_value_is_composed(monkeypatch, name):
    refusal, calls = composed(monkeypatch, TEXTS[name])
    assert calls == 0 and f"more than {LIMIT} values" in refusal
    assert composed(monkeypatch, TEXTS[name], counting=False)[1] > LIMIT


def test_anchors_and_short_texts_are_left_to_the_composer(monkeypatch):
    assert composed(monkeypatch, TEXTS["an anchor"])[1] > LIMIT  # an alias could expand: the composer counts it
    short = "netgraph: 1\nname: [1, 2]\n"  # too short to hold LIMIT values: not counted first
    calls = [0]
    monkeypatch.setattr(yaml_count, "value_past_limit", lambda *a: calls.__setitem__(0, calls[0] + 1))
    message(short)
    assert calls[0] == 0
