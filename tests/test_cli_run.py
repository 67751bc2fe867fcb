"""The README's main job: `netgraph run specs/normal_reparameterization.yaml` prints a draw and writes the SVG."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch

from netgraph import load
from netgraph.cli import EPIPE_STATUS, main
from netgraph.cli.run import example_inputs
from tests.subprocess_env import checkout_env

SPEC = Path(__file__).resolve().parents[1] / "specs" / "normal_reparameterization.yaml"


def test_run_prints_a_draw_and_writes_the_diagram(tmp_path, capsys):
    out = tmp_path / "seed.svg"
    assert main(["run", str(SPEC), "-o", str(out), "--seed", "0"]) == 0
    printed = capsys.readouterr().out
    assert "inputs none -> outputs Output (2), Params (2); 4 layers, 4 parameters" in printed  # as `check` says
    assert "Output = tensor([" in printed and "Params = tensor([" in printed
    text = "".join(ET.parse(out).getroot().itertext())
    for word in ("means", "stds", "noise", "sample", "Params", "NormalDistribution"):
        assert word in text


def test_run_is_repeatable_with_a_seed(tmp_path, capsys):
    draws = []
    for _ in range(2):
        main(["run", str(SPEC), "-o", str(tmp_path / "a.svg"), "--seed", "3"])
        draws.append([line for line in capsys.readouterr().out.splitlines() if "=" in line])
    assert draws[0] == draws[1]


def test_bad_spec_is_one_message_and_exit_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("netgraph: 1\nlayers:\n  a: {type: LinearLayr, output: 3}\n")
    result = subprocess.run([sys.executable, "-m", "netgraph", "run", str(bad)], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 1
    assert "bad.yaml:3:" in result.stderr and "did you mean 'LinearLayer'" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_prints_a_decoded_output_as_labels(tmp_path, capsys):
    """A ClassDecoder output is a list of labels, not a tensor (this spec made `run` raise AttributeError)."""
    spec = SPEC.parent / "stripes_classifier.yaml"
    assert main(["run", str(spec), "-o", str(tmp_path / "s.svg"), "--seed", "0"]) == 0
    printed = capsys.readouterr().out
    line = next(line for line in printed.splitlines() if line.startswith("  Output = "))
    assert line in ("  Output = ['horizontal']", "  Output = ['vertical']")


def test_run_works_on_every_example_spec(tmp_path, capsys):
    for spec in sorted(SPEC.parent.glob("*.yaml")):
        assert main(["run", str(spec), "-o", str(tmp_path / f"{spec.stem}.svg"), "--seed", "0"]) == 0, spec.name
        assert " = " in capsys.readouterr().out


def test_run_checks_the_output_path_before_evaluating(tmp_path, capsys, monkeypatch):
    # -o into a missing folder failed only after loading and evaluating the net
    import netgraph.cli.run as run
    monkeypatch.setattr(run, "net_initialize", lambda *a, **k: pytest.fail("evaluated before checking -o"))
    for out, why in [(tmp_path / "missing" / "x.svg", "folder '.*missing' does not exist"),
                     (tmp_path, "it is a folder; give a file name"),
                     (tmp_path / "x", r"-o .*x: cannot tell which format to write: give the file a suffix \(.svg"),
                     (tmp_path / "x.foo", r"unknown diagram format 'foo' \(the suffix of -o .*x.foo\)")]:
        assert main(["run", str(SPEC), "-o", str(out)]) == 1
        assert re.search(f"^netgraph run: .*{why}", capsys.readouterr().err)


@pytest.mark.parametrize("argv, message", [
    (["--depth", "-1", "-o", "x.svg"], r"argument --depth: expected a number of levels >= 0, found '-1'"),
    (["-o", "r/"], r"-o 'r/' names a folder \(it ends with '/'\); give a file name, e.g. -o r/\w+\.svg$"),
    (["-o", "r"], r"cannot write the diagram to 'r': it is a folder; give a file name"),
    (["-o", "r/x"], r"-o r/x: cannot tell which format to write: .* or pass -f/--format$")])
def test_render_messages_name_the_flags(argv, message, tmp_path, capsys, monkeypatch):
    # they said "expand must be ..." and "... or pass format=" (Python's names, not the flags)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r").mkdir()
    try:
        code = main(["render", str(SPEC), *argv])
    except SystemExit as exit_:  # argparse
        code = exit_.code
    assert code in (1, 2)
    err = capsys.readouterr().err.strip()
    assert re.search(message, err.splitlines()[-1]), err
    assert "expand" not in err and "format=" not in err
    assert list(tmp_path.iterdir()) == [tmp_path / "r"]


def test_a_closed_pipe_ends_run_quietly(tmp_path):
    # `netgraph run ... | head -1` printed "netgraph run: [Errno 32] Broken pipe"; `| true` has gone before it writes
    script = f"{sys.executable} -m netgraph run {SPEC} -o {tmp_path / 'x.svg'} | true; echo ${{PIPESTATUS[0]}}"
    env = checkout_env()
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert result.stderr == "" and result.stdout.strip() == str(EPIPE_STATUS)  # as a Unix tool ended by SIGPIPE


def test_run_draws_1_based_positions_for_an_extract_layer(tmp_path, capsys):
    # it drew 0..1, and position 0 is refused by ExtractLayer (found by the ONNX helper)
    spec = tmp_path / "ex.yaml"
    spec.write_text("netgraph: 1\nlayers:\n  e: {type: ExtractLayer}\n"
                    "inputs: {Input: [4, 3], Position: {shape: 1, dtype: Integer}}\n")
    for seed in range(5):
        assert main(["run", str(spec), "--seed", str(seed), "-o", str(tmp_path / "ex.svg")]) == 0
        assert "input Position: random Integer indices in 1..4" in capsys.readouterr().out


def test_run_draws_inputs_that_feed_distribution_parameters_inside_their_range(tmp_path, capsys):
    """Standard normal inputs made `run` fail on any spec whose inputs feed a shape, a rate or a probability
    (a DataError from the parameter check; found by QA). Such an input now gets values that parameter takes."""
    spec = tmp_path / "params.yaml"
    spec.write_text(
        "netgraph: 1\nlayers:\n"
        "  g: {type: RandomArrayLayer, distribution: {type: GammaDistribution, args: ['#a', '#b']}, output: 3}\n"
        "  c: {type: RandomArrayLayer, distribution: {type: CategoricalDistribution, args: ['#p']}}\n"
        "  d: {type: RandomArrayLayer, distribution: {type: DiscreteUniformDistribution, args: [['#lo', '#hi']]},\n"
        "      output: 3}\n"
        "  m: {type: RandomArrayLayer, distribution: {type: MultinormalDistribution, args: ['#mu', '#cov']}}\n"
        "  k: {type: RandomArrayLayer, distribution: {type: BinomialDistribution, args: ['#n', '#q']}, output: 3}\n"
        "  kl: {type: KLDivergenceLayer, p: {type: GammaDistribution, args: ['#s', 1.0]},\n"
        "       q: {type: GammaDistribution, args: [2.0, 1.0]}}\n"
        "inputs: {a: 3, b: 3, p: 4, lo: 3, hi: 3, mu: 2, cov: [2, 2], n: 3, q: 3, s: 3}\n"
        "outputs: {G: null, C: null, D: null, M: null, K: null, KL: null}\n"
        "edges: [g -> G, c -> C, d -> D, m -> M, k -> K, kl -> KL]\n")
    for seed in range(5):
        assert main(["run", str(spec), "-o", str(tmp_path / "p.svg"), "--seed", str(seed)]) == 0
        printed = capsys.readouterr().out
        assert "input a: values for GammaDistribution parameter alpha (shape): a finite number > 0" in printed
        assert "input q: values for BinomialDistribution parameter p (success probability)" in printed


def test_run_draws_probabilities_for_inputs_that_a_cross_entropy_reads_as_probabilities(tmp_path, capsys):
    """A VAE whose data is also its binary cross-entropy's Target failed `run` (a DataError: 'takes probabilities
    in [0, 1], found -1.12'; found by QA writing specs from the README). Such inputs now get values in [0, 1]."""
    spec = tmp_path / "bce.yaml"
    spec.write_text(
        "netgraph: 1\nlayers:\n"
        "  dec: [{type: LinearLayer, output: 6}, LogisticSigmoid]\n"
        "  bce: {type: CrossEntropyLossLayer, form: Binary}\n"
        "  ce: {type: CrossEntropyLossLayer, form: Probabilities}\n"
        "inputs: {Input: 6, Probs: 4, Guess: 4}\noutputs: {B: null, C: null}\n"
        "edges: [Input -> dec -> bce.Input, Input -> bce.Target, bce -> B, Guess -> ce.Input, Probs -> ce.Target,"
        " ce -> C]\n")
    for seed in range(5):
        assert main(["run", str(spec), "-o", str(tmp_path / "b.svg"), "--seed", str(seed)]) == 0
        printed = capsys.readouterr().out
        assert "input Input: probabilities in [0, 1] for layer 'bce' (CrossEntropyLossLayer('Binary')) port " \
               "'Target'" in printed
        assert "input Guess: class probabilities (summing to 1 over the last dim) for layer 'ce' " \
               "(CrossEntropyLossLayer('Probabilities')) port 'Input'" in printed
        loss = float(re.search(r"C = tensor\(\[([-0-9.e]+)\]\)", printed).group(1))
        assert 0 < loss < 10  # a cross-entropy of probabilities: positive (standard normal ones gave any sign)


