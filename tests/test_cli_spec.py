"""The spec commands: netgraph check, summary and schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from netgraph import NetGraph, SpecError
from netgraph.cli import main
from netgraph.spec.schema import spec_schema

SPECS = Path(__file__).resolve().parent.parent / "specs"
BAD = "netgraph: 1\nlayers:\n  a: {type: LinearLayr, output: 3}\n  b: {type: LinearLayer, outptu: 3}\nedges: [a -> c]\n"


def test_check_prints_a_one_line_summary_and_exits_0(capsys):
    assert main(["check", str(SPECS / "normal_reparameterization.yaml")]) == 0
    out = capsys.readouterr().out
    assert out == (f"{SPECS / 'normal_reparameterization.yaml'}: ok, inputs none -> outputs Output (2), Params (2); "
                   f"4 layers, 4 parameters\n")


def test_check_lists_every_problem_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    assert main(["check", str(bad), str(SPECS / "vae.yaml")]) == 1
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert err[0] == f"3 problems in {bad}:"
    assert [line.split(": ")[0] for line in err[1:]] == [f"{bad}:3:13", f"{bad}:4:26", f"{bad}:5:14"]
    assert "did you mean 'LinearLayer'?" in err[1] and "did you mean 'output'?" in err[2]
    assert captured.out.startswith(f"{SPECS / 'vae.yaml'}: ok, inputs Input (16) -> outputs Reconstruction (16), Loss ()")


def test_check_runs_as_a_command(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    done = subprocess.run([sys.executable, "-m", "netgraph", "check", str(bad)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 1
    assert f"{bad}:3:13: layer 'a': unknown layer type 'LinearLayr'" in done.stderr
    assert "Traceback" not in done.stderr


def test_summary_prints_a_table_of_layers_ports_and_parameters(capsys):
    assert main(["summary", str(SPECS / "mlp_classifier.yaml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("inputs Input (28, 28) -> outputs Output (10); 5 layers, 50,890 parameters")
    assert lines[1].split() == ["#", "layer", "type", "inputs", "outputs", "parameters"]
    rows = {line.split()[1]: line.split() for line in lines[2:-1]}
    assert rows["hidden"][2:] == ["LinearLayer", "Input", "(28,", "28)", "Output", "(64)", "50,240"]  # 64*784+64
    assert rows["logits"][-1] == "650"  # 10*64+10
    assert rows["probabilities"][2] == "SoftmaxLayer"
    assert lines[-1].split() == ["total", "Input", "(28,", "28)", "Output", "(10)", "50,890"]


def test_summary_of_a_bad_spec_exits_1_with_the_errors(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    assert main(["summary", str(bad)]) == 1
    assert f"{bad}:3:13" in capsys.readouterr().err


def test_summary_takes_several_specs_as_check_does(cli):
    """`netgraph summary a.yaml b.yaml` was a usage error (one spec), though `check` takes several. Each spec gets its
    line and table, a blank line apart; a bad one its problems on stderr (exit 1), and the others still print."""
    cli.spec(BAD, "bad.yaml"), cli.spec()  # in the working folder: named as typed
    ran = cli("summary", SPECS / "mlp_classifier.yaml", "bad.yaml", "s.yaml")
    assert ran.code == 1 and ran.err.splitlines()[0] == "3 problems in bad.yaml:" and "bad.yaml:3:13" in ran.err
    tables = ran.out.split("\n\n")
    assert len(tables) == 2 and "bad.yaml" not in ran.out
    assert tables[0].startswith(f"{SPECS / 'mlp_classifier.yaml'}: inputs Input (28, 28)")
    assert tables[1].startswith("s.yaml: inputs Input (3) -> outputs Output (1); 1 layer, 4 parameters")
    for table in tables:
        lines = table.strip().splitlines()
        assert lines[1].split()[0] == "#" and lines[-1].split()[0] == "total"
    one = cli("summary", "s.yaml").out
    assert cli("summary", "s.yaml", "s.yaml").out == one + "\n" + one


def test_schema_is_valid_json_schema_and_accepts_every_example(tmp_path, capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == json.loads(json.dumps(spec_schema()))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for spec in sorted(SPECS.glob("*.yaml")):
        errors = list(validator.iter_errors(yaml.safe_load(spec.read_text())))
        assert not errors, f"{spec.name}: {errors[0].message}"
    for bad in (BAD, "netgraph: 2\nlayers: {a: Tanh}\n", "netgraph: 1\nlayers: {a: {type: Tanh}}\n",
                "netgraph: 1\nlayers: {a: {type: RandomArrayLayer, distribution: {type: Normal}}}\n",
                "netgraph: 1\nlayers: {a: Tanh}\nedges: [a b]\n"):
        assert list(validator.iter_errors(yaml.safe_load(bad))), bad
    for inner in ("[4, Tanh]", "4", "Tanh", "{type: LinearLayer, output: 4}"):  # operator nets as shorthands load
        text = f"netgraph: 1\nlayers: {{m: {{type: NetMapOperator, net: {inner}}}}}\ninputs: {{Input: [n, 3]}}\n"
        NetGraph.from_yaml(text)
        assert not list(validator.iter_errors(yaml.safe_load(text))), inner  # the schema refused the first three
    assert list(validator.iter_errors(yaml.safe_load("netgraph: 1\nlayers: {m: {type: NetMapOperator, net: 2.5}}\n")))
    assert main(["schema", "-o", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text()) == schema


def test_export_reports_the_ports_as_check_does(tmp_path, capsys):
    """export printed Python reprs, '(inputs {'Input': (16,)}, outputs {'Loss': ()})', unlike check's 'Input (16)'."""
    spec = SPECS / "vae.yaml"
    assert main(["check", str(spec)]) == 0
    checked = capsys.readouterr().out.strip().removeprefix(f"{spec}: ok, ")
    assert main(["export", str(spec), "-o", str(tmp_path / "vae.onnx")]) == 0
    assert capsys.readouterr().out == f"ONNX model written to {tmp_path / 'vae.onnx'} ({checked})\n"


