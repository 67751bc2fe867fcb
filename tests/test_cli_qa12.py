"""Command-line problems found by adversarial QA (session 35, qa-cli12): each test failed before its fix."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("argv, what", [(["render", "s.yaml"], "the diagram"), (["run", "s.yaml"], "the diagram"),
                                        (["export", "s.yaml"], "the ONNX model"), (["schema"], "the schema")])
def test_an_output_under_a_regular_file_names_the_file_not_a_missing_folder(cli, tmp_path, argv, what):
    """`-o notes.txt/x.svg`, where notes.txt is a file, said "folder 'notes.txt' does not exist": it does exist."""
    cli.spec()
    (tmp_path / "notes.txt").write_text("x")
    out = "notes.txt/x." + ("onnx" if argv[0] == "export" else "json" if argv[0] == "schema" else "svg")
    ran = cli(*argv, "-o", out)
    assert (ran.code, ran.err) == (1, f"netgraph {argv[0]}: cannot write {what} to {out!r}: 'notes.txt' on its "
                                      f"path is a file, not a folder\n")


@pytest.mark.parametrize("argv, flag", [(["train", "s.yaml", "--data", "d.npz", "--validation", ""], "--validation"),
                                        (["train", "s.yaml", "--data", ""], "--data"),
                                        (["measure", "s.yaml", "--data", ""], "--data")])
def test_an_empty_data_path_is_refused_not_read_as_the_current_folder(cli, tmp_path, argv, flag):
    """`--data ""` (`--data "$DATA"` unset) read '.' as an image folder: "'.' holds no images in sub-folders"."""
    cli.spec()
    cli.data()
    ran = cli(*argv, "-o", "out") if argv[0] == "train" else cli(*argv)
    assert (ran.code, ran.err) == (1, f"netgraph {argv[0]}: {flag}: the data path is empty; give a data file or an "
                                      f"image folder\n")
    assert not (tmp_path / "out").exists()


def test_a_blank_data_path_names_a_file_not_an_empty_path(cli, tmp_path):
    """`--data " "` said "the data path is empty", but ' ' is a name a file or folder may have."""
    cli.spec()
    ran = cli("measure", "s.yaml", "--data", " ")
    assert ran.code == 1 and "no data file or image folder ' '" in ran.err and "empty" not in ran.err


@pytest.mark.parametrize("text", ["", " , "])
def test_metrics_that_name_no_metric_are_refused_as_measure_refuses_them(cli, tmp_path, text):
    """`--metrics ""` trained without metrics and said nothing (`measure --measure ""` is refused)."""
    cli.spec()
    cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "--rounds", "1", "-o", "out", "--metrics", text)
    assert (ran.code, ran.err) == (1, f"netgraph train: --metrics {text!r} names no metric; give one or more, "
                                      f"comma-separated, e.g. --metrics Accuracy,F1\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["run", "render", "export"])
@pytest.mark.parametrize("spec, problem", [("", "load needs a file path, found an empty one (''); give the spec's name, "
                                                "e.g. 'model.yaml'"),
                                           (".", "cannot read the spec: '.' is a folder, not a spec file")])
def test_a_spec_path_that_names_no_file_is_one_message_not_a_traceback(cli, command, spec, problem):
    """`netgraph run ""` (or `.`) raised Path.with_suffix's ValueError ("PosixPath('.') has an empty name"), a traceback,
    while it made the default output's name."""
    ran = cli(command, spec)
    assert (ran.code, ran.err) == (1, f"netgraph {command}: {problem}\n")


@pytest.mark.parametrize("command", ["check", "summary"])
def test_an_empty_spec_path_is_refused_not_read_as_the_current_folder(cli, command):
    """`netgraph check ""` checked every spec of the current folder ('' is Path('.'))."""
    cli.spec()
    ran = cli(command, "")
    assert (ran.code, ran.out) == (1, "")
    assert ran.err == "load needs a file path, found an empty one (''); give the spec's name, e.g. 'model.yaml'\n"


