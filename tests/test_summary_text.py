"""The layer table of ``net.information()`` and ``netgraph summary``: any layer name keeps it one row per layer, in
columns, and sends no control characters (a terminal's escape sequences) to the screen."""

from __future__ import annotations

import unicodedata

from netgraph import LinearLayer, NetChain
from netgraph.cli import main


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _column_starts(line: str, marker: str) -> int:
    return _width(line[:line.index(marker)])


NAMES = {"a\nb": LinearLayer(3), "\x1b[2J\x1b[31mred": "Tanh", "宽字符": "Sin", "tab\tx": "Cos",
         "zero\u200bwidth": "Ramp"}


def test_the_table_escapes_control_characters_and_keeps_one_row_per_layer():
    """A name holding a newline split its row in two, and an escape sequence reached the terminal as it was."""
    text = str(NetChain(NAMES, input=4).information())
    assert "\x1b" not in text and "\t" not in text and "\u200b" not in text
    rows = [line for line in text.splitlines() if line[:1].isdigit()]
    assert [row.split("  ")[0] for row in rows] == ["1", "2", "3", "4", "5"]
    assert "a\\nb" in rows[0] and "\\x1b[2J\\x1b[31mred" in rows[1] and "tab\\tx" in rows[3]


def test_wide_characters_keep_the_columns_aligned():
    """A name of CJK characters (two columns each on a terminal) pushed the rest of its row to the right."""
    text = str(NetChain(NAMES, input=4).information())
    rows = [line for line in text.splitlines() if line[:1].isdigit() or "total" in line]
    assert len({_column_starts(row, "Input (") for row in rows}) == 1
    assert len({_width(row) for row in rows}) == 1  # the parameter counts end in one column


def test_netgraph_summary_prints_a_hostile_spec_safely(tmp_path, capsys):
    spec = tmp_path / "hostile.yaml"
    spec.write_text('netgraph: 1\ntype: NetChain\ninput: 4\nlayers:\n  "a\\nb": {type: LinearLayer, output: 3}\n'
                    '  "\\e[2J\\e[31mred": Tanh\n  "宽字符": Sin\n', encoding="utf-8")
    assert main(["summary", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "a\\nb" in out
    rows = [line for line in out.splitlines() if line[:1].isdigit() or "total" in line]
    assert len(rows) == 4 and len({_column_starts(row, "Input (") for row in rows}) == 1
