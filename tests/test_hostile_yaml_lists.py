"""A flow list that would pass the yaml_nodes limit is refused when the parser reaches its '[', by looking ahead in
the text, with the message and the position composing it would give: 2 million numbers took 15 s to refuse."""

from __future__ import annotations

import pytest

import netgraph
from netgraph.spec import yaml_nodes
from tests.spec_refusals import refusal

pytestmark = pytest.mark.usefixtures("yaml_loader")  # every test here runs with each YAML loader


HOSTILE = [
    "netgraph: 1\nname: [" + "1, " * 5000 + "1]\n",
    "netgraph: 1\nname: [" + "1,\n   " * 5000 + "1, ]\n",
    "netgraph: 1\nname: [" + "two words, -3.5e2, +.inf, x_y, " * 1000 + "1]\n",
    "netgraph: 1\nname: [" + "[1, 2, 3], " * 600 + "[]]\n",
    "netgraph: 1\nname: [[[1, [2]], 3], " + "[1, [2, 3]], 4, " * 400 + "5]\n",
    "netgraph: 1\na: &a [1, 2]\nb: [*a, *a]\nname: [" + "7, " * 5000 + "1]\n",  # blamed on aliases, as composing does
    "netgraph: 1\nname: [1, 2, # a comment stops the look ahead\n  " + "3, " * 5000 + "4]\n",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_the_early_refusal_is_the_one_composing_gives(text, monkeypatch):
    with netgraph.limits(yaml_nodes=1000):
        early = refusal(text)
        monkeypatch.setattr(yaml_nodes._Composer, "flow_ahead", lambda self, event: None)
        assert early == refusal(text)
    assert "more than 1000 values" in early


def test_a_long_list_is_refused_before_its_values_are_composed(monkeypatch):
    counted, count = [], yaml_nodes._Composer.count
    monkeypatch.setattr(yaml_nodes._Composer, "count", lambda self, *a, **k: counted.append(1) or count(self, *a, **k))
    with netgraph.limits(yaml_nodes=1000):
        refusal(HOSTILE[0])
        assert len(counted) < 10  # 'netgraph', 1, 'name', then the list: refused at its '['
        counted.clear()
        refusal(HOSTILE[3])
        assert len(counted) < 10


def test_lists_up_to_the_limit_are_read_as_before():
    for n in (995, 10):  # 'netgraph', 1, 'name', the list and the whole mapping count too: 1000 values in all
        text = "netgraph: 1\nname: [" + ", ".join(["1"] * n) + "]\n"
        with netgraph.limits(yaml_nodes=1000):
            assert yaml_nodes.read_yaml(text, "x")["name"] == [1] * n