def test_schema_accepts_wolframs_transpose_swap_and_reshape_automatic():
    """TransposeLayer('1<->3') and ReshapeLayer([2, 'Automatic']) load from YAML; the schema refused both."""
    text = ("netgraph: 1\nlayers:\n  t: {type: TransposeLayer, perm: '1<->3'}\n"
            "  r: {type: ReshapeLayer, dims: [2, Automatic]}\ninputs: {Input: [2, 3, 4]}\nedges: [t -> r]\n")
    assert NetGraph.from_yaml(text).output_shapes == {"Output": (2, 12)}
    validator = jsonschema.Draft202012Validator(spec_schema())
    assert not list(validator.iter_errors(yaml.safe_load(text)))
    assert list(validator.iter_errors(yaml.safe_load(text.replace("'1<->3'", "'1<>3'"))))


def test_schema_accepts_an_edges_mapping_that_fans_out_as_the_loader_does():
    """`edges: {Input: [a, b]}` (fan-out in the mapping form) loads, but the schema allowed only one endpoint as a
    mapping's value, so an editor flagged a valid spec."""
    text = ("netgraph: 1\nlayers: {a: 3, b: 3, p: Plus}\ninputs: {Input: 2}\n"
            "edges: {Input: [a, b], '[a, b]': p}\n")
    assert NetGraph.from_yaml(text).output_shapes == {"Output": (3,)}
    validator = jsonschema.Draft202012Validator(spec_schema())
    assert not list(validator.iter_errors(yaml.safe_load(text)))
    assert list(validator.iter_errors(yaml.safe_load(text.replace("[a, b], '", "{a: b}, '"))))


@pytest.mark.parametrize("port, good, misspelt", [
    ("inputs: {Input", "{encoder: {type: ImageEncoder, size: [8, 8], color_space: Grayscale}}", "colour_space"),
    ("inputs: {Input", "{encoder: {type: TokensEncoder, vocabulary: [a, b], max_length: 4}}}\n"
                       "layers: {e: {type: EmbeddingLayer, output: 2, n: 4}, last: SequenceLastLayer", "max_len"),
    ("outputs: {Output", "{decoder: {type: ClassDecoder, labels: [cat, dog]}}", "label")])
def test_schema_knows_each_encoder_and_decoder_option_as_the_loader_does(port, good, misspelt):
    """The schema took any key inside an encoder or decoder (`colour_space:`, `label:`), which the loader refuses:
    an editor completed no coder option and flagged no misspelt one (found by QA writing specs from the README)."""
    validator = jsonschema.Draft202012Validator(spec_schema())
    layers = "" if "layers" in good else "layers: {a: [FlattenLayer, 2, SoftmaxLayer]}\n"
    text = f"netgraph: 1\n{layers}{port}: {good}}}\n"
    option = next(k for k in ("color_space", "max_length", "labels") if k in text)
    wrong = text.replace(f"{option}:", f"{misspelt}:")
    NetGraph.from_yaml(text)
    with pytest.raises(SpecError, match=f"has no option {misspelt!r}"):
        NetGraph.from_yaml(wrong)
    assert not list(validator.iter_errors(yaml.safe_load(text)))
    assert list(validator.iter_errors(yaml.safe_load(wrong))), wrong
