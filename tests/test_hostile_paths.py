"""Paths a user may get wrong (a NUL byte, a 300-character name, a symlink loop, a file where a folder should be,
a folder that cannot exist) are NetGraphErrors wherever netgraph reads or writes: checkpoints, resume, TensorBoard,
save/load, 'file:' references, diagrams, ONNX and the CLI, which exits 1 without a traceback."""

from __future__ import annotations

import contextlib
import io
import os

import pytest
import torch

from netgraph import (LinearLayer, NetChain, NetGraph, NetGraphError, OptionError, SpecError, export_onnx, load,
                      net_initialize, net_train, save)
from netgraph.cli import main

LONG = "x" * 300


def _net():
    return net_initialize(NetChain([LinearLayer(3)], input=4), seed=0)


def _bad_folders(tmp_path) -> list[str]:
    (tmp_path / "file").write_text("x")
    return ["/proc/netgraph-x", str(tmp_path / "file" / "x"), "a\x00b", str(tmp_path / LONG)]


def _loop(tmp_path) -> str:
    os.symlink(tmp_path / "loop1.yaml", tmp_path / "loop2.yaml")
    os.symlink(tmp_path / "loop2.yaml", tmp_path / "loop1.yaml")
    return str(tmp_path / "loop1.yaml")


def _train(**options):
    x = torch.rand(8, 4)
    return net_train(_net(), {"Input": x, "Target": x[:, :3]}, max_training_rounds=1, progress=False, **options)


def test_bad_checkpoint_folders_are_option_errors_before_training(tmp_path):
    for folder in _bad_folders(tmp_path):
        with pytest.raises(OptionError, match="checkpoint directory .* cannot be used as a folder"):
            _train(checkpoint=folder)
        with pytest.raises(OptionError, match="log_dir .* cannot be used as a folder"):
            _train(progress_reporting="tensorboard", log_dir=folder)


def test_bad_resume_paths_are_option_errors(tmp_path):
    for path in ["a\x00b", LONG, _loop(tmp_path), "/dev/null", str(tmp_path)]:
        with pytest.raises(OptionError):
            _train(resume=path)


