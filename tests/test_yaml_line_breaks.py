"""Every line break YAML knows ('\\n', '\\r\\n', a lone '\\r', '\\x85', '\\u2028', '\\u2029') counts as one line in
every position netgraph works out from a spec's text by hand (the block and flow look aheads, a refused character
or byte, the syntax hints): each is the position PyYAML's own mark gives for the same place."""

from __future__ import annotations

import random

import pytest
import yaml

import netgraph
from netgraph.spec import line_breaks, yaml_nodes
from netgraph.spec.line_breaks import line_col, line_start, uniform_breaks, yaml_lines
from netgraph.spec.problems import looks_like_spec
from netgraph.spec.text import EncodingRefused, decode_spec
from tests.spec_refusals import refusal

BREAKS = ["\n", "\r\n", "\r", "\x85", "\u2028", "\u2029"]
IDS = ["LF", "CRLF", "CR", "NEL", "LS", "PS"]


def mark_at(text: str, at: int) -> tuple[int, int]:
    """PyYAML's mark (1-based line, column) for offset ``at`` of ``text``."""
    reader = yaml.reader.Reader(text)
    reader.forward(at)
    mark = reader.get_mark()
    return mark.line + 1, mark.column + 1


def refused_at(text: str) -> tuple[int, int]:
    """The (line, column) of ``NetGraph.from_yaml(text)``'s refusal."""
    found = refusal(text).split(":")
    return int(found[1]), int(found[2])


def counted_values(text: str, monkeypatch) -> int:
    """How many times the composer counted before refusing ``text``."""
    counted, count = [], yaml_nodes._Composer.count
    with monkeypatch.context() as patch:
        patch.setattr(yaml_nodes._Composer, "count", lambda self, *a, **k: counted.append(1) or count(self, *a, **k))
        refusal(text)
    return len(counted)


@pytest.mark.parametrize("br", BREAKS, ids=IDS)
def test_the_shared_position_is_pyyamls_mark(br):
    r = random.Random(7)
    pieces = ["a", " ", "-", ":", "\t", "\r", "\n", "\x85", br, br]
    text = "".join(r.choice(pieces) for _ in range(400))
    for at in range(len(text) + 1):
        assert line_col(text, at) == mark_at(text, at), (text[:at][-10:], at)
    uniform = uniform_breaks(text)
    assert len(uniform) == len(text) and set(uniform) - set(text) <= {"\n"} and yaml_lines(uniform) == yaml_lines(text)
    assert all(line_col(uniform, at) == line_col(text, at) for at in range(len(text) + 1))
    lines = yaml_lines(text)
    for at, ch in enumerate(text):
        if ch not in line_breaks.BREAKS:
            line, col = mark_at(text, at)
            assert lines[line - 1][col - 1] == ch


def test_lines_are_not_broken_where_yaml_does_not_break_them():
    assert yaml_lines("a\x0bb\x0cc\x1cd\r\ne\x85") == ["a\x0bb\x0cc\x1cd", "e"]
    assert yaml_lines("a\n\n") == ["a", ""] and yaml_lines("") == []


@pytest.mark.usefixtures("yaml_loader")
@pytest.mark.parametrize("br", BREAKS, ids=IDS)
@pytest.mark.parametrize("form", ["netgraph: 1{br}x: 2\nname:\n", "netgraph: 1\nx: 2 # c{br}name:\n",
                                  "netgraph: 1\nname:{br}", "netgraph: 1{br}name:{br}" + "  - 1{br}" * 3000],
                         ids=["before", "after a comment", "at the key", "every line"])
def test_the_block_look_ahead_refuses_where_composing_does(br, form, monkeypatch):
    text = form.format(br=br) + "  - 1\n" * 3000
    with netgraph.limits(yaml_nodes=1000):
        assert counted_values(text, monkeypatch) < 10  # the look ahead refused it
        early = refused_at(text)
        monkeypatch.setattr(yaml_nodes._Composer, "block_ahead", lambda self, *args: None)
        assert early == refused_at(text)


@pytest.mark.usefixtures("yaml_loader")
@pytest.mark.parametrize("br", BREAKS, ids=IDS)
@pytest.mark.parametrize("form", ["netgraph: 1{br}name: [" + "1, " * 1200 + "1]\n",
                                  "netgraph: 1{br}name: [" + "1,\r\n  " * 1200 + "1]\n",
                                  "netgraph: 1\nname: [" + "1,{br}  " * 1200 + "1]\n"],
                         ids=["before", "before, CRLF in the list", "in the list"])
def test_the_flow_look_ahead_refuses_where_composing_does(br, form, monkeypatch):
    """Lists of 1200 values, past the limit of 1000 (composing them without the look ahead is the reference)."""
    text = form.format(br=br)
    with netgraph.limits(yaml_nodes=1000):
        early = refused_at(text)
        monkeypatch.setattr(yaml_nodes._Composer, "flow_ahead", lambda self, event: None)
        assert early == refused_at(text)


@pytest.mark.parametrize("br", BREAKS, ids=IDS)
def test_the_flow_look_ahead_refuses_before_composing(br, monkeypatch):
    for text in [f"netgraph: 1{br}x: 2\nname: [" + "1, " * 3000 + "1]\n",
                 f"netgraph: 1{br}name: [" + f"1,{br}" * 3000 + "1]"]:
        with netgraph.limits(yaml_nodes=1000):
            assert counted_values(text, monkeypatch) < 10


