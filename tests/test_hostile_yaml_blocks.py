"""A block list or mapping that would pass the yaml_nodes limit is refused at its first item, by looking ahead in
the text, with the message and the position composing it would give: 2 million '- 1' lines took 20 s to refuse
with libyaml (1 million 'k: v' lines 40 s), minutes with the pure parser; a million '- [1]' items 20 s (65 s)."""

from __future__ import annotations

import random

import pytest

import netgraph
from netgraph.spec import block_structure, yaml_nodes
from tests.spec_refusals import refusal

pytestmark = pytest.mark.usefixtures("yaml_loader")  # every test here runs with each YAML loader


def keys(n: int, indent: str = "  ", value: str = "v") -> str:
    return "".join(f"{indent}k{i}: {value}\n" for i in range(n))


HOSTILE = [
    "netgraph: 1\nname:\n" + "  - 1\n" * 3000,
    "netgraph: 1\nname:\n" + "- word_1.5\n" * 3000,  # an indentless list
    "netgraph: 1\nname:\n" + "  -   1   \r\n" * 3000,  # spaces and CRLF
    "netgraph: 1\nname:\n" + keys(3000),  # the passing value is a key
    "netgraph: 1\nx: 2\nname:\n" + keys(3000, value="-3.5"),  # the passing value is a value
    "netgraph: 1\n" + keys(3000, indent=""),  # the whole document
    "netgraph: 1\nname:\n  - 1\n  # a comment stops the look ahead\n" + "  - 1\n" * 3000,
    "netgraph: 1\nname:\n" + "  - -1\n" * 300 + "  - 'quoted'\n" + "  - 1\n" * 3000,
    "netgraph: 1\nname:\n" + "  k: 1\n" * 3000,  # duplicate keys: refused for those
    "netgraph: 1\nname:\n" + keys(300) + "  k0: 1\n" + keys(3000),  # a duplicate key past the limit
    "netgraph: 1\na: &a [1, 2]\nb: [*a, *a]\nname:\n" + "  - 7\n" * 3000,  # blamed on aliases, as composing does
    "netgraph: 1\nlayers:\n" + keys(3000, value="Tanh"),  # refused as 'layers:' is
    "netgraph: 1\nname:\n  - - 1\n" + "    - 1\n" * 3000,  # a list whose first item shares its line
]
NESTED = [  # items that are not plain scalars: followed line by line
    "netgraph: 1\nname:\n" + "  - [1, b]\n" * 1000,  # the passing value inside a flow list, or the list
    "netgraph: 1\nname:\n" + "  - [1]\n" * 1000,
    "netgraph: 1\nname:\n" + "  - a: 1\n    b: 'x'\n" * 500,  # a mapping per item, counted when it closes
    "netgraph: 1\nname:\n" + "".join(f"  k{i}:\n    a: \"1\"  # c\n\n" for i in range(600)),  # nested mappings
    "netgraph: 1\nname:\n" + "".join(f"  k{i}:\n  - - 1\n    - []\n" for i in range(600)),  # indentless lists
    "netgraph: 1\nname:\n" + "  - [1]\n" * 300 + "  - 'it''s'\n" + "  - [1]\n" * 1000,  # a quote escape stops it
    "netgraph: 1\nname:\n" + "".join(f"  k{i}:\n    a: 1\n" for i in range(300)) + "  k1: 2\n" + keys(600),
    "netgraph: 1\nname:\n" + "  - a: 1\n     b: 1\n" + "  - [1]\n" * 1000,  # mis-indented: invalid YAML
    "netgraph: 1\nname:\n" + "".join(f"  k{i % 200}:\n    a: [1]\n" for i in range(1000)),  # a key repeated
    "netgraph: 1\nname:\n" + "".join(f"  {'layers' if i == 99 else i}:\n    a: 1\n" for i in range(1000)),
    "netgraph: 1\nname:\n" + "  - [1]\n  - a: 1\n" * 1000,  # two shapes in turn
    "netgraph: 1\nname:\n" + "  - 1  # a comment after a plain item (the look ahead looped on it)\n" * 1000,
    "netgraph: 1\nname:\n" + keys(1000, value="v  # c"),
]
HOSTILE += NESTED


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_the_early_refusal_is_the_one_composing_gives(text, monkeypatch):
    with netgraph.limits(yaml_nodes=1000):
        early = refusal(text)
        monkeypatch.setattr(yaml_nodes._Composer, "block_ahead", lambda self, *args: None)
        assert early == refusal(text)
    assert "more than 1000 values" in early or "duplicate keys" in early or "indentation" in early