def test_save_refuses_what_is_not_a_usable_path_and_leaves_nothing(tmp_path):  # a 256-byte name is too long
    for path in ["a\x00b.yaml", 3, None, str(tmp_path / ("q" * 251 + ".yaml")), *_bad_folders(tmp_path)]:
        with pytest.raises(SpecError):
            save(_net(), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_load_and_file_references_report_unusable_paths_at_the_reference(tmp_path):
    loop = _loop(tmp_path)
    for path in [loop, str(tmp_path / (LONG + ".yaml")), str(tmp_path / ("y/" * 3000 + "a.yaml"))]:
        with pytest.raises(SpecError, match="cannot read the spec"):
            load(path)
    for reference in ["loop1.yaml", '"a\\0b.yaml"', LONG + ".yaml", "y/" * 3000 + "a.yaml"]:
        (tmp_path / "s.yaml").write_text(f"netgraph: 1\nlayers:\n  inner: {{file: {reference}}}\ninputs: {{Input: 3}}\n")
        with pytest.raises(SpecError, match=r"s\.yaml:3:17: 'file:' names no readable path"):
            load(tmp_path / "s.yaml")


def test_an_unusable_arrays_path_is_a_spec_error_even_when_references_may_leave_the_folder():
    spec = 'netgraph: 1\narrays: "a\\0b"\nlayers: {a: Tanh}\ninputs: {Input: 3}\n'  # was a bare ValueError
    for allow_outside in (False, True):
        with pytest.raises(SpecError, match=r"<string>:2:9: .*(names no readable path|cannot read the arrays file)"):
            NetGraph.from_yaml(spec, allow_outside=allow_outside)


def test_onnx_and_diagram_outputs_that_cannot_be_written_are_netgraph_errors(tmp_path):
    for path in ["/proc/x.onnx", "a\x00b.onnx", LONG + ".onnx"]:
        with pytest.raises(NetGraphError, match="cannot write the ONNX model to"):
            export_onnx(_net(), path)
    with pytest.raises(NetGraphError, match="needs a file path .* found int"):  # refused before the export's work
        export_onnx(_net(), 3)
    for path in ["/proc/x.svg", "a\x00b.svg", LONG + ".svg"]:
        with pytest.raises(NetGraphError, match="cannot write the diagram to"):
            _net().render(path)


def _cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    return code, err.getvalue()


def test_the_cli_reports_unwritable_outputs_and_prints_surrogate_names(tmp_path):
    spec = tmp_path / "x.yaml"
    spec.write_text("netgraph: 1\nlayers: {a: {type: LinearLayer, output: 2}}\ninputs: {Input: 3}\n")
    for argv in (["render", str(spec), "-o", "a\x00b.svg"], ["export", str(spec), "-o", "a\x00b.onnx"],
                 ["export", str(spec), "-o", "/proc/x.onnx"], ["schema", "-o", "a\x00b"],
                 ["run", str(spec), "-o", LONG + ".svg"]):
        code, err = _cli(argv)
        assert code == 1 and f"netgraph {argv[0]}: " in err and "Traceback" not in err, (argv, err)
    surrogate = tmp_path / "sur.yaml"
    surrogate.write_text('netgraph: 1\nlayers:\n  "a\\ud800": Tanh\ninputs: {Input: 3}\n')
    for command in ("run", "render"):
        assert _cli([command, str(surrogate), "-o", str(tmp_path / f"{command}.svg")])[0] == 0
        assert "a\\ud800" in (tmp_path / f"{command}.svg").read_text(encoding="utf-8")


def test_save_to_an_empty_path_names_it_as_given():
    """Found by QA: save(net, "") said "save(net, '.') failed: '.' is not a regular file", and load("") "'.' is a
    folder", naming a path never given."""
    with pytest.raises(SpecError, match=r"^save needs a file path, found an empty one \(''\)"):
        save(_net(), "")
    with pytest.raises(SpecError, match=r"^load needs a file path, found an empty one \(''\)"):
        load("")


def _writers(tmp_path) -> dict:
    """Every public function that writes one file at a path the user gives."""
    results = net_train(_net(), {"Input": [[1.0] * 4] * 4, "Target": [[1.0] * 3] * 4}, max_training_rounds=1,
                        random_seed=0, progress=False, all=True)
    return {"render": lambda p: _net().render(p, backend="builtin"), "save": lambda p: save(_net(), p),
            "export_onnx": lambda p: export_onnx(_net(), p), "plot_losses": results.plot_losses}


@pytest.mark.parametrize("writer, name, error", [("render", "d.svg", OptionError), ("save", "m.yaml", SpecError),
                                                 ("export_onnx", "m.onnx", OptionError),
                                                 ("plot_losses", "l.svg", OptionError)])
def test_a_path_ending_with_a_separator_is_refused_by_every_writer(tmp_path, writer, name, error):
    """render("newdir.svg/") and save(net, "m.yaml/") wrote the file newdir.svg (m.yaml) and returned another path
    than given: ``Path`` drops the slash. Each writer refuses it as export_onnx and the CLI do, as the class of its
    other path errors (save's SpecError: ``except SpecError`` missed an OptionError)."""
    given, shown = f"{tmp_path}/{name}/", "" if writer == "plot_losses" else "net, "
    with pytest.raises(error, match=rf"{writer}\({shown}'.*/{name}/'\) names a folder \(it ends with '/'\): "
                                          rf"give a file path, e\.g\. '.*/{name}/") as info:
        _writers(tmp_path)[writer](given)
    assert (info.value.diagnostics[0].kind, info.value.diagnostics[0].found) == ("output-path", given)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("given", [b"m.yaml/", b"\xff/"])
def test_save_refuses_a_bytes_path_as_it_refuses_any_bytes_path(tmp_path, given):
    """save(net, b"m.yaml/") suggested 'm.yaml/model.yaml' (refused anyway: save takes no bytes), b"\xff/" shown as
    '\udcff/'; as any bytes path, each is a SpecError naming the bytes given."""
    with pytest.raises(SpecError, match=r"^save needs a file path, found b'") as info:
        save(_net(), os.path.join(os.fsencode(tmp_path), given))
    assert "model.yaml" not in str(info.value) and "udcff" not in str(info.value)
    assert list(tmp_path.iterdir()) == []
