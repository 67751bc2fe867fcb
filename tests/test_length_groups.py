"""Input dims declared with derived names of one length that no input declares ("n_over_2" and "n_over_4", no "n")
take lengths that one n gives; and every step of a derived name (core's LENGTH_STEPS) is computed alike by ``net(x)``
and by the compiled forward's generated checks.

Such a group was not related at all: x of length 3 (n_over_2) beside y of length 1 (n_over_4) passed unchecked, and
a layer joining y with x strided by 2 (length 2) broadcast y's one element silently. Now every path (``net(x)``, the
compiled module with and without checks, ragged lists, padded batches) refuses lengths that fit no one n with a
DataError of kind "data-shape" naming the port, its name, the lengths the other port's length allows and why.
"""

from __future__ import annotations

import itertools

import pytest
import torch

from netgraph import (DataError, LinearLayer, NetGraph, NetMapOperator, NetPort, NormalDistribution, PartLayer,
                      RandomArrayLayer, net_initialize)
from netgraph.backend import ragged
from netgraph.core.length_names import LENGTH_STEPS, lengths_along, shortest_length

# each step by hand, as the names say (a ceiling division for "over", as a stride's output length)
BY_HAND = {"plus": lambda n, k: n + k, "minus": lambda n, k: n - k, "over": lambda n, k: -(-n // k),
           "times": lambda n, k: n * k}


def _draws(**shapes: str) -> NetGraph:
    """A Normal draw of each input port (declared ``(shapes[port],)``): it runs at any lengths its checks pass."""
    return NetGraph({f"d{p}": RandomArrayLayer(NormalDistribution("#mu", 1.0)) for p in shapes},
                    [(NetPort(p), NetPort(f"d{p}", "mu")) for p in shapes], **{p: (s,) for p, s in shapes.items()})


def _refused(call, **inputs) -> bool:
    try:
        call(**inputs)
    except DataError as error:
        assert error.diagnostics[0].kind == "data-shape"
        return True
    return False


def test_every_step_is_defined_by_hand_here():
    """A new step in the table must come with its own check below (its value by hand)."""
    assert set(LENGTH_STEPS) == set(BY_HAND)


@pytest.mark.parametrize("word", sorted(BY_HAND))
def test_each_steps_value_and_least_length_are_the_names_arithmetic(word):
    step = LENGTH_STEPS[word]
    for k, n in itertools.product((1, 2, 3, 5), range(-3, 30)):
        assert step.value(n, k) == BY_HAND[word](n, k), (k, n)
    for k, m in itertools.product((1, 2, 3, 5), range(1, 20)):
        least = next(n for n in range(-10, 200) if BY_HAND[word](n, k) >= m)
        assert step.least(m, k) == least, (k, m)


@pytest.mark.parametrize("word", sorted(BY_HAND))
@pytest.mark.parametrize("how", ["net", "compiled", "unchecked"])
def test_each_step_beside_its_base_is_checked_alike_compiled_and_not(word, how):
    """y declared "n_<word>_<k>" beside x "n": y's length must be the step's of x's, on every path."""
    for k in (2, 3):
        net = _draws(x="n", y=f"n{LENGTH_STEPS[word].text(k)}")
        call = net if how == "net" else net.compile(checks=how == "compiled")
        for n, m in itertools.product(range(1, 8), range(1, 16)):
            fits = BY_HAND[word](n, k) == m
            if fits or BY_HAND[word](n, k) >= 1:  # else x is too short for y's name: a refusal of its own
                assert _refused(call, x=torch.zeros(2, n), y=torch.zeros(2, m)) is not fits, (k, n, m)


NAMES = ["n_plus_2", "n_minus_1", "n_over_2", "n_over_3", "n_times_2", "n_times_3", "n_minus_1_over_2",
         "n_over_2_plus_1"]


def _one_n(names: tuple[str, ...], lengths: tuple[int, ...]) -> bool:
    """Whether some n of 1 to 99 gives each name's length, every step on the way at least 1 (by hand)."""
    def along(n: int, name: str) -> list[int]:
        words = name.split("_")[1:]
        out = []
        for word, k in zip(words[::2], words[1::2]):
            out.append(n := BY_HAND[word](n, int(k)))
        return out
    return any(all(min(along(n, name)) >= 1 and along(n, name)[-1] == m for name, m in zip(names, lengths))
               for n in range(1, 100))


@pytest.mark.parametrize("names", list(itertools.combinations(NAMES, 2)))
def test_two_names_of_an_undeclared_length_fit_one_n_on_every_path(names):
    """Every step and some two-step names, paired: a call passes exactly when one n gives both lengths, alike from
    net(x), the compiled module and the one without checks."""
    net = _draws(x=names[0], y=names[1])
    calls = [net, net.compile(), net.compile(checks=False)]
    for lengths in itertools.product(range(1, 9), range(1, 9)):
        fits = _one_n(names, lengths)
        x, y = (torch.zeros(2, m) for m in lengths)
        assert [_refused(call, x=x, y=y) for call in calls] == [not fits] * 3, lengths


def _strided_noise() -> NetGraph:
    """Output (n_over_4): Normal draws, mu every second element of Input (n_over_2), sigma declared n_over_4."""
    return NetGraph({"odd": PartLayer("1;;-1;;2"), "rnd": RandomArrayLayer(NormalDistribution("#mu", "#sigma"))},
                    [("odd", NetPort("rnd", "mu"))], Input=("n_over_2",), sigma=("n_over_4",))


MESSAGE = (r"input port 'sigma': its length along n_over_4 must be 2 \(n_over_2 = 3 of input port 'Input' takes "
           r"n = 5 to 6\), found 1")


@pytest.mark.parametrize("how", ["net", "compiled", "unchecked"])
def test_lengths_that_fit_no_one_n_are_refused_naming_ports_names_lengths_and_why(how):
    """3 along n_over_2 takes n of 5 or 6, where n_over_4 is 2: a sigma of 1 was broadcast over both elements."""
    net = _strided_noise()
    call = net if how == "net" else net.compile(checks=how == "compiled")
    assert call(Input=torch.zeros(4, 3), sigma=torch.ones(4, 2)).shape == (4, 2)
    with pytest.raises(DataError, match=MESSAGE) as info:
        call(Input=torch.zeros(4, 3), sigma=torch.ones(4, 1))
    d = info.value.diagnostics[0]
    assert (d.kind, d.layer, d.port, d.expected, d.found, d.example) == ("data-shape", (), "sigma", 2, 1, None)


def test_each_example_of_a_ragged_batch_is_related():
    net = _strided_noise()
    inputs = [torch.zeros(1), torch.zeros(3)]  # n_over_4: 1, then 2
    assert [tuple(o.shape) for o in net(Input=inputs, sigma=[torch.ones(1), torch.ones(2)])] == [(1,), (2,)]
    with pytest.raises(DataError, match=MESSAGE + r" \(example 1\)") as info:
        net(Input=inputs, sigma=[torch.ones(1), torch.ones(1)])
    assert info.value.diagnostics[0].example == 1


def test_a_padded_run_relates_them_too(monkeypatch):
    """Mapped linear layers honour lengths, so a ragged batch runs padded (one run, no length groups)."""
    net = net_initialize(NetGraph({"a": NetMapOperator(LinearLayer(3)), "b": NetMapOperator(LinearLayer(3))},
                                  [(NetPort("x"), "a"), (NetPort("y"), "b")], x=("n_over_2", 2),
                                  y=("n_over_4", 2)), seed=0)
    monkeypatch.setattr(ragged, "dense_groups", None)  # the grouped path, not taken: calling it fails
    x = [torch.zeros(2, 2), torch.zeros(3, 2)]
    assert [tuple(o.shape) for o in net(x=x, y=[torch.zeros(1, 2), torch.zeros(2, 2)])["Output2"]] == [(1, 3), (2, 3)]
    with pytest.raises(DataError, match=r"input port 'y': its length along n_over_4 must be 2 \(n_over_2 = 3 of input "
                                        r"port 'x' takes n = 5 to 6\), found 1 \(example 1\)"):
        net(x=x, y=[torch.zeros(1, 2), torch.zeros(1, 2)])


def test_a_length_no_n_gives_is_named_as_such():
    """6 along n_times_3 takes n = 2; 3 along n_times_2 is no n's (odd): that port is the one named."""
    with pytest.raises(DataError, match="input port 'x': its length along n_times_2 is 3, which no length n gives"):
        _draws(x="n_times_2", y="n_times_3")(x=torch.zeros(2, 3), y=torch.zeros(2, 6))


def test_every_member_of_a_group_of_three_is_related():
    net = _draws(x="n_over_2", y="n_over_3", z="n_minus_1")
    call = net.compile(checks=False)
    assert not _refused(call, x=torch.zeros(2, 3), y=torch.zeros(2, 2), z=torch.zeros(2, 5))  # n = 6
    with pytest.raises(DataError, match=r"input port 'z': its length along n_minus_1 must be 4 or 5"):
        call(x=torch.zeros(2, 3), y=torch.zeros(2, 2), z=torch.zeros(2, 6))


def test_the_least_length_is_the_first_whose_every_step_reaches_it():
    """shortest_length, which both the refusal and the compiled check read, by search over every two-step name."""
    for steps in itertools.product(itertools.product(sorted(BY_HAND), (1, 2, 3)), repeat=2):
        for least in (1, 2, 5):
            first = next(n for n in range(1, 300) if min(lengths_along(n, steps)) >= 1
                         and lengths_along(n, steps)[-1] >= least)
            assert shortest_length(steps, least) == first, (steps, least)


@pytest.mark.parametrize("shapes, lengths, message, expected", [
    ({"x": "n_over_8", "y": "n_plus_1"}, (1, 20), r"along n_plus_1 must be 2 to 9 \(n_over_8 = 1 of input port 'x' "
                                                  r"takes n = 1 to 8\), found 20", "2 to 9"),
    ({"x": "n_over_3", "y": "n_times_2"}, (1, 8), r"along n_times_2 must be 2 or 4 or 6 \(", (2, 4, 6)),
    ({"x": "n_over_2", "y": "n_minus_5"}, (1, 1), r"along n_minus_5 would be below 1 \(n_over_2 = 1 of input port "
                                                  r"'x' takes n = 1 to 2\), found 1", None),
])
def test_the_lengths_one_ports_length_allows_the_other_are_named(shapes, lengths, message, expected):
    with pytest.raises(DataError, match=f"input port 'y': its length {message}") as info:
        _draws(**shapes)(x=torch.zeros(2, lengths[0]), y=torch.zeros(2, lengths[1]))
    assert (info.value.diagnostics[0].expected, info.value.diagnostics[0].found) == (expected, lengths[1])
