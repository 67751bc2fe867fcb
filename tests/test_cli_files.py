"""The command line with files that are broken, or in the way: one clear message, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest
from safetensors.numpy import save_file

from netgraph.cli import main
from netgraph.core.errors import DataError
from netgraph.train import load_data

SMALL = """\
netgraph: 1
type: NetChain
layers: {h: {type: LinearLayer, output: 1}}
inputs: {Input: [3]}
"""


def _good(tmp_path):
    x = np.ones((8, 3), "f4")
    np.savez(tmp_path / "good.npz", Input=x, Target=x[:, :1])
    save_file({"Input": x, "Target": x[:, :1]}, str(tmp_path / "good.safetensors"))
    return (tmp_path / "good.npz").read_bytes(), (tmp_path / "good.safetensors").read_bytes()


@pytest.mark.parametrize("name, content, problem", [
    ("truncated.npz", lambda npz, st: npz[:100], "truncated or corrupt .npz"),
    ("cut.npz", lambda npz, st: npz[:-30], "truncated or corrupt .npz"),
    ("empty.npz", lambda npz, st: b"", "the file is empty"),
    ("text.npz", lambda npz, st: b"Input,Target\n1,2\n", "not a .npz archive"),
    ("empty.safetensors", lambda npz, st: b"", "the file is empty"),
    ("bad.safetensors", lambda npz, st: b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}        ", "not a valid .safetensors"),
    ("cut.safetensors", lambda npz, st: st[:-5], "not a valid .safetensors"),
])
def test_a_corrupt_or_empty_data_file_is_one_data_error_naming_it(tmp_path, capsys, name, content, problem):
    """A truncated .npz gave zipfile.BadZipFile, an empty one EOFError, a bad .safetensors SafetensorError."""
    (tmp_path / name).write_bytes(content(*_good(tmp_path)))
    with pytest.raises(DataError, match=problem) as info:
        load_data(tmp_path / name)
    assert name in str(info.value)
    (tmp_path / "s.yaml").write_text(SMALL)
    code = main(["train", str(tmp_path / "s.yaml"), "--data", str(tmp_path / name), "-o", str(tmp_path / "out"),
                 "--rounds", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and f"cannot read data file {str(tmp_path / name)!r}" in err
    assert problem in err and not (tmp_path / "out").exists()


def test_export_refuses_to_overwrite_its_input_and_a_reexport_keeps_the_name(tmp_path, capsys, monkeypatch):
    """`export model.onnx` (default output <stem>.onnx here) and `export spec.yaml -o spec.yaml` replaced the input."""
    pytest.importorskip("onnx")
    import onnx
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text("name: Tiny\n" + SMALL)
    assert main(["export", "spec.yaml", "-o", "model.onnx"]) == 0
    spec, model = (tmp_path / "spec.yaml").read_bytes(), (tmp_path / "model.onnx").read_bytes()
    (tmp_path / "link.onnx").symlink_to(tmp_path / "model.onnx")
    for argv in (["model.onnx"], ["spec.yaml", "-o", "spec.yaml"], ["model.onnx", "-o", "link.onnx"],
                 ["spec.yaml", "-o", str(tmp_path / "spec.yaml")]):
        capsys.readouterr()
        assert main(["export", *argv]) == 1, argv
        err = capsys.readouterr().err
        assert "is the input file" in err and "give another output path" in err and err.count("\n") == 1
    assert (tmp_path / "spec.yaml").read_bytes() == spec and (tmp_path / "model.onnx").read_bytes() == model
    assert main(["export", "model.onnx", "-o", "again.onnx"]) == 0  # a re-export keeps the model's name
    assert {p.key: p.value for p in onnx.load(tmp_path / "again.onnx").metadata_props}["name"] == "Tiny"


def test_train_refuses_an_output_folder_where_the_trained_spec_would_replace_the_spec(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text(SMALL)
    _good(tmp_path)
    assert main(["train", str(tmp_path / "s.yaml"), "--data", str(tmp_path / "good.npz"), "-o", str(tmp_path),
                 "--rounds", "1", "--quiet"]) == 1
    assert "the trained spec" in capsys.readouterr().err and (tmp_path / "s.yaml").read_text() == SMALL
