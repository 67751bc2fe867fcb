"""Input dims declared with names derived from one another ("n" beside "n_over_2") are checked against each other.

A random layer's parameters fed a stride's "n_over_2" of an input of length n and another input declared
"n_over_2" met torch's error (5 beside 3) or broadcast a length of 1 silently (one noise value for every element).
Now ``net(x)``, the compiled module and a ragged batch refuse such lengths with a DataError of kind "data-shape" naming
the port, the length its name gives (expected) and the one found.
"""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, LinearLayer, NetGraph, NetMapOperator, NetPort, NormalDistribution, PartLayer,
                      RandomArrayLayer, net_initialize)
from netgraph.backend import ragged


def _strided_noise():
    """Output (n_over_2): Normal draws, mu = every second element of Input (n), sigma fed as declared (n_over_2)."""
    return NetGraph({"odd": PartLayer("1;;-1;;2"), "rnd": RandomArrayLayer(NormalDistribution("#mu", "#sigma"))},
                    [("odd", NetPort("rnd", "mu"))], Input=("n",), sigma=("n_over_2",))


def _refusal(call) -> tuple:
    with pytest.raises(DataError) as info:
        call()
    d = info.value.diagnostics[0]
    return d.kind, d.layer, d.port, d.expected, d.found


@pytest.mark.parametrize("sigma_length", [1, 2, 5])
@pytest.mark.parametrize("how", ["net", "compiled"])
def test_a_length_other_than_its_derived_name_says_is_refused(how, sigma_length):
    net = _strided_noise()
    call = net if how == "net" else net.compile(checks=False)
    refusal = _refusal(lambda: call(Input=torch.zeros(4, 6), sigma=torch.ones(4, sigma_length)))
    assert refusal == ("data-shape", (), "sigma", 3, sigma_length)  # ceil(6 / 2) = 3


@pytest.mark.parametrize("n, half", [(6, 3), (5, 3), (1, 1)])
def test_the_lengths_a_derived_name_gives_run(n, half):
    net = _strided_noise()
    assert net(Input=torch.zeros(4, n), sigma=torch.ones(4, half)).shape == (4, half)
    assert net.compile()(Input=torch.zeros(4, n), sigma=torch.ones(4, half)).shape == (4, half)


def test_each_example_of_a_ragged_batch_is_checked():
    net = _strided_noise()
    inputs = [torch.zeros(6), torch.zeros(4)]  # n_over_2: 3, then 2
    assert [tuple(o.shape) for o in net(Input=inputs, sigma=[torch.ones(3), torch.ones(2)])] == [(3,), (2,)]
    with pytest.raises(DataError, match=r"must be 2 \(from n = 4 of input port 'Input'\), found 3 \(example 1\)"):
        net(Input=inputs, sigma=[torch.ones(3), torch.ones(3)])


def _two_draws(y_length: str) -> NetGraph:
    """Two Normal draws, of x (declared "n") and of y (declared ``y_length``)."""
    return NetGraph({"a": RandomArrayLayer(NormalDistribution("#mu", 1.0)),
                     "b": RandomArrayLayer(NormalDistribution("#mu", 1.0))},
                    [(NetPort("x"), NetPort("a", "mu")), (NetPort("y"), NetPort("b", "mu"))], x=("n",), y=(y_length,))


def test_a_multiple_is_checked_too():
    """y declared "n_times_2" beside x declared "n": twice x's length, not any even one."""
    net = _two_draws("n_times_2")
    out = net(x=torch.zeros(2, 3), y=torch.zeros(2, 6))
    assert {k: tuple(v.shape) for k, v in out.items()} == {"Output1": (2, 3), "Output2": (2, 6)}
    assert _refusal(lambda: net(x=torch.zeros(2, 3), y=torch.zeros(2, 4))) == ("data-shape", (), "y", 6, 4)