def test_run_names_the_cholesky_factor_as_the_readme_writes_it(tmp_path, capsys):
    """The note read "parameter l (Cholesky factor ...)": README writes MultinormalCholeskyDistribution(μ, L)."""
    spec = tmp_path / "chol.yaml"
    spec.write_text("netgraph: 1\nlayers:\n"
                    "  m: {type: RandomArrayLayer, distribution: {type: MultinormalCholeskyDistribution, "
                    "args: ['#mu', '#F']}}\n"
                    "inputs: {mu: 2, F: [2, 2]}\nedges: []\n")
    assert main(["run", str(spec), "-o", str(tmp_path / "c.svg"), "--seed", "0"]) == 0
    assert "values for MultinormalCholeskyDistribution parameter L (Cholesky factor" in capsys.readouterr().out


def _array_spec(tmp_path, shape):
    """A spec whose one output is a constant array of ``shape`` holding 0, 1, 2, ... (its statistics known)."""
    import json
    values = torch.arange(math.prod(shape), dtype=torch.float32).reshape(shape)
    spec = tmp_path / "big.yaml"
    spec.write_text(f"netgraph: 1\nlayers:\n  a: {{type: NetArrayLayer, array: {json.dumps(values.tolist())}}}\n"
                    f"edges: []\n")
    return spec, values


