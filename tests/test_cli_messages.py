"""The command line's messages as a user reads them: flags named as typed, lists in words, not Python's repr."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("argv, message", [
    # Found by QA: -f bmp was read past, the spec loaded, and render refused "unknown diagram format 'bmp';
    # formats are ['svg', 'png', 'pdf', 'dot', 'gv']": no flag named, a Python list
    (["-f", "bmp"], "netgraph render: unknown diagram format 'bmp' (-f/--format bmp); formats are svg, png, pdf, dot, gv\n"),
    (["-o", "x.svg", "-f", "pnj"], "netgraph render: unknown diagram format 'pnj' (did you mean 'png'?) "
                                   "(-f/--format pnj); formats are svg, png, pdf, dot, gv\n"),
    (["-o", "x.jpg"], "netgraph render: unknown diagram format 'jpg' (did you mean 'png'?) (the suffix of -o x.jpg); "
                      "formats are svg, png, pdf, dot, gv\n"),
])
def test_an_unknown_diagram_format_is_named_by_its_flag_and_listed_in_words(cli, argv, message):
    cli.spec()
    ran = cli("render", "s.yaml", *argv)
    assert (ran.code, ran.err) == (1, message)
    assert list(cli.folder.iterdir()) == [cli.folder / "s.yaml"]


def test_an_unknown_format_is_refused_before_the_spec_is_read(cli):
    ran = cli("render", "missing.yaml", "-f", "bmp")
    assert ran.code == 1 and "unknown diagram format 'bmp' (-f/--format bmp)" in ran.err
