"""The command line: a fast --help/--version (no torch), and `netgraph run` on Integer, variable-length and
seeded specs."""

from __future__ import annotations

import dataclasses
import gc
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import onnx
import pytest
import torch

import netgraph
import netgraph.cli as cli
from netgraph.cli import main
from netgraph.cli.run import VARIABLE_LENGTH, example_inputs
from netgraph.core.limits import Limits
from netgraph.spec import load
from netgraph.train import NetTrainResults

ROOT = Path(__file__).resolve().parents[1]

TOKENS = """\
netgraph: 1
name: Tokens
type: NetChain
layers:
  embed: {type: EmbeddingLayer, output: 4, n: 5}
  last: SequenceLastLayer
  logits: {type: LinearLayer, output: 3}
inputs:
  Input: {shape: [n], dtype: Integer}
"""

SMALL = """\
netgraph: 1
name: Small
type: NetChain
layers:
  hidden: {type: LinearLayer, output: 4}
  relu: Ramp
  out: {type: LinearLayer, output: 2}
inputs:
  Input: [3]
"""


def _imported_modules(*argv: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "netgraph", *argv], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    names = {m.group(1) for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", result.stderr, re.M)}
    return result, names


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_do_not_import_torch(flag):
    result, names = _imported_modules(flag)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "netgraph.cli.parser" in names  # the trace did see the command line being built
    assert not {n for n in names if n == "torch" or n.startswith("torch.")}
    assert "usage: netgraph" in result.stdout if flag == "--help" else result.stdout.strip().startswith("netgraph ")


@pytest.mark.parametrize("command", ["run", "render", "check", "summary", "train", "measure", "export"])
def test_limit_help_names_every_limit(command, capsys):
    # it listed 8 names by hand; operator_arrays and nest_applications were accepted but missing
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    names = re.search(r"--limit NAME=N raise a size limit.*?\(names: ([^)]*)\)", text).group(1)
    assert names.split(", ") == [field.name for field in dataclasses.fields(Limits)]


def test_schema_takes_no_spec_reading_flags(capsys):
    """`schema` reads no spec, yet took --limit, --base-dir and --allow-outside (and `--base-dir /nonexistent`
    failed as if the folder mattered): they are unknown flags there now."""
    with pytest.raises(SystemExit):
        main(["schema", "--help"])
    help_text = capsys.readouterr().out
    for flag in ("--limit", "--base-dir", "--allow-outside"):
        assert flag not in help_text
    for argv in (["--base-dir", "/nonexistent"], ["--allow-outside"], ["--limit", "yaml_bytes=1"]):
        with pytest.raises(SystemExit) as exit_:
            main(["schema", *argv])
        assert exit_.value.code == 2
        assert f"unrecognized arguments: {' '.join(argv)}" in capsys.readouterr().err


def test_version_is_the_packages(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert capsys.readouterr().out.strip() == f"netgraph {netgraph.__version__}" == f"netgraph {project['version']}"


def test_run_draws_valid_indices_for_a_variable_length_integer_input(cli):
    spec = cli.spec(TOKENS, "tokens.yaml")
    ran = cli("run", spec, "-o", "t.svg", "--seed", "2")
    printed = ran.out
    assert ran.code == 0
    assert "tokens.yaml: inputs Input (n) Integer -> outputs Output (3)" in printed
    assert f"variable length n = {VARIABLE_LENGTH} for this run" in printed
    assert "random Integer indices in 0..4" in printed and re.search(r"Output = tensor\(\[\[", printed)
    net = load(spec)
    seen = set()
    for seed in range(20):
        torch.manual_seed(seed)
        inputs, _ = example_inputs(net)
        x = inputs["Input"]
        assert x.dtype == torch.int64 and x.shape == (1, VARIABLE_LENGTH)
        seen |= set(x.flatten().tolist())
    assert seen == set(range(5))  # every valid index turns up, and nothing outside 0..4


def test_run_and_train_with_the_same_seed_start_from_the_same_net(cli, tmp_path):
    """`train --seed 3` with a vanishing learning rate keeps its initial arrays: running the trained spec
    prints what `run --seed 3` prints for the untrained one."""
    spec, data = cli.spec(SMALL, "small.yaml"), cli.data("data.npz", targets=2, random=True)

    def draw(path: Path) -> list[str]:
        ran = cli("run", path, "-o", "d.svg", "--seed", "3")
        assert ran.code == 0
        return [line for line in ran.out.splitlines() if " = " in line]

    before = draw(spec)
    ran = cli("train", spec, "--data", data, "--rounds", "1", "--seed", "3", "--method", "SGD", "--learning-rate",
              "1e-30", "--quiet", "-o", "out")
    assert ran.code == 0 and "trained 1 round (MaxTrainingRounds)" in ran.out
    assert draw(tmp_path / "out" / "small.yaml") == before


def test_the_trained_spec_keeps_the_name_and_description_and_export_takes_them(cli, tmp_path):
    """`train -o` wrote the trained spec without the source's name: and description: (a loaded NetGraph does not
    keep them), so exporting it named the model after the file (small) instead of the spec (Small)."""
    spec = cli.spec(SMALL.replace("name: Small\n", "name: Small\ndescription: a small MLP\n"), "small.yaml")
    assert cli("train", spec, "--data", cli.data(targets=2), "--rounds", "1", "--quiet", "-o", "out").code == 0
    trained = tmp_path / "out" / "small.yaml"
    lines = trained.read_text().splitlines()
    assert lines[2:4] == ["name: Small", "description: a small MLP"] and lines[1].startswith("arrays: ")
    assert cli("export", trained, "-o", "small.onnx").code == 0
    meta = {p.key: p.value for p in onnx.load(str(tmp_path / "small.onnx")).metadata_props}
    assert (meta["name"], meta["description"]) == ("Small", "a small MLP")


def test_an_input_of_unknown_shape_is_one_clear_error(cli):
    ran = cli("run", cli.spec("netgraph: 1\ntype: NetChain\nlayers:\n  relu: Ramp\ninputs:\n  Input: [null]\n"),
              "-o", "o.svg")
    assert ran.code == 1 and "input port 'Input': expected a known shape" in ran.err


def test_counts_are_grammatical(cli):
    ran = cli("check", cli.spec("netgraph: 1\nlayers:\n  a: {type: NetArrayLayer, array: [1.5], output: 1}\n"))
    assert ran.code == 0 and ran.out.rstrip().endswith("; 1 layer, 1 parameter")
    results = NetTrainResults(trained_net=None, training_net=None, round_losses=[0.5], batch_losses=[0.5],
                              validation_losses=[], best_validation_round=None, total_rounds=1, total_batches=1,
                              batch_size=4, examples_processed=4, total_training_time=0.1,
                              reason_training_stopped="MaxTrainingRounds")
    assert repr(results).startswith("NetTrainResults(1 round, 1 batch, loss 0.5")


def test_train_never_imports_torch_dynamo(cli, tmp_path):
    """torch's optimizers import torch._dynamo (about 2 s) on their first call; `netgraph train` uses
    netgraph.train.optimizers' subclasses, which do not, nor does anything else on the way (nor networkx)."""
    spec, data = cli.spec(SMALL, "small.yaml"), cli.data(targets=2)
    result, names = _imported_modules("train", str(spec), "--data", str(data), "--rounds", "2",
                                      "--batch-size", "4", "--quiet", "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "trained 2 rounds" in result.stdout and "torch.optim" in names  # it did train, with torch's optimizers
    assert not {n for n in names if n.startswith("torch._dynamo")}
    assert "networkx" not in names  # 0.4 s more; only some information properties and cycle errors need it
    # layer families load on first use: a LinearLayer spec loads the linear family, not the whole catalogue
    assert "netgraph.layers.linear" in names
    assert not names & {"netgraph.layers.attention", "netgraph.layers.conv", "netgraph.layers.deconv",
                        "netgraph.layers.operators", "netgraph.layers.sequence", "netgraph.layers.embedding"}


@pytest.mark.parametrize("spec_text, code", [(SMALL, 0), ("netgraph: 1\nlayers: [\n", 1)])
def test_the_command_imports_with_the_collector_paused_then_freezes_what_it_imported(spec_text, code, tmp_path,
                                                                                     monkeypatch, capsys):
    """`netgraph` (``entry``) imports a command's modules with the cyclic collector off, then freezes the
    imported objects (so later full collections skip torch's) and turns the collector back on, also on error."""
    spec = tmp_path / "net.yaml"
    spec.write_text(spec_text)
    monkeypatch.setattr(sys, "argv", ["netgraph", "check", str(spec)])
    collecting_at_import = []
    real_import = cli.importlib.import_module
    monkeypatch.setattr(cli.importlib, "import_module",
                        lambda name: collecting_at_import.append(gc.isenabled()) or real_import(name))
    frozen_before = gc.get_freeze_count()
    try:
        assert cli.entry() == code
        assert collecting_at_import == [False] and gc.isenabled()
        assert gc.get_freeze_count() > frozen_before
    finally:
        gc.enable()
        gc.unfreeze()
    assert ("net.yaml: ok" in capsys.readouterr().out) == (code == 0)


def test_train_refuses_an_output_that_is_a_file_before_training(cli, tmp_path):
    """`-o afile` trained and then failed with a bare '[Errno 17] File exists'; now refused first, naming -o."""
    spec, data, taken = cli.spec(SMALL, "small.yaml"), cli.data(targets=2, random=True), tmp_path / "afile"
    taken.write_text("keep me")
    for out, why in [(taken, "it is a file; give another path (a folder that does not exist yet is created)"),
                     (taken / "sub", f"{str(taken)!r} on its path is a file, not a folder")]:
        captured = cli("train", spec, "--data", data, "--rounds", "1", "--quiet", "-o", out)
        assert captured.code != 0  # the system's words were only 'File exists' and 'Not a directory'
        assert captured.err == f"netgraph train: -o (the output folder) {str(out)!r} cannot be used as a folder: {why}\n"
        assert "trained" not in captured.out and taken.read_text() == "keep me"


@pytest.mark.parametrize("where", ["import_module", "parse_args"])
def test_ctrl_c_outside_training_ends_with_one_line_and_status_130(where, tmp_path, monkeypatch, capsys):
    """Ctrl-C while a command imported torch or loaded a spec printed Python's KeyboardInterrupt traceback."""
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(sys, "argv", ["netgraph", "check", str(tmp_path / "net.yaml")])
    if where == "import_module":
        monkeypatch.setattr(cli.importlib, "import_module", interrupted)
    else:
        monkeypatch.setattr(cli, "build_parser", lambda: type("P", (), {"parse_args": interrupted})())
    try:
        code = cli.entry()
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped the command (Python prints its traceback)")
    finally:
        gc.enable()
    assert code == 130
    captured = capsys.readouterr()
    assert captured.err == "netgraph: interrupted\n" and captured.out == ""


def test_every_command_s_help_says_what_it_does_and_explains_every_flag():
    """`netgraph run --help` (and check, summary, schema) printed usage and flags with no line on what the command
    does, where render, train, measure and export have one; train's --learning-rate had no help text at all."""
    import argparse
    from netgraph.cli.parser import build_parser
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert sorted(commands) == ["check", "export", "measure", "render", "run", "schema", "summary", "train"]
    assert [name for name, command in commands.items() if not command.description] == []
    assert [(name, action.dest) for name, command in commands.items() for action in command._actions
            if not action.help] == []


def test_the_top_level_help_says_how_to_see_a_commands_flags(capsys):
    """`netgraph --help` listed the commands only: a new user did not learn that each has its own --help."""
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "'netgraph COMMAND --help' lists a command's flags, e.g. netgraph train --help" in text
