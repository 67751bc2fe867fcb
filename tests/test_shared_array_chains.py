"""Shared arrays whose users learn their shapes from each other's groups: the shape defaults are applied until
nothing changes (a link per pass), and a net of many shared names finds each name's users from one index."""

from __future__ import annotations

from netgraph import LinearLayer, NetGraph, NetPort, NetSharedArray
from netgraph.core import inference, inference_defaults


def test_a_chain_of_shared_groups_sizes_every_user():
    """'w' sizes x (from a's 4 values); x feeds c, which then sizes 'v', which sizes y: a second pass."""
    w, v = NetSharedArray("w"), NetSharedArray("v")
    layers = {"d": LinearLayer(2, weights=v), "c": LinearLayer(2, weights=v), "b": LinearLayer(3, weights=w),
              "a": LinearLayer(3, weights=w)}  # the users of 'v' first: a pass in layer order sees them unknown
    net = NetGraph(layers, [(NetPort("z"), "a"), (NetPort("x"), "b"), (NetPort("x"), "c"), (NetPort("y"), "d")], z=4)
    assert net.input_shapes == {"z": (4,), "x": (4,), "y": (4,)}


def test_a_longer_chain_is_sized_too():
    names = [NetSharedArray(f"s{i}") for i in range(5)]
    layers, edges = {}, []
    for i, name in enumerate(names):  # in{i+1} is sized by s{i} through u{i}, and feeds s{i+1}'s first user
        layers[f"u{i}"] = LinearLayer(2, weights=name)
        edges.append((NetPort(f"in{i + 1}"), f"u{i}"))
        if i + 1 < len(names):
            layers[f"k{i + 1}"] = LinearLayer(2, weights=names[i + 1])
            edges.append((NetPort(f"in{i + 1}"), f"k{i + 1}"))
    layers["k"] = LinearLayer(2, weights=names[0])  # the one known user, last: each link needs a pass
    edges.append((NetPort("in0"), "k"))
    net = NetGraph(dict(reversed(layers.items())), edges, in0=3)
    assert set(net.input_shapes.values()) == {(3,)}


class _Counted(list):
    walks = 0

    def __iter__(self):
        type(self).walks += 1
        return super().__iter__()


def test_many_shared_names_walk_the_layers_a_few_times_not_once_per_name(monkeypatch):
    real = inference_defaults.default_shapes

    def counted(problem, *args):
        if not isinstance(problem.leaf_layers, _Counted):
            problem.leaf_layers = _Counted(problem.leaf_layers)
        return real(problem, *args)
    monkeypatch.setattr(inference, "default_shapes", counted)
    count = 60
    layers, edges = {}, []
    for i in range(count):
        w = NetSharedArray(f"w{i}")
        layers[f"a{i}"], layers[f"b{i}"] = LinearLayer(2, weights=w), LinearLayer(2, weights=w)
        edges += [(NetPort(f"x{i}"), f"a{i}"), (NetPort(f"y{i}"), f"b{i}")]
    _Counted.walks = 0
    net = NetGraph(layers, edges, **{f"x{i}": 3 for i in range(count)})
    assert all(net.input_shapes[f"y{i}"] == (3,) for i in range(count))
    assert 0 < _Counted.walks <= 6  # was one walk per shared name (60 and more)