@pytest.mark.parametrize("how", ["net", "compiled"])
def test_a_base_too_short_for_the_derived_name_is_named(how):
    """y "n_minus_2" beside x of length 2 would be 0 long: x is named, with the shortest length that fits (3)."""
    net = _two_draws("n_minus_2")
    call = net if how == "net" else net.compile()
    assert {k: tuple(v.shape) for k, v in call(x=torch.zeros(2, 5), y=torch.zeros(2, 3)).items()} == {
        "Output1": (2, 5), "Output2": (2, 3)}
    with pytest.raises(DataError, match="a length of 2 along n makes n_minus_2 of input port 'y' 0"):
        call(x=torch.zeros(2, 2), y=torch.zeros(2, 1))
    assert _refusal(lambda: call(x=torch.zeros(2, 2), y=torch.zeros(2, 1))) == ("data-shape", (), "x", "at least 3", 2)


def _draws(**shapes: str) -> NetGraph:
    """A Normal draw of each input port (declared ``(shapes[port],)``)."""
    return NetGraph({f"d{p}": RandomArrayLayer(NormalDistribution("#mu", 1.0)) for p in shapes},
                    [(NetPort(p), NetPort(f"d{p}", "mu")) for p in shapes], **{p: (s,) for p, s in shapes.items()})


@pytest.mark.parametrize("shapes, lengths, message", [
    ({"x": "n", "y": "n_times_2", "z": "n"}, {"x": 3, "y": 6, "z": 4},
     r"input ports 'x' and 'z' share the length n \(declared \(n\) and \(n\)\), found 3 and 4"),
    ({"x": "n", "y": "n_times_2", "w": "n_plus_1"}, {"x": 3, "y": 5, "w": 4},
     r"input port 'y': its length along n_times_2 must be 6 \(from n = 3 of input port 'x'\), found 5"),
    ({"x": "n", "y": "n_times_2", "w": "n_plus_1"}, {"x": 3, "y": 6, "w": 5},
     r"input port 'w': its length along n_plus_1 must be 4 \(from n = 3 of input port 'x'\), found 5"),
])
@pytest.mark.parametrize("how", ["net", "compiled", "unchecked"])
def test_the_compiled_check_reads_every_port_it_names(how, shapes, lengths, message):
    """A shared group beside a derived name, and two derived names: the compiled forward's check got only the failing
    group's ports and met a KeyError for the others; now the DataError net(...) gives."""
    net = _draws(**shapes)
    call = net if how == "net" else net.compile(checks=how == "compiled")
    with pytest.raises(DataError, match=message) as info:
        call(**{p: torch.zeros(2, n) for p, n in lengths.items()})
    assert info.value.diagnostics[0].kind == "data-shape"


def test_a_multiple_beside_its_base_is_checked_once_in_the_compiled_forward():
    """y "n_times_2" beside x "n": y == 2 x (x at least 1) makes y even, so no separate test of y % 2."""
    code = _draws(x="n", y="n_times_2").compile().code
    assert "y.shape[1] != (x.shape[1]) * 2" in code and "% 2" not in code
    assert "% 2" in _draws(y="n_times_2").compile().code  # alone, its evenness is its only check


def test_a_padded_run_checks_derived_lengths(monkeypatch):
    """Mapped linear layers honour lengths, so a ragged batch runs padded (one run, no length groups): there too y
    "n_times_2" must be twice x's length in each example."""
    net = net_initialize(NetGraph({"a": NetMapOperator(LinearLayer(3)), "b": NetMapOperator(LinearLayer(3))},
                                  [(NetPort("x"), "a"), (NetPort("y"), "b")], x=("n", 2), y=("n_times_2", 2)), seed=0)
    monkeypatch.setattr(ragged, "dense_groups", None)  # the grouped path, not taken: calling it fails
    x, y = [torch.zeros(2, 2), torch.zeros(3, 2)], [torch.zeros(4, 2), torch.zeros(6, 2)]
    assert [tuple(o.shape) for o in net(x=x, y=y)["Output2"]] == [(4, 3), (6, 3)]
    with pytest.raises(DataError, match=r"input port 'y': its length along n_times_2 must be 6 \(from n = 3 of input "
                                        r"port 'x'\), found 7 \(example 1\)"):
        net(x=x, y=[torch.zeros(4, 2), torch.zeros(7, 2)])