@pytest.mark.parametrize("text", [HOSTILE[0], HOSTILE[3], HOSTILE[4], HOSTILE[5], *NESTED[:5]], ids=range(9))
def test_a_long_block_collection_is_refused_before_its_values_are_composed(text, monkeypatch):
    counted, count = [], yaml_nodes._Composer.count
    monkeypatch.setattr(yaml_nodes._Composer, "count", lambda self, *a, **k: counted.append(1) or count(self, *a, **k))
    with netgraph.limits(yaml_nodes=1000):
        assert "more than 1000 values" in refusal(text)
    assert len(counted) < 10  # 'netgraph', 1, 'x', 2, 'name', then the collection: refused at its first item


def test_block_collections_up_to_the_limit_are_read_as_before():
    for n in (995, 10):  # 'netgraph', 1, 'name', the list and the whole mapping count too: 1000 values in all
        with netgraph.limits(yaml_nodes=1000):
            assert yaml_nodes.read_yaml("netgraph: 1\nname:\n" + "  - 1\n" * n, "x")["name"] == [1] * n
    with netgraph.limits(yaml_nodes=1000):
        assert len(yaml_nodes.read_yaml("netgraph: 1\nname:\n" + keys(497), "x")["name"]) == 497


@pytest.mark.parametrize("room", range(1000, 1004))
@pytest.mark.parametrize("item", ["  - a: 1\n    b: [x, 'y']\n", "  - - 1\n    - []\n\n", "  k{}:\n    a: 1  # c\n"])
def test_repeated_items_are_refused_at_each_of_their_values(item, room, monkeypatch):
    """Items of one shape are counted in C, the one holding the passing value line by line: wherever it is in it."""
    text = "netgraph: 1\nname:\n" + "".join(item.format(i) for i in range(1000))
    with netgraph.limits(yaml_nodes=room):
        early = refusal(text)
        monkeypatch.setattr(yaml_nodes._Composer, "block_ahead", lambda self, *args: None)
        assert early == refusal(text)


@pytest.mark.parametrize("text, most", [
    ("netgraph: 1\nname:\n  - 'it''s'\n" + "  - [1]\n" * 3000, 10),  # a first item the look ahead stops at
    ("netgraph: 1\nname:\n  'k': 1\n" + "".join(f"  k{i}:\n    a: 1\n" for i in range(3000)), 10),
    ("netgraph: 1\nname:\n" + "  - [1]\n  - a b\n" * 3000, 2000),  # every other item: each look ahead stops
    ("netgraph: 1\nname:\n  k7: 1\n  'x': 1\n" + "".join(f"  k{i}:\n    a: 1\n" for i in range(3000)), 40),
], ids=range(4))  # k7 given before the item looked ahead from, then again: that look ahead stops there
def test_the_look_ahead_resumes_after_an_item_it_stopped_at(text, most, monkeypatch):
    """A look ahead stopped at an item is taken up again at the next item that begins a line: one odd first item
    made a million '- [1]' items take 20 s to refuse."""
    counted, count = [], yaml_nodes._Composer.count
    monkeypatch.setattr(yaml_nodes._Composer, "count", lambda self, *a, **k: counted.append(1) or count(self, *a, **k))
    with netgraph.limits(yaml_nodes=1000):
        early = refusal(text)
        assert len(counted) <= most
        monkeypatch.setattr(yaml_nodes._Composer, "block_ahead", lambda self, *args: None)
        assert early == refusal(text)


def test_repeated_items_are_not_read_line_by_line(monkeypatch):
    read, entries = [], block_structure._entries
    monkeypatch.setattr(block_structure, "_entries", lambda *args: read.append(1) or entries(*args))
    with netgraph.limits(yaml_nodes=10_000):
        assert "more than 10000 values" in refusal("netgraph: 1\nname:\n" + "  - a: [1]\n    b: x\n" * 3000)
    assert len(read) < 20  # 'netgraph: 1', 'name:', the first two items, then the one holding the passing value


SCALARS = ["1", "-2", "x", "'q'", '"d"', "[1, b]", "[]", "true", "010", "1.5e3", "[ a ,b ]", "1 # c"]
ODD = ["a b", "*a", "~", "{a: 1}", "'it''s'", "!!str x", "|\n    text"]  # forms the look ahead stops at


