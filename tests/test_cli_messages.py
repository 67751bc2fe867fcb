"""The command line's messages as a user reads them: flags named as typed, lists in words, not Python's repr."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("argv, message", [
    # Found by QA: -f bmp was read past, the spec loaded, and render refused "unknown diagram format 'bmp';
    # formats are ['svg', 'png', 'pdf', 'dot', 'gv']": no flag named, a Python list
    (["-f", "bmp"], "netgraph render: unknown diagram format 'bmp' (-f/--format 'bmp'); formats are svg, png, pdf, "
                    "dot, gv\n"),
    (["-o", "x.svg", "-f", "pnj"], "netgraph render: unknown diagram format 'pnj' (did you mean 'png'?) "
                                   "(-f/--format 'pnj'); formats are svg, png, pdf, dot, gv\n"),
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
    assert ran.code == 1 and "unknown diagram format 'bmp' (-f/--format 'bmp')" in ran.err


def test_a_checkpoint_cut_short_says_what_to_do_on_the_command_line(cli):
    # Found by QA: the advice was net_train's, "pass its path as resume=", which the command line's --resume (a
    # switch) cannot take: the user was left without a way on
    cli.spec(), cli.data()
    args = ("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--checkpoint", "c")
    assert cli(*args, "--rounds", "2").code == 0
    cut = cli.folder / "c" / "round-000002.pt"
    cut.write_bytes(cut.read_bytes()[:1000])
    ran = cli(*args, "--rounds", "3", "--resume")
    assert (ran.code, ran.err) == (1, "netgraph train: 'c/round-000002.pt' is not a readable netgraph checkpoint: its "
                                      "1000 bytes are not a torch zip archive (another kind of file, or one cut "
                                      "short); an earlier round's checkpoint may still be readable: move this file "
                                      "aside (rename it to round-000002.pt.damaged) and run again with --resume to "
                                      "continue from the newest readable one\n")
    cut.rename(cut.with_name("round-000002.pt.damaged"))
    ran = cli(*args, "--rounds", "3", "--resume")
    assert ran.code == 0, ran.err
    assert sorted(p.name for p in (cli.folder / "c").iterdir()) == ["round-000001.pt", "round-000002.pt",
                                                                     "round-000002.pt.damaged", "round-000003.pt"]


def test_an_unknown_method_is_named_by_its_flag_before_the_data_is_read(cli):
    # Found by QA: "netgraph train: unknown method 'Adamm' ...", net_train's words, after the data was read
    cli.spec()
    ran = cli("train", "s.yaml", "--data", "missing.npz", "--method", "Adamm")
    assert (ran.code, ran.err) == (1, "netgraph train: --method Adamm: unknown method (did you mean 'Adam'?); use "
                                      "Adam, AdamW, SGD or RMSProp\n")
    cli.data()
    assert cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--method", "sgd", "--momentum", "0.9",
               "--rounds", "1", "--quiet").code == 0


def test_a_score_given_a_binary_cross_entropy_is_one_message_without_torchs_warning(cli):
    # Found by QA: the DataError came after torch's "note: Converting a tensor with requires_grad=True to a scalar
    # may lead to unexpected behavior ..." (the check read the first bad value off a tensor with a gradient)
    cli.spec("netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 1, weights: [[-1.0, -1.0, -1.0]], "
             "biases: [0.0]}}\ninputs: {Input: [3]}\n")
    cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--rounds", "1", "--loss",
              "{type: CrossEntropyLossLayer, form: Binary}")
    assert (ran.code, ran.err) == (1, "netgraph train: layer 'loss' (CrossEntropyLossLayer) port 'Input' takes "
                                      "probabilities in [0, 1], found -3.0 (for scores, use logits=True)\n")


def test_run_prints_an_output_over_several_lines_with_its_rows_aligned(cli):
    # Found by QA: torch's repr continues under 'tensor(', not under the port's name: the second line of
    # '  Output = tensor([[0.1880, ...' started 11 columns left of the first value
    cli.spec("netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 12}}\ninputs: {Input: [3]}\n")
    ran = cli("run", "s.yaml", "-o", "s.dot")
    assert ran.code == 0, ran.err
    first, second = [line for line in ran.out.splitlines() if line.startswith(" ")][:2]
    assert first.startswith("  Output = tensor([[")
    values = first.index("tensor([[") + len("tensor([[")
    assert len(second) - len(second.lstrip()) in (values, values + 1), (first, second)  # a sign's column, or not
