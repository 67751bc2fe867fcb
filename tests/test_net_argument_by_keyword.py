"""Functions wrapped by ``deep_walk`` take their net by keyword too, as their signatures show (QA: ``save(net=n,
path=...)`` and ``net_rename(net=n, rename=...)`` raised a raw ``TypeError: missing ... argument: 'self'``)."""

from __future__ import annotations

import inspect
import sys

import pytest

import netgraph
from netgraph import LinearLayer, NetGraph
from netgraph.core.information import _topology_hash, _topology_parts
from netgraph.core.leaf_swap import _swapped
from netgraph.core.multipliers import prune_rules
from netgraph.core.nesting import deep_walk
from netgraph.render.build import build_diagram
from netgraph.render.model import DiagramOptions
from netgraph.spec.dump import spec_data, to_yaml


def _net() -> NetGraph:
    return NetGraph({"a": LinearLayer(3, input=2), "b": LinearLayer(2)}, [("a", "b")])


def test_save_and_net_rename_take_the_net_by_keyword(tmp_path):
    net = _net()
    assert "net" in inspect.signature(netgraph.save).parameters
    path = netgraph.save(net=net, path=tmp_path / "x.yaml")
    assert netgraph.load(path) == net
    renamed = netgraph.net_rename(net=net, rename={"b": "bb"})
    assert list(renamed.layers) == ["a", "bb"]


@pytest.mark.parametrize("function, more", [
    (spec_data, {}), (to_yaml, {}), (build_diagram, {"options": DiagramOptions()}),
    (_swapped, {"changes": {}, "ir": None}), (_topology_hash, {}), (_topology_parts, {}), (prune_rules, {}),
], ids=lambda value: getattr(value, "__name__", ""))
def test_every_function_deep_walk_wraps_takes_its_net_by_keyword(function, more):
    net = _net()
    assert function(net=net, **more) == function(net, **more)


def test_a_net_given_by_keyword_gets_the_recursion_room_of_its_depth():
    class Deep:
        _depth = 5000  # far more levels than Python's default limit holds

    @deep_walk
    def limit_inside(net):
        return sys.getrecursionlimit()

    before = sys.getrecursionlimit()
    assert limit_inside(net=Deep()) > before and limit_inside(Deep()) > before
    assert sys.getrecursionlimit() == before