@pytest.mark.parametrize("command", ["render", "check", "train"])
def test_an_empty_onnx_file_is_said_to_be_empty(cli, tmp_path, command):
    """An empty `model.onnx` (a failed download) was "the ONNX graph has no computing node to import"."""
    (tmp_path / "model.onnx").write_bytes(b"")
    cli.data()
    ran = cli(command, "model.onnx", *(["--data", "d.npz"] if command == "train" else []))
    head = "" if command == "check" else f"netgraph {command}: "
    assert (ran.code, ran.err) == (1, f"{head}model.onnx: cannot read an ONNX model: the file is empty\n")


def test_every_option_s_help_says_its_default():
    """`train --help` gave no default for --workers, --time, --momentum, --epsilon, --validation, --patience, --metrics,
    --nproc and --tensorboard, nor `--limit`, `render --compact` or `schema -o` theirs."""
    import argparse
    from netgraph.cli.parser import build_parser
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    silent = [(name, action.option_strings[-1]) for name, parser in commands.items() for action in parser._actions
              if action.option_strings and action.nargs != 0 and action.help != argparse.SUPPRESS
              and not action.required and "default" not in action.help]
    assert silent == []


def _differing_defaults(parser):
    """(option, stated, actual) for each option whose help states a default ('default 0', 'default: Loss') other than
    the one argparse gives it; defaults resolved later (None here: 'default 64' for --batch-size) are not compared."""
    import re
    differing = []
    for action in parser._actions:
        stated = re.search(r"default:? ([\w.+-]+)", action.help or "")
        if not action.option_strings or action.default is None or stated is None:
            continue
        word, actual = stated.group(1), action.default
        if isinstance(actual, (int, float)) and not isinstance(actual, bool):
            same = re.fullmatch(r"[+-]?[\d.]+(e[+-]?\d+)?", word) is None or float(word) == actual
        else:
            same = not isinstance(actual, str) or word == actual
        if not same:
            differing.append((action.option_strings[-1], word, actual))
    return differing


def test_every_stated_default_is_the_parser_s_default():
    """The check above only saw the word "default" in each help; the value it states is the one parsed without the
    option (a planted mismatch shows the check can fail)."""
    import argparse
    from netgraph.cli.parser import build_parser
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert [(name, d) for name, parser in commands.items() for d in _differing_defaults(parser)] == []
    planted = argparse.ArgumentParser()
    planted.add_argument("--seed", type=int, default=1, help="the seed (default 0)")
    planted.add_argument("--measure", default="Loss", help="what to measure (default: Error)")
    assert _differing_defaults(planted) == [("--seed", "0", 1), ("--measure", "Error", "Loss")]


def test_an_empty_format_is_refused_not_ignored(cli, tmp_path):
    """`render -f ""` (`-f "$FMT"` unset) was ignored: the format came from -o's suffix, as without -f."""
    cli.spec()
    ran = cli("render", "s.yaml", "-f", "", "-o", "x.svg")
    assert (ran.code, ran.err) == (1, "netgraph render: unknown diagram format '' (-f/--format ''); formats are svg, "
                                      "png, pdf, dot, gv\n")
    assert not (tmp_path / "x.svg").exists()


def test_an_empty_base_dir_is_refused_not_ignored(cli):
    """`--base-dir ""` passed the folder check (Path('') is '.') and was then dropped: no folder was added."""
    cli.spec()
    ran = cli("check", "s.yaml", "--base-dir", "")
    assert (ran.code, ran.err) == (1, "netgraph check: --base-dir '' is not a folder; give the folder that 'file:' "
                                      "references may also read from\n")


def test_a_blank_format_is_shown_quoted(cli, tmp_path):
    """`render -f ' '` printed the format unquoted, invisible: '(-f/--format  )'."""
    cli.spec()
    ran = cli("render", "s.yaml", "-f", " ", "-o", "x.svg")
    assert (ran.code, ran.err) == (1, "netgraph render: unknown diagram format ' ' (-f/--format ' '); formats are svg, "
                                      "png, pdf, dot, gv\n")