def random_block(r: random.Random, indent: int, depth: int, kind: str) -> str:
    """A block list or mapping of random items: scalars, nested collections, now and then a form not looked at,
    a comment, a blank line or a line at no open collection's column."""
    out, pad = [], " " * indent
    for _ in range(r.randrange(1, 8)):
        if r.random() < 0.03:
            out.append(pad + r.choice(["# c", "", " odd: 1"]) + "\n")
        head = f"{pad}k{r.randrange(30)}:" if kind == ":" else f"{pad}-"
        if depth and r.random() < 0.4:
            sub = r.choice("-:")
            if kind == "-":  # '- - 1', '- a: 1': the nested collection starts on the entry's line
                out.append(head + " " + random_block(r, indent + 2, depth - 1, sub)[indent + 2:])
            else:  # under its key: more indented, or a list at the key's column
                shift = r.choice([0, 2, 4]) if sub == "-" else r.choice([1, 2, 4])
                out.append(head + "\n" + random_block(r, indent + shift, depth - 1, sub))
        else:
            out.append(f"{head} {r.choice(ODD) if r.random() < 0.03 else r.choice(SCALARS)}\n")
    return "".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_random_block_collections_are_refused_as_composing_them_would(seed, monkeypatch):
    r = random.Random(seed)
    items = [random_block(r, 2, 3, "-") for _ in range(r.randrange(1, 4))]
    text = "netgraph: 1\nname:\n" + "".join(items) * r.randrange(1, 40)  # repeated items too
    for nodes in r.sample(range(5, 400), 5):
        with netgraph.limits(yaml_nodes=nodes, yaml_depth=r.choice([4, 5, 100])), monkeypatch.context() as patch:
            early = refusal(text)
            patch.setattr(yaml_nodes._Composer, "block_ahead", lambda self, *args: None)
            assert early == refusal(text)


@pytest.mark.parametrize("room", range(1199, 1206))
@pytest.mark.parametrize("item", ["  - - 1\n    - 2\n", "  - a: 1\n    b: x\n", "  k{}:\n    a: 1\n"])
def test_the_last_repeated_item_is_read_line_by_line_up_to_an_invalid_line(item, room, monkeypatch):
    """Composing stops at an invalid line inside the last item of a run of repeats before it closes that item's
    nested collection: the look ahead counts as it does, at every limit near the count."""
    text = "netgraph: 1\nname:\n" + "".join(item.format(i) for i in range(400)) + "    @x\n"
    with netgraph.limits(yaml_nodes=room):
        early = refusal(text)
        monkeypatch.setattr(yaml_nodes._Composer, "block_ahead", lambda self, *args: None)
        assert early == refusal(text)


@pytest.mark.parametrize("item, more", [("  - - 1\n    - 2\n", "    - {}\n"), ("  - a: 1\n    b: x\n", "    k{}: 1\n"),
                                        ("  - - a: 1\n      b: [x]\n", "    - {}\n")])
def test_a_last_repeated_item_that_goes_on_is_followed_to_its_passing_value(item, more):
    """The last item of a run of repeats is read line by line (its nested collections left open): lines after it
    that go on with it are its values too. Counted with the run, it was closed, and the look ahead stopped at the
    first such line, blind to a passing value in it."""
    text = "netgraph: 1\nname:\n" + item * 300 + "".join(more.format(i) for i in range(3000))
    first = text.index("  -") + 2
    for room in (950, 1000, 1001):
        at, _ = block_structure.passing_offset(text, first, "-", room, 99)
        with netgraph.limits(yaml_nodes=room + 3), pytest.MonkeyPatch.context() as patch:  # 'netgraph', 1, 'name'
            patch.setattr(yaml_nodes._Composer, "block_ahead", lambda self, *args: None)
            line, column = map(int, refusal(text).split(":")[1:3])  # where composing refuses: line and column
        assert at == sum(len(t) + 1 for t in text.split("\n")[:line - 1]) + column - 1


@pytest.mark.parametrize("text", [
    "netgraph: 1\nname:\n  - 1\n  - []\n  @x\n", "netgraph: 1\nname:\n  - 1\n  - 'q'\n\n  # c\n  @x\n",
    "netgraph: 1\nname:\n" + "  - - 1\n    - []\n" * 40 + "    @x\n", "netgraph: 1\nname:\n  k: 1\n  j: [1, b]\n  `x\n"])
def test_a_flow_or_quoted_value_before_an_unreadable_line_is_not_counted(text, monkeypatch):
    """YAML's scanner reads the token after a flow collection or quoted scalar that ends a line (it may be a key)
    before giving it to the composer: an invalid one stops composing first. The look ahead counted it, so at the
    limit that value passes it refused a spec that is invalid YAML as too large."""
    for room in range(3, 130):
        with netgraph.limits(yaml_nodes=room), monkeypatch.context() as patch:
            early = refusal(text)
            patch.setattr(yaml_nodes._Composer, "block_ahead", lambda self, *args: None)
            assert early == refusal(text), room
