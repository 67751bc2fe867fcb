"""The README's main job: `netgraph run specs/normal_reparameterization.yaml` prints a draw and writes the SVG."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from netgraph.cli import main

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
