"""Writing with libyaml's C emitter for long number lists gives the same bytes as PyYAML's pure emitter alone (the
fallback without libyaml, which writes every item itself)."""

from __future__ import annotations

import glob
import math
import random

import pytest
from netgraph import ElementwiseLayer, LinearLayer, NetChain, NetGraph, net_initialize
from netgraph.spec import dump, flow_numbers
from netgraph.spec.api import from_yaml

HOSTILE = ["it's", 'say "hi"', "ünïcødé ✓", "a#b", "a: b", "-lead", "null", "yes", "010", "x" * 300, "a\nb",
           "tab\there", "[x]", "{y}", "&anchor", "*alias", "!tag", "%pct", "@at", "`tick`", "a\x85b", " pad "]


def _both(data: dict, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, int]:
    """(text with libyaml for long lists, text by the pure emitter alone, lists written by libyaml)."""
    calls = []
    real = dump.flow_text
    monkeypatch.setattr(dump, "flow_text", lambda *a, **k: calls.append(1) or real(*a, **k))
    fast = dump.dump_data(data)
    with monkeypatch.context() as m:
        m.setattr(flow_numbers, "C_EMITTER", None)
        pure = dump.dump_data(data)
    return fast, pure, len(calls)


def _numbers(rng: random.Random, n: int) -> list:
    pick = [lambda: rng.gauss(0, 1), lambda: rng.randint(-10**20, 10**20), lambda: rng.random() < 0.5,
            lambda: 10.0 ** rng.randint(-300, 300), lambda: rng.choice([math.inf, -math.inf, math.nan, -0.0, 1e17])]
    return [rng.choice(pick)() for _ in range(n)]


@pytest.mark.parametrize("spec", sorted(glob.glob("specs/*.yaml")))
def test_example_specs_same_bytes(spec, monkeypatch):
    fast, pure, _ = _both(dump.spec_data(from_yaml(spec)), monkeypatch)
    assert fast == pure


def test_nets_with_arrays_and_hostile_names_same_bytes(monkeypatch):
    layers = NetGraph({name: LinearLayer(3) for name in HOSTILE}, [], Input=70)
    inner = NetGraph({"a": NetGraph({"b": NetChain([LinearLayer(50), ElementwiseLayer("Tanh")])}, [])}, [], Input=2)
    chain = NetChain([LinearLayer(20), ElementwiseLayer("Ramp")], input=60)
    for net in (layers, inner, chain):
        net = net_initialize(net, seed=0)
        fast, pure, used = _both(dump.spec_data(net, name=HOSTILE[2], description=HOSTILE[9]), monkeypatch)
        assert fast == pure
    assert used > 0  # the chain's 20x60 weights: its rows by libyaml


@pytest.mark.parametrize("seed", range(6))
def test_number_lists_everywhere_same_bytes(seed, monkeypatch):
    """Lists at every indent and column a spec can put them: under keys of any length (one past 128 characters:
    '? key'), as items of lists, inside flow style (written item by item), rows of a large nested list."""
    rng = random.Random(seed)
    data: dict = {"netgraph": 1}
    node = data
    for depth in range(rng.randint(1, 12)):
        key = rng.choice(HOSTILE) + "k" * rng.randint(0, 140)
        node[key] = {
            "flat": _numbers(rng, rng.randint(0, 400)),
            "rows": [_numbers(rng, rng.randint(0, 60)) for _ in range(rng.randint(1, 90))],
            "items": [_numbers(rng, rng.randint(5, 30)), {"w" * rng.randint(1, 9): _numbers(rng, 40)}, "s"],
            "short rows": [[1.5] * 30, [2] * 12],
            "mixed": [*_numbers(rng, 20), rng.choice(HOSTILE)],
            "flow": dump.Flow(type="X", v=_numbers(rng, rng.randint(8, 12))),
        }
        node = node[key]
    fast, pure, used = _both(data, monkeypatch)
    assert fast == pure
    assert used > 0


def test_flow_text_refuses_a_place_no_block_puts_a_list():
    with pytest.raises(ValueError, match="indent 3"):
        flow_numbers.flow_text(["1"], indent=3, column=2, width=100)


def test_a_flow_list_after_a_key_libyaml_would_not_write_plainly_is_written_by_the_pure_emitter():
    """A ':' past column 128 of its key (libyaml writes such a key as '? key') raised ValueError: the pure emitter
    writes the list there, and it writes what libyaml writes wherever libyaml can."""
    texts = [f"{i * 37 % 1001}.5" for i in range(60)]
    long = flow_numbers.flow_text(texts, indent=2, column=140, width=80)
    assert long.startswith(" [\n  0.5, 37.5, 74.5,") and long.endswith(", 181.5]")  # past the width: a break first
    for indent, column, width in ((2, 1, 20), (4, 9, 60), (8, 98, 100), (2, 40, 80)):
        assert flow_numbers.pure_flow_text(texts, indent, column, width) == flow_numbers.flow_text(texts, indent, column,
                                                                                                  width)
