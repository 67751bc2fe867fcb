"""A port's encoder or decoder with bad options: one problem per option, placed at that option's value (or key,
when the coder has no such option), with the option and the value found; coder messages list options as layers'."""

from __future__ import annotations

import json

from netgraph.cli import main

HEAD = "netgraph: 1\nlayers:\n  lin: {type: LinearLayer, output: 3}\nedges: [Input -> lin]\n"


def _problems(tmp_path, capsys, port):
    path = tmp_path / "spec.yaml"
    path.write_text(f"{HEAD}inputs: {{Input: {{encoder: {port}}}}}\n")
    assert main(["check", "--format", "json", str(path)]) == 1
    return json.loads(capsys.readouterr().out), path.read_text().splitlines()[4]


def test_each_bad_encoder_option_is_a_problem_at_its_value(tmp_path, capsys):
    found, row = _problems(tmp_path, capsys, "{type: ImageEncoder, size: [28, -28], color_space: Grayscal}")
    assert [(d["line"], d["column"], d["port"], d["option"], d["found"]) for d in found] == [
        (5, row.index("[28") + 1, "Input", "size", [28, -28]),  # the whole value: its message names it
        (5, row.index("Grayscal") + 1, "Input", "color_space", "Grayscal")]
    assert all(d["kind"] == "port-shape" for d in found)


def test_one_bad_encoder_option_names_its_option(tmp_path, capsys):
    found, row = _problems(tmp_path, capsys, "{type: ImageEncoder, size: [28, 28], color_space: Grayscal}")
    assert [(d["line"], d["column"], d["option"], d["found"]) for d in found] == [
        (5, row.index("Grayscal") + 1, "color_space", "Grayscal")]


def test_an_unknown_coder_option_is_placed_at_its_key_and_lists_options_as_layers_do(tmp_path, capsys):
    found, row = _problems(tmp_path, capsys, "{type: ClassEncoder, labels: [a, b], lables: [c]}")
    assert [(d["line"], d["column"], d["option"], d["found"]) for d in found] == [
        (5, row.index("lables") + 1, "lables", "lables")]
    assert "its options are labels, " in found[0]["message"] and "['" not in found[0]["message"]