def test_run_summarises_a_big_output_instead_of_printing_hundreds_of_lines(tmp_path, capsys):
    """A 16x16x2 output printed about 270 lines (torch prints up to 1,000 values whole)."""
    spec, values = _array_spec(tmp_path, (16, 16, 2))
    assert main(["run", str(spec), "-o", str(tmp_path / "b.svg")]) == 0
    printed = capsys.readouterr().out
    line = next(line for line in printed.splitlines() if line.startswith("  Output = "))
    assert len(printed.splitlines()) < 8
    assert "shape (16, 16, 2), float32" in line and "0, 1, 2, 3, 4, 5, ..." in line
    stats = (f"min {values.min().item():g}", f"max {values.max().item():g}", f"mean {values.mean().item():g}")
    assert all(s in line for s in stats), line
    assert "512 values; --full prints them all" in line


def test_run_full_prints_every_value_even_past_torchs_own_limit(tmp_path, capsys):
    spec, values = _array_spec(tmp_path, (16, 16, 5))  # 1,280 values: torch itself would print '...'
    assert main(["run", str(spec), "-o", str(tmp_path / "b.svg"), "--full"]) == 0
    printed = capsys.readouterr().out
    assert "..." not in printed and f"{values.max().item():.0f}." in printed and "shape" not in printed
    assert len(printed.splitlines()) > 256


def test_a_problem_found_after_loading_is_placed_at_its_layer_in_the_spec(tmp_path, capsys):
    spec = tmp_path / "slip.yaml"  # enc's output size left out: unknown, which only run meets (a slipped 'output: 8'
    # is caught at loading now, test_spec_yaml_hints)
    spec.write_text("netgraph: 1\nlayers:\n  enc:\n    type: LinearLayer\n  act: Tanh\ninputs: {Input: 3}\n"
                    "edges: [Input -> enc -> act]\n")
    assert main(["check", str(spec)]) == 0
    capsys.readouterr()
    assert main(["run", str(spec), "-o", str(tmp_path / "slip.svg")]) == 1
    assert capsys.readouterr().err == (f"netgraph run: {spec}:3:3: cannot initialise arrays of unknown shape: layer 1 "
                                       f"'enc' (LinearLayer) port 'Output' has unknown shape ?\n")


