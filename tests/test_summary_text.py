"""The layer table of ``net.information()`` and ``netgraph summary``: any layer name keeps it one row per layer, in
columns, and sends no control characters (a terminal's escape sequences) to the screen."""

from __future__ import annotations

import unicodedata

from netgraph import CatenateLayer, ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetPort
from netgraph.cli import main
from netgraph.core.summary import one_line


def _width(text: str) -> int:
    """Terminal columns: a wide (CJK) character two, a combining mark none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


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


def _merge(n: int) -> NetGraph:
    """A CatenateLayer fed by ``n`` Tanh branches, each from its own graph input."""
    named = {**{f"b{i}": ElementwiseLayer("Tanh") for i in range(n)}, "cat": CatenateLayer()}
    edges = [*((NetPort(f"x{i}"), f"b{i}") for i in range(n)), ([f"b{i}" for i in range(n)], "cat")]
    return NetGraph(named, edges, **{f"x{i}": 4 for i in range(n)})


def test_a_cell_listing_many_ports_is_cut_and_counts_the_rest_keeping_the_columns():
    """A merge of 30 branches made every row 435 characters (its inputs padded every row); 2,100 made them 30,449."""
    rows = [line for line in str(_merge(30).information()).splitlines() if line[:1].isdigit() or "total" in line]
    assert max(map(len, rows)) < 130, max(map(len, rows))
    assert "Input1 (4), Input2 (4), Input3 (4), … 27 more" in rows[-2] and "x0 (4), " in rows[-1]
    assert "x3 (4), … 26 more" in rows[-1]  # the total row's 30 graph inputs (x4 too made it 49 characters)
    assert len({len(row) for row in rows}) == 1 and len({row.index("Output (") for row in rows}) == 1


def test_a_deep_path_is_elided_to_its_ends_as_errors_elide_it():
    """A layer 200 levels deep put its 1,745-character path in every row."""
    net = LinearLayer(3)
    for i in range(200):
        net = NetChain({f"level{i}": net})
    rows = [line for line in str(NetGraph([net], [], Input=2).information()).splitlines() if line[:1].isdigit()]
    assert rows[0].split("  ")[1] == "1/... 199 levels .../level0"
    shallow = NetChain({"enc": NetChain({"a": LinearLayer(2), "b": "Tanh"})}, input=3)
    assert "enc/b" in str(shallow.information())  # short paths stay whole


def test_a_long_two_name_path_keeps_the_layers_own_name_and_cells_stay_within_48_characters():
    """A two-name path was cut from the right, losing the layer's name; a long first port took a cell to 58."""
    net = NetChain({"a_very_long_encoder_name_of_thirty_chars": NetChain({"the_layer": LinearLayer(2)})}, input=3)
    row = next(line for line in str(net.information()).splitlines() if line[:1].isdigit())
    cell = row.split("  ")[1]
    assert cell.endswith("/the_layer") and cell.startswith("a_very_long_encoder") and len(cell) <= 48
    ports = {"x" * 60: 2, "y": 2}
    merged = NetGraph({"cat": CatenateLayer()}, [(tuple(NetPort(p) for p in ports), "cat")], **ports)
    total = next(line for line in str(merged.information()).splitlines() if "total" in line)
    inputs = total[total.index("x"):total.index("Output")].rstrip()
    assert inputs.endswith(", … 1 more") and len(inputs) == 48 and inputs.startswith("x" * 30)


def test_the_header_lists_at_most_120_columns_of_ports_and_counts_the_rest():
    """A net of 2,100 inputs listed every one of them in the header: one line of about 30,000 characters."""
    header = str(_merge(2100).information()).splitlines()[0]
    inputs = header[len("NetGraph: inputs "):header.index(" -> outputs")]
    assert inputs.startswith("x0 (4), x1 (4), ") and inputs.endswith(", x12 (4), … 2,087 more") and len(inputs) <= 120


def test_the_header_lists_a_few_ports_whole_and_cuts_a_long_name_never_its_type():
    """Found by review: the header took the table cell's 48 columns, so 4 outputs printed as 'reconstruction (4),
    mean (4), … 2 more', and a long CJK port name lost its type ('名称…' with no '(3)')."""
    heads = {n: LinearLayer(4) for n in ["reconstruction", "mean", "log_variance", "sample"]}
    net = NetGraph(heads, [(NetPort("Input"), list(heads)), *((n, NetPort(n)) for n in heads)], Input=8)
    assert "-> outputs reconstruction (4), mean (4), log_variance (4), sample (4);" in one_line(net)
    name = "输入端口名称很长" * 9  # 144 columns
    wide = NetGraph({"层": LinearLayer(2)}, [(NetPort(name), "层")], **{name: 3})
    inputs = one_line(wide)[len("inputs "):one_line(wide).index(" -> ")]
    assert inputs.startswith("输入端口") and inputs.endswith("… (3)") and _width(inputs) <= 120
    total = next(line for line in str(wide.information()).splitlines() if "total" in line)
    assert "… (3)  Output (2)" in total


def _cells(row: str, starts: list[int]) -> list[str]:
    """The cells of a table row that begin at the terminal columns ``starts``."""
    at, column, cuts = 0, 0, []
    for column_start in starts:
        while column < column_start:
            column, at = column + _width(row[at]), at + 1
        cuts.append(at)
    return [row[a:b].rstrip() for a, b in zip(cuts, [*cuts[1:], len(row)])]


def test_cells_are_cut_at_48_terminal_columns_not_48_characters():
    """A name of 40 CJK characters (80 columns) was kept whole, as 40 characters, and a name of 30 accented letters
    written with combining marks (60 characters, 30 columns) was cut though it fits; wide port names passed 48
    columns in the total row's list."""
    ports = {f"输入端口{i}": 2 for i in range(8)}
    inner = NetGraph({"cat": CatenateLayer()}, [(tuple(NetPort(p) for p in ports), "cat")], **ports)
    net = NetGraph({"宽" * 40: inner, "e\u0301" * 30: "Tanh"}, [(NetPort("宽" * 40, "Output"), "e\u0301" * 30)])
    lines = str(net.information()).splitlines()
    heading = next(line for line in lines if line.startswith("#"))
    starts = [_width(heading[:heading.index(name)]) for name in ("layer", "type", "inputs", "outputs")]
    rows = [_cells(line, [0, *starts]) for line in lines if line[:1].isdigit() or "total" in line]
    assert rows[0][1] == "宽" * 21 + "…/cat" and rows[1][1] == "e\u0301" * 30
    assert max(_width(cell) for row in rows for cell in row) <= 48
    assert rows[2][3].startswith("输入端口0 (2), 输入端口1 (2), ") and rows[2][3].endswith(" more")
    assert len({_width(line) for line in lines if line[:1].isdigit() or "total" in line}) == 1