@pytest.mark.usefixtures("yaml_loader")
@pytest.mark.parametrize("br", BREAKS, ids=IDS)
def test_a_control_character_is_refused_at_its_mark(br):
    text = f"netgraph: 1{br}a: [1,{br}  2]  x\x01\n"
    assert refused_at(text) == mark_at(text.replace("\x01", "?"), text.index("\x01"))  # PyYAML reads no further


@pytest.mark.parametrize("br", BREAKS, ids=IDS)
def test_a_byte_that_is_not_utf8_is_refused_at_its_mark(br):
    text = f"netgraph: 1{br}a: [1,{br}  2]  x?\n"
    with pytest.raises(EncodingRefused) as info:
        decode_spec(text.encode("utf-8").replace(b"?", b"\x80"), "n.yaml")
    assert (info.value.line, info.value.col) == mark_at(text, text.index("?"))


HINTED = [  # (text, the character the hint points at)
    ("netgraph: 1{br}a:{br}  b: 1{br}  \tc: 2{br}", "\t"),  # a tab in the indentation
    ("netgraph: 1{br}a: 1{br} b: 2{br}", " b"),  # a column no line above uses
    ("netgraph: 1{br}f: {{function: #x + 1}}{br}c: 2{br}", "#"),  # a comment hides the closing '}'
    ("netgraph: 1{br}x: [1, 2{br}c: 2{br}", "["),  # a '[' left open
    ("netgraph: 1{br}edges:{br}  - [a, b] -> c{br}", "["),  # an unquoted edge group
    ("netgraph: 1{br}act Ramp{br}b: 2{br}", "a"),  # a key without its ':'
]


@pytest.mark.usefixtures("yaml_loader")
@pytest.mark.parametrize("br", BREAKS, ids=IDS)
@pytest.mark.parametrize("form, at", HINTED, ids=range(len(HINTED)))
def test_a_hint_is_at_the_mark_of_what_it_names(br, form, at):
    text = form.format(br=br)
    place = text.index(at, text.index(br)) + (1 if at == " b" else 0)
    assert refused_at(text) == mark_at(text, place)


@pytest.mark.usefixtures("yaml_loader")
@pytest.mark.parametrize("br", BREAKS, ids=IDS)
def test_a_null_for_a_comment_is_hinted_at_its_mark(br):
    text = f"netgraph: 1{br}layers:{br}  f:{br}    type: FunctionLayer{br}    function: #x * 2{br}inputs: {{x: 2}}{br}"
    message = refusal(text)
    assert "is a comment" in message and refused_at(text) == mark_at(text, text.index(": #") + 1)


@pytest.mark.parametrize("br", ["\r", "\x85", "\u2028"])
def test_finding_line_starts_reads_each_line_about_once(br, monkeypatch):
    """A look ahead finds the start of each item's line: reading back to the last '\\n' read the whole text before
    each item of a file broken by '\\r' alone (quadratic: 200,000 items took 7 s with libyaml)."""
    items = 20000
    text = f"netgraph: 1{br}name:{br}" + f"  - !!str 1{br}" * items  # each item composed (a tag ends a look ahead)
    read, match = [], line_breaks._LAST_BREAK.match

    class Counted:
        def match(self, text, low, stop):
            read.append(stop - low)
            return match(text, low, stop)

    monkeypatch.setattr(line_breaks, "_LAST_BREAK", Counted())
    with netgraph.limits(yaml_nodes=items - 10):
        refusal(text)
    assert 0 < sum(read) < 200 * len(text)
    assert line_start(text, len(text) - 3) == len(text) - 12


@pytest.mark.usefixtures("yaml_loader")
@pytest.mark.parametrize("br", BREAKS, ids=IDS)
@pytest.mark.parametrize("form", ["f: |{br}  ab{br}  cd +* 2{br}", "f: >{br}  ab{br}{br}  cd +* 2{br}",
                                  'f: "ab{br}  cd +* 2"{br}', "f: ab{br}  cd +* 2{br}"],
                         ids=["literal", "folded", "double-quoted", "plain"])
def test_a_character_of_a_scalar_over_lines_is_at_its_mark(br, form):
    """YAML keeps a '\\u2028' or '\\u2029' break in a scalar's value (the others become '\\n'): the value's break is
    still the end of its source line."""
    text = "netgraph: 1\n" + form.format(br=br)
    data = yaml_nodes.read_yaml(text, "f.yaml")
    loc = data.value_locs["f"].at(data["f"].index("*"))
    assert (loc.line, loc.col) == mark_at(text, text.index("*"))


@pytest.mark.parametrize("br", BREAKS, ids=IDS)
def test_the_version_line_is_found_after_any_break(br):
    """A file a spec names ('file:') is read only when it has a 'netgraph: 1' line: one after any break."""
    forms = ["netgraph: 1{br}layers: [Tanh]{br}", "# a comment{br}netgraph: 1{br}", "{{netgraph: 1}}{br}",
             "# netgraph: 1{br}password: x{br}", "a: netgraph: 1{br}"]
    assert [looks_like_spec(form.format(br=br)) for form in forms] == [True, True, True, False, False]


@pytest.mark.parametrize("br", BREAKS, ids=IDS)
def test_text_of_several_lines_is_read_as_yaml_not_as_a_path(br):
    net = netgraph.NetGraph.from_yaml(f"netgraph:{br}  1{br}layers:{br}  - Tanh{br}")  # no ': ' on any line
    assert len(net.layers) == 1
