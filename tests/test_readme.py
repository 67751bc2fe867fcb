"""The README's Python examples run, in order, as a user would paste them (in a scratch folder)."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


@pytest.mark.slow
def test_readme_python_examples_run(tmp_path, monkeypatch, capsys):
    assert len(BLOCKS) >= 15
    (tmp_path / "specs").symlink_to(ROOT / "specs")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    _run_blocks(namespace)  # the layer types it registers are forgotten after the test (conftest)
    assert (tmp_path / "seed.svg").exists() and len(list(tmp_path.glob("vae_trained.*.safetensors"))) == 1
    assert os.path.isdir(tmp_path / "ckpt")


def _run_blocks(namespace: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. the one-time note naming the diagram backend
        for i, block in enumerate(BLOCKS):
            try:
                exec(compile(block, f"<README.md python block {i + 1}>", "exec"), namespace)  # our own docs
            except Exception as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"README python block {i + 1} failed: {type(exc).__name__}: {exc}\n{block}")


def test_every_spec_the_readme_names_exists():
    """The `netgraph train` example named specs/mlp.yaml, which the repository does not have."""
    named = set(re.findall(r"\bspecs/[\w.-]+\.yaml\b", (ROOT / "README.md").read_text(encoding="utf-8")))
    assert len(named) >= 5 and not {name for name in named if not (ROOT / name).is_file()}
