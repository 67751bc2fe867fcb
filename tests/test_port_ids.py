"""PortIds: a problem's key numbers, leaf ports numbered from their leaf's first number (no key tuple each)."""

import pytest

from netgraph import ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetPort
from netgraph.core.inference import solve


def _nested_net() -> NetGraph:
    inner = NetChain([LinearLayer(3), "Tanh"], input=2)
    return NetGraph({"a": inner, "b": ElementwiseLayer("Ramp"), "c": LinearLayer(4)},
                    [(NetPort("Input"), "a", "b", "c")], Input=2)


def test_iteration_follows_the_numbers_and_lookup_agrees():
    problem = _nested_net()._problem()
    ids = problem.ids
    keys = list(ids)
    assert [ids[k] for k in keys] == list(range(len(ids)))
    assert len(keys) == len(set(keys)) == len(ids)
    assert ((), "Input") in ids and (("a", "1"), "Input") in ids and (("c",), "Output") in ids
    assert ids.other  # graph ports are held by key
    assert all(not (k[0] in problem.leaf_paths and k[1] in ("Input", "Output")) for k in ids.other)


def test_unknown_keys_raise_keyerror():
    ids = _nested_net()._problem().ids
    for key in [(("c",), "Nope"), (("zz",), "Input"), "c", (("c",),)]:
        assert key not in ids
        with pytest.raises(KeyError):
            ids[key]


def test_leaf_ports_hold_class_roots_once_solved_in_any_order():
    problem = _nested_net()._problem()
    solution = solve(problem)
    ids = solution.ids
    for path in [("c",), ("a", "1"), ("b",), ("a", "2"), ("c",)]:
        roots = ids.leaf_ports(path)
        assert roots == {p: solution.root_of[ids[(path, p)]] for p in roots}
    assert ids.leaf_ports(("nope",)) is None
    # an edge joins b's Output to c's Input: one class
    assert ids.leaf_ports(("b",))["Output"] == ids.leaf_ports(("c",))["Input"]


def test_leaves_asked_in_order_skipping_a_few_or_begun_again_need_no_table_of_paths():
    chain = NetChain([LinearLayer(3) if i % 2 == 0 else "Tanh" for i in range(12)], input=2)
    ids = solve(chain._problem()).ids
    paths = [(str(i),) for i in range(1, 13)]
    for path in [*paths[::2], *paths[:3], paths[6]]:  # every other leaf, then from the start again, then a skip
        assert ids.leaf_ports(path) is ids.ports[paths.index(path)]
    assert ids._leaf_of is None
    assert ids.leaf_ports(paths[5]) is ids.ports[5]  # neither a few on nor among the first: the table, made now
    assert ids._leaf_of is not None


def test_leaf_gives_the_path_the_problem_holds():
    problem = _nested_net()._problem()
    ids = solve(problem).ids
    path, ports = ids.leaf(("a", "2"))
    assert path == ("a", "2") and path is problem.leaf_paths[1] and ports is ids.leaf_ports(("a", "2"))
    assert ids.leaf(("nope",)) is None