@pytest.mark.parametrize("text, place", [
    ("layers:\n  act: Ramp\ninputs:\n  Input: null\nedges: [Input -> act]\n", "5:3"),  # declared: at its key
    ("layers:\n  lin: {type: LinearLayer, output: 3}\ninputs: {Input: null}\nedges: [Input -> lin]\n", "4:10"),
    ("layers:\n  lin: {type: LinearLayer, output: 3}\n  act: Ramp\nedges: [lin -> act]\n", "3:3"),  # its layer
    ("layers:\n  act: Ramp\n  lin: {type: LinearLayer, output: 3}\nedges: [act -> lin]\n", "3:3")])
def test_an_input_of_unknown_shape_is_placed_in_the_spec(tmp_path, capsys, text, place):
    """A graph input of unknown shape (a layer with arrays to initialise, or none: the example input) was told
    without a place: the Diagnostic names the graph (layer ()) and the port, which no layer's place fits."""
    spec = tmp_path / "open.yaml"
    spec.write_text("netgraph: 1\n" + text)
    assert main(["run", str(spec), "-o", str(tmp_path / "open.svg")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"netgraph run: {spec}:{place}: "), err
    assert "'Input'" in err and "shape" in err and "?" in err, err



@pytest.mark.parametrize("dist", ["DiscreteUniformDistribution", "UniformDistribution"])
@pytest.mark.parametrize("bounds", [(10, "#b"), ("#a", -5), ("#a", "#b")])
def test_run_draws_a_bound_on_the_right_side_of_the_other_bound(tmp_path, capsys, dist, bounds):
    """`run` drew imax in 3..5 and imin in 0..2 whatever the other bound was, so DiscreteUniformDistribution([10, '#b'])
    failed with 'needs imin <= imax ... fix those values in the data' about values `run` itself made, and Uniform's
    unchecked inline draw took min > max silently (found by QA). A bound is now drawn beyond the other one."""
    spec = tmp_path / "bounds.yaml"
    args = [b if isinstance(b, int) else f"'{b}'" for b in bounds]
    spec.write_text(f"netgraph: 1\nlayers:\n  d: {{type: RandomArrayLayer, distribution: {{type: {dist}, "
                    f"args: [[{args[0]}, {args[1]}]]}}, output: 3}}\nedges: []\n")
    for seed in range(5):
        torch.manual_seed(seed)
        inputs, _ = example_inputs(load(spec))
        low, high = (inputs[b[1:]] if isinstance(b, str) else torch.tensor(float(b)) for b in bounds)
        assert bool((low < high).all() if dist == "UniformDistribution" else (low <= high).all()), (low, high)
        assert main(["run", str(spec), "-o", str(tmp_path / "b.svg"), "--seed", str(seed)]) == 0
        capsys.readouterr()


@pytest.mark.parametrize("operator", ["NetMapOperator", "NetFoldOperator"])
def test_run_draws_values_a_parameter_takes_for_an_input_that_feeds_it_inside_an_operator(tmp_path, capsys, operator):
    """An input that reaches a Gamma shape inside a NetMapOperator's (or NetFoldOperator's) net got standard normal
    values, so `run` failed with 'alpha (shape) must be a finite number > 0, found -0.45 at example 0, sequence
    element 1' (found by QA): only layers of the graph and its nested graphs were looked at, not operators' nets."""
    state = "        s: {type: ThreadingLayer, function: Plus}\n" if operator == "NetFoldOperator" else ""
    edges = "[State -> s, g -> s]" if state else "[]"
    spec = tmp_path / "mapped.yaml"
    spec.write_text(
        "netgraph: 1\nlayers:\n"
        f"  m:\n    type: {operator}\n    net:\n      type: NetGraph\n      layers:\n"
        "        g: {type: RandomArrayLayer, distribution: {type: GammaDistribution, args: ['#a', 1.0]}, output: 3}\n"
        f"{state}      inputs: {{a: 3{', State: 3' if state else ''}}}\n      edges: {edges}\n"
        "inputs: {a: [n, 3]}\nedges: [a -> m]\n")
    for seed in range(3):
        assert main(["run", str(spec), "-o", str(tmp_path / "m.svg"), "--seed", str(seed)]) == 0
        assert "input a: values for GammaDistribution parameter alpha (shape): a finite number > 0" in \
            capsys.readouterr().out


def test_run_draws_a_kl_divergences_bound_near_the_other_one(tmp_path, capsys):
    """KL(Uniform[a, 1] || Uniform[0, 2]) is finite for a in [0, 1): a bound is drawn within 0.9 of the other."""
    spec = tmp_path / "kl.yaml"
    spec.write_text("netgraph: 1\nlayers:\n  kl: {type: KLDivergenceLayer, p: {type: UniformDistribution, "
                    "args: [['#a', 1.0]]}, q: {type: UniformDistribution, args: [[0.0, 2.0]]}, shape: 3}\nedges: []\n")
    for seed in range(5):
        assert main(["run", str(spec), "-o", str(tmp_path / "k.svg"), "--seed", str(seed)]) == 0
        capsys.readouterr()


def test_run_places_a_bad_parameter_value_inside_a_map_at_its_layer(tmp_path, capsys):
    """'netgraph run: layer 'm/net/g' ...' had no file:line:col: the error's Diagnostic had lost its layer (QA)."""
    spec = tmp_path / "mapped.yaml"
    spec.write_text(
        "netgraph: 1\nlayers:\n  m:\n    type: NetMapOperator\n    net:\n      type: NetGraph\n      layers:\n"
        "        neg: {type: FunctionLayer, function: '-Exp[#]'}\n"
        "        g: {type: RandomArrayLayer, distribution: {type: GammaDistribution, args: ['#a', 1.0]}, output: 3}\n"
        "      inputs: {x: 3}\n      edges: [x -> neg -> g.a]\ninputs: {x: [n, 3]}\nedges: [x -> m]\n")
    assert main(["run", str(spec), "-o", str(tmp_path / "m.svg")]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"netgraph run: {spec}:9:9: layer 'm/net/g' (RandomArrayLayer"), error


def _ctc_spec(path, length, classes: int):
    """A spec of one CTCLossLayer whose Input is (length, classes) and Target (length,) Integer labels."""
    path.write_text(f"netgraph: 1\nlayers:\n  c: CTCLossLayer\ninputs: {{Input: [{length}, {classes}], Target: "
                    f"{{shape: [{length}], dtype: Integer}}}}\nedges: [Input -> c.Input, Target -> c.Target]\n")
    return path


def _ctc_run(spec, tmp_path, capsys, seed: int) -> str:
    """What `netgraph run` prints for ``spec``, its Loss checked finite."""
    assert main(["run", str(spec), "-o", str(tmp_path / "c.svg"), "--seed", str(seed)]) == 0
    printed = capsys.readouterr().out
    assert 0 < float(re.search(r"Loss = tensor\(\[([-0-9.e]+)\]\)", printed).group(1)) < 100  # finite
    return printed


def test_run_gives_a_ctc_loss_probabilities_and_labels_that_align(tmp_path, capsys):
    """Found by QA: `run` on a CTCLossLayer spec printed Loss = inf: its Input (probabilities, logits=False) got
    standard normal values and its Target indices 0..1 with equal neighbours, which a target as long as the
    input cannot align. Input now gets class probabilities, Target labels below the blank, neighbours unequal."""
    spec = _ctc_spec(tmp_path / "ctc.yaml", "n", 4)
    for seed in range(8):
        printed = _ctc_run(spec, tmp_path, capsys, seed)
        assert "input Input: class probabilities (summing to 1 over the last dim) for layer 'c' (CTCLossLayer()) " \
               "port 'Input'" in printed
        assert "input Target: labels in 0..2 (below the blank 3) for layer 'c' (CTCLossLayer) port 'Target'" in printed
    torch.manual_seed(0)
    labels = example_inputs(load(_ctc_spec(spec, 400, 4)))[0]["Target"][0]
    assert bool((labels[1:] != labels[:-1]).all()) and sorted(labels.unique().tolist()) == [0, 1, 2]


def test_run_gives_a_two_class_ctc_loss_a_target_that_aligns(tmp_path, capsys):
    """Found by review: with 2 classes (one label and the blank) the Target was all 0s as long as the input, which
    cannot align (equal neighbours need a blank between them): Loss = inf. Now 0s in its first half, then padding."""
    spec = _ctc_spec(tmp_path / "ctc.yaml", "n", 2)
    for seed in range(4):
        printed = _ctc_run(spec, tmp_path, capsys, seed)
        assert "input Target: label 0 (below the blank 1) in its first half, -1 (padding) after" in printed
    for length, zeros in ((4, 2), (5, 3)):
        targets = example_inputs(load(_ctc_spec(spec, length, 2)))[0]["Target"][0]
        assert targets.tolist() == [0] * zeros + [-1] * (length - zeros)
