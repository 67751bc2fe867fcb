"""The command line with files that are broken, or in the way: one clear message, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnx
import pytest
from safetensors.numpy import save_file

import netgraph.cli.export as cli_export
from netgraph.core.errors import DataError
from netgraph.data import image_folder
from netgraph.train import load_data
from tests.cli_runner import SMALL


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
    ("bad.safetensors", lambda npz, st: b"\x10" + b"\x00" * 7 + b'{"a":1}        ', "not a valid .safetensors"),
    ("cut.safetensors", lambda npz, st: st[:-5], "not a valid .safetensors"),
])
def test_a_corrupt_or_empty_data_file_is_one_data_error_naming_it(cli, tmp_path, name, content, problem):
    """A truncated .npz gave zipfile.BadZipFile, an empty one EOFError, a bad .safetensors SafetensorError."""
    (tmp_path / name).write_bytes(content(*_good(tmp_path)))
    with pytest.raises(DataError, match=problem) as info:
        load_data(tmp_path / name)
    assert name in str(info.value)
    ran = cli("train", cli.spec(), "--data", tmp_path / name, "-o", tmp_path / "out", "--rounds", "1", "--quiet")
    err = ran.err
    assert ran.code == 1 and err.count("\n") == 1 and f"cannot read data file {str(tmp_path / name)!r}" in err
    assert problem in err and not (tmp_path / "out").exists()


def test_export_refuses_to_overwrite_its_input_and_a_reexport_keeps_the_name(cli, tmp_path):
    """`export model.onnx` (default output <stem>.onnx here) and `export spec.yaml -o spec.yaml` replaced the input."""
    cli.spec("name: Tiny\n" + SMALL, "spec.yaml")
    assert cli("export", "spec.yaml", "-o", "model.onnx").code == 0
    spec, model = (tmp_path / "spec.yaml").read_bytes(), (tmp_path / "model.onnx").read_bytes()
    (tmp_path / "link.onnx").symlink_to(tmp_path / "model.onnx")
    for argv in (["model.onnx"], ["spec.yaml", "-o", "spec.yaml"], ["model.onnx", "-o", "link.onnx"],
                 ["spec.yaml", "-o", str(tmp_path / "spec.yaml")]):
        ran = cli("export", *argv)
        assert ran.code == 1, argv
        assert "is the input file" in ran.err and "give another output path" in ran.err and ran.err.count("\n") == 1
    assert (tmp_path / "spec.yaml").read_bytes() == spec and (tmp_path / "model.onnx").read_bytes() == model
    assert cli("export", "model.onnx", "-o", "again.onnx").code == 0  # a re-export keeps the model's name
    assert {p.key: p.value for p in onnx.load(tmp_path / "again.onnx").metadata_props}["name"] == "Tiny"


def test_export_checks_the_output_folder_before_any_work(cli, tmp_path, monkeypatch):
    """`export spec.yaml -o missing/m.onnx` loaded, initialised and exported the net, then failed to write ('No such
    file or directory'); render, run and schema check their -o first and name the missing folder."""
    spec = cli.spec(name="spec.yaml")
    monkeypatch.setattr(cli_export, "load_with_header", lambda path: pytest.fail("the spec was loaded"))
    for out, problem in ((tmp_path / "missing" / "m.onnx", "folder '" + str(tmp_path / "missing") + "' does not exist"),
                         (tmp_path, "it is a folder; give a file name")):
        ran = cli("export", spec, "-o", out)
        assert (ran.code, ran.err) == (1, f"netgraph export: cannot write the ONNX model to {str(out)!r}: {problem}\n")


def test_export_and_train_read_an_onnx_model_once(cli, tmp_path, monkeypatch):
    """`export model.onnx` and `train model.onnx` read the model twice: import_onnx, then the header (its name and
    description, which the output keeps)."""
    cli.spec("name: Tiny\ndescription: one layer\n" + SMALL, "spec.yaml")
    assert cli("export", "spec.yaml", "-o", "model.onnx").code == 0
    _good(tmp_path)
    reads, opened = [], os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: (reads.append(path) if str(path).endswith("model.onnx")
                                                            else None) or opened(path, *a, **k))
    assert cli("export", "model.onnx", "-o", "again.onnx").code == 0
    assert len(reads) == 1
    meta = {p.key: p.value for p in onnx.load(tmp_path / "again.onnx").metadata_props}
    assert (meta["name"], meta["description"]) == ("Tiny", "one layer")
    assert cli("train", "model.onnx", "--data", "good.npz", "--rounds", "1", "--quiet", "-o", "out").code == 0
    assert len(reads) == 2 and (tmp_path / "out" / "model.yaml").read_text().count("name: Tiny\n") == 1


def test_render_and_run_refuse_to_overwrite_their_input(cli, tmp_path):
    """`render spec.yaml -o spec.yaml -f svg` (or a model.onnx) replaced the input with the diagram, exit 0."""
    cli.spec(name="spec.yaml")
    assert cli("export", "spec.yaml", "-o", "model.onnx").code == 0
    cli.spec(name="spec.svg")  # a spec whose name ends in .svg: its default diagram is itself
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for argv in (["render", "spec.yaml", "-o", "spec.yaml", "-f", "svg"], ["render", "model.onnx", "-o",
                 str(tmp_path / "model.onnx"), "-f", "png"], ["run", "spec.svg"], ["render", "spec.svg"]):
        ran = cli(*argv)
        assert ran.code == 1, argv
        assert "is the input file" in ran.err and "give another output path" in ran.err and ran.err.count("\n") == 1
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize("argv, name", [(["render", "spec.yaml", "-o", "new/", "-f", "svg"], "spec.svg"),
                                        (["run", "spec.yaml", "-o", "new/"], "spec.svg"),
                                        (["export", "spec.yaml", "-o", "new/"], "spec.onnx"),
                                        (["schema", "-o", "new/"], "netgraph.spec.schema.json")])
def test_an_output_ending_in_a_slash_is_refused_as_a_folder_name(cli, tmp_path, argv, name):
    """`-o new/` wrote a file named 'new' (Path drops the slash), exit 0."""
    cli.spec(name="spec.yaml")
    ran = cli(*argv)
    err = ran.err
    assert ran.code == 1 and "-o 'new/' names a folder" in err and f"-o new/{name}" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


@pytest.mark.parametrize("argv, name", [(["render", "spec.yaml", "-o", "-", "-f", "svg"], "spec.svg"),
                                        (["run", "spec.yaml", "-o", "-"], "spec.svg"),
                                        (["export", "spec.yaml", "-o", "-"], "spec.onnx"),
                                        (["schema", "-o", "-"], "netgraph.spec.schema.json")])
def test_an_output_of_a_dash_is_refused_not_written_as_a_file(cli, tmp_path, argv, name):
    """`render -o - -f svg` wrote a file named '-' (exit 0); `run -o -` asked for a suffix."""
    cli.spec(name="spec.yaml")
    captured = cli(*argv)
    assert captured.code == 1
    assert f"-o -: -o writes a file, not stdout (this would make a file named '-'); give a file name, e.g. -o {name}" \
        in captured.err and captured.err.count("\n") == 1 and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


@pytest.mark.parametrize("argv, name", [(["render", "spec.yaml", "-o", "", "-f", "svg"], "spec.svg"),
                                        (["render", "spec.yaml", "-o", " "], "spec.svg"),
                                        (["run", "spec.yaml", "-o", ""], "spec.svg"),
                                        (["export", "spec.yaml", "-o", ""], "spec.onnx"),
                                        (["schema", "-o", ""], "netgraph.spec.schema.json")])
def test_an_empty_output_is_refused(cli, tmp_path, argv, name):
    """`-o ""` (as `-o "$OUT"` with OUT unset gives) wrote the default file (render, run, export) or printed the
    schema, exit 0, as if no -o had been given."""
    cli.spec(name="spec.yaml")
    captured = cli(*argv)
    assert captured.code == 1
    assert f"-o {argv[argv.index('-o') + 1]!r} is empty; give a file name, e.g. -o {name}" in captured.err
    assert captured.err.count("\n") == 1 and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_a_device_or_pipe_given_as_data_is_named_as_such(cli, tmp_path):
    """`--data /dev/zero` (or a fifo) said 'no data file or image folder', though the path exists."""
    cli.spec()
    os.mkfifo(tmp_path / "pipe.npz")
    for data in ("/dev/zero", str(tmp_path / "pipe.npz")):
        ran = cli("train", "s.yaml", "--data", data, "-o", "o", "--quiet")
        assert ran.code == 1 and f"data {data!r} is not a regular file (a device or pipe)" in ran.err
        assert ran.err.count("\n") == 1


def test_train_refuses_an_output_folder_where_the_trained_spec_would_replace_the_spec(cli, tmp_path):
    ran = cli("train", cli.spec(), "--data", cli.data(), "-o", tmp_path, "--rounds", "1", "--quiet")
    assert ran.code == 1 and "the trained spec" in ran.err and (tmp_path / "s.yaml").read_text() == SMALL


def test_train_takes_an_onnx_model_as_the_other_commands_do(cli, tmp_path):
    """`train model.onnx` read the protobuf as YAML: 'model.onnx:1:1: ... utf-8 codec can't decode'."""
    assert cli("export", cli.spec("name: Tiny\n" + SMALL), "-o", "model.onnx").code == 0
    ran = cli("train", "model.onnx", "--data", cli.data(), "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 0 and "wrote" in ran.out
    assert "name: Tiny" in (tmp_path / "out" / "model.yaml").read_text()  # the model's name, kept


def test_schema_output_errors_name_the_path_given(cli, tmp_path):
    """They named atomic_write's hidden temporary ('/nonexistent/.s.json.<hex>.tmp') and showed '[Errno 22]'."""
    for target, reason in ((tmp_path / "missing" / "s.json", "does not exist"), (tmp_path, "it is a folder")):
        ran = cli("schema", "-o", target)
        err = ran.err
        assert ran.code == 1 and f"cannot write the schema to {str(target)!r}" in err and reason in err
        assert ".tmp" not in err and "Errno" not in err


def test_atomic_write_names_the_target_when_its_temporary_cannot_be_created(tmp_path):
    from netgraph.core.files import atomic_write
    with pytest.raises(OSError) as info:
        atomic_write(tmp_path / "missing" / "m.onnx", b"x")
    assert info.value.filename == str(tmp_path / "missing" / "m.onnx")


def test_a_broken_jsonl_record_is_reported_at_its_line_of_the_file(cli, tmp_path):
    """A broken 4th record was reported at 'line 1 column 14' (json's position inside the record)."""
    lines = ['{"text": "a", "label": "x"}', "", '{"text": "b", "label": "y"}', '{"text": "d" "label": "y"}']
    (tmp_path / "l4.jsonl").write_text("\n".join(lines) + "\n")
    ran = cli("train", cli.spec(), "--data", tmp_path / "l4.jsonl", "-o", "o", "--rounds", "1", "--quiet")
    err = ran.err
    assert ran.code == 1 and f"{tmp_path / 'l4.jsonl'}:4:14: " in err and "Expecting ',' delimiter" in err
    assert "text_table" not in err


def test_the_name_and_description_a_command_writes_on_are_read_as_the_loader_reads_them(tmp_path):
    """spec_header used yaml.safe_load (YAML 1.1): 'name: NO' became False (so no name), '1:30' became 90."""
    from netgraph.cli.header import spec_header
    spec = tmp_path / "net.yaml"
    spec.write_text("netgraph: 1\nname: NO\ndescription: 1:30\nlayers: [Tanh]\ninputs: {Input: 2}\n")
    assert spec_header(spec) == ("NO", "1:30")
    spec.write_text("netgraph: 1\nname: [unclosed\n")
    assert spec_header(spec) == (None, None)  # a broken spec: the loader reports it, with file:line:col


@pytest.mark.parametrize("flag", ["--data", "--validation"])
def test_a_missing_data_file_names_the_flag_that_gave_it(cli, flag):
    """--data and --validation both said "no data file or image folder 'x.npz'": with both given, which was it?"""
    files = {"--data": cli.data(), "--validation": cli.data(), flag: "missing.npz"}
    ran = cli("train", cli.spec(), *[a for k, v in files.items() for a in (k, v)], "-o", "out", "--rounds", "1",
              "--quiet")
    assert (ran.code, ran.err) == (1, f"netgraph train: {flag}: no data file or image folder 'missing.npz'\n")


@pytest.mark.parametrize("output, suggestion", [("other.yaml", "other.onnx"), ("model", "model.onnx"),
                                                ("w.safetensors", "w.onnx"), ("model.yml", "model.onnx")])
def test_export_refuses_an_output_that_is_not_an_onnx_file(cli, tmp_path, output, suggestion):
    """`export spec.yaml -o other.yaml` wrote ONNX bytes into other.yaml (exit 0): load or check then read it as YAML."""
    cli.spec(name="spec.yaml")
    ran = cli("export", "spec.yaml", "-o", output)
    err = ran.err
    assert ran.code == 1
    assert (f"-o {output!r}: export writes an ONNX model, whose file name must end in .onnx (the other commands "
            f"tell a model from a spec by it); e.g. -o {suggestion}") in err
    assert err.count("\n") == 1 and sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]
    assert cli("export", "spec.yaml", "-o", "Model.ONNX").code == 0  # the suffix's case is the user's


@pytest.mark.parametrize("flag", ["--data", "--validation"])
def test_a_csv_header_without_the_columns_tells_a_command_line_user_what_to_change(cli, tmp_path, flag):
    """The hint was Python's ("name the columns to read with text_table(path, text=..., label=...)"), which a user of
    netgraph train cannot follow: the command line reads the columns 'text' and 'label', so it asks to rename them."""
    (tmp_path / "good.csv").write_text("text,label\na,x\nb,y\n")
    (tmp_path / "bad.csv").write_text("review,sentiment\na,x\nb,y\n")
    files = {"--data": "good.csv", "--validation": "good.csv", flag: "bad.csv"}
    ran = cli("train", cli.spec(), *[a for k, v in files.items() for a in (k, v)], "-o", "o", "--quiet")
    err = ran.err
    assert ran.code == 1 and f"{flag}: " in err and "its columns are ['review', 'sentiment']" in err
    assert "text_table" not in err
    assert "rename the header row's columns to 'text' and 'label', which the command line reads" in err
    with pytest.raises(DataError, match=r"text_table\(path, text=\.\.\., label=\.\.\.\)"):  # Python keeps its hint
        load_data(tmp_path / "bad.csv")


def test_a_csv_of_numbers_is_told_that_a_table_holds_texts_and_numbers_go_in_an_npz(cli, tmp_path):
    """A CSV of numeric features (the usual table) for a net without a text encoder was told only to rename its
    header to 'text' and 'label', as if a text table were meant."""
    (tmp_path / "num.csv").write_text("a,b,c,label\n1,2,3,0\n4,5,6,1\n")
    ran = cli("train", cli.spec(), "--data", "num.csv", "-o", "o", "--quiet")
    assert ran.code == 1 and "its columns are ['a', 'b', 'c', 'label']" in ran.err
    assert ran.err.endswith("; a table holds texts and labels, for a net with a TokensEncoder or CharactersEncoder "
                            "on its input: numbers go in an .npz or .safetensors file, e.g. np.savez(path, "
                            "Input=x, Target=y)\n"), ran.err


def test_a_folder_without_images_is_named_without_python_s_function_name(cli, tmp_path):
    """`--data folder/` said "--data: image_folder: 'folder' holds no images", naming a Python function the command
    line user never called; Python's image_folder keeps its name."""
    (tmp_path / "images" / "cat").mkdir(parents=True)
    ran = cli("train", cli.spec(), "--data", "images", "-o", "out", "--quiet")
    assert ran.code == 1 and "--data: 'images' holds no images in sub-folders" in ran.err
    assert "image_folder" not in ran.err
    with pytest.raises(DataError, match="image_folder: 'images' holds no images"):
        image_folder("images")


def test_a_csv_header_typo_is_named_with_the_column_it_likely_means(cli, tmp_path):
    """A header 'txet,label' was told only "no column 'text' (its columns are ['txet', 'label'])", leaving the user
    to spot the swapped letters; the column that looks like a typo is named with the one it likely means."""
    (tmp_path / "t.csv").write_text("txet,lable\na,x\nb,y\n")
    ran = cli("train", cli.spec(), "--data", "t.csv", "-o", "o", "--quiet")
    assert ran.code == 1 and "column 'txet' (did you mean 'text'?)" in ran.err
    assert "column 'lable' (did you mean 'label'?)" in ran.err
    (tmp_path / "u.csv").write_text("review,label\na,x\n")  # nothing close: no guess
    assert "did you mean" not in cli("train", cli.spec(), "--data", "u.csv", "-o", "o", "--quiet").err
    with pytest.raises(DataError, match=r"column 'txet' \(did you mean 'text'\?\)"):
        load_data(tmp_path / "t.csv")


def _image_folder_with_strays(root):
    """Two labels of one PNG each, plus a note, a .heic photo, a hidden file and a nested folder of images."""
    from PIL import Image
    for label in ("cat", "dog"):
        (root / label).mkdir(parents=True)
        Image.new("L", (4, 4), 128).save(root / label / "a.png")
    (root / "cat" / "notes.txt").write_text("x")
    (root / "dog" / "b.heic").write_bytes(b"x")
    (root / "dog" / ".DS_Store").write_bytes(b"x")  # a system file: not worth a word
    (root / "cat" / "more").mkdir()
    Image.new("L", (4, 4), 128).save(root / "cat" / "more" / "c.png")


def test_an_image_folder_says_once_what_it_skipped(tmp_path):
    """Files of other suffixes and images in nested folders were skipped without a word: a folder of .heic photos
    trained on the few .jpg beside them. Skipped still, but said once."""
    from netgraph import image_folder
    _image_folder_with_strays(tmp_path / "images")
    with pytest.warns(UserWarning) as caught:
        examples = image_folder(tmp_path / "images")
    assert len(examples) == 2 and len(caught) == 1
    note = str(caught[0].message)
    assert "skipped 2 files that are not images" in note and "'cat/notes.txt'" in note
    assert "did not read 1 nested folder" in note and "'cat/more'" in note


def test_the_command_line_notes_what_an_image_folder_skipped(cli, tmp_path):
    _image_folder_with_strays(tmp_path / "images")
    cli.spec("netgraph: 1\ntype: NetChain\nlayers: [{type: LinearLayer, output: 2}, SoftmaxLayer]\n"
             "inputs: {Input: {encoder: {type: ImageEncoder, size: [4, 4], color_space: Grayscale}}}\n"
             "outputs: {Output: {decoder: {type: ClassDecoder, labels: [cat, dog]}}}\n")
    ran = cli("train", "s.yaml", "--data", "images", "-o", "out", "--quiet", "--rounds", "1")
    assert ran.code == 0, ran.err
    assert ran.err.count("note: ") == 1 and "skipped 2 files that are not images" in ran.err


def test_train_refuses_to_write_its_trained_spec_over_a_spec_file_its_input_reads(cli, tmp_path):
    """Found by QA: `train block.yaml -o parts`, where block.yaml names `file: parts/block.yaml`, replaced that part
    with the trained net (exit 0), so block.yaml no longer loaded."""
    (tmp_path / "parts").mkdir()
    part = cli.spec("netgraph: 1\nlayers: {h: {type: LinearLayer, output: 1}}\ninputs: {Input: [3]}\n",
                    "parts/block.yaml")
    cli.spec("netgraph: 1\nlayers: {inner: {file: parts/block.yaml}}\n", "block.yaml")
    cli.data()
    before = part.read_bytes()
    ran = cli("train", "block.yaml", "--data", "d.npz", "--rounds", "1", "--quiet", "-o", "parts")
    assert ran.code == 1 and ran.err.startswith("netgraph train: -o: the trained spec"), ran.err
    assert "is the input file 'parts/block.yaml'" in ran.err and "give another output path" in ran.err
    assert part.read_bytes() == before and sorted(p.name for p in (tmp_path / "parts").iterdir()) == ["block.yaml"]
    assert cli("train", "block.yaml", "--data", "d.npz", "--rounds", "1", "--quiet", "-o", "out").code == 0


def test_train_into_an_earlier_output_reads_the_spec_once(cli, tmp_path, monkeypatch):
    """Found by QA: rerunning `train s.yaml -o out` (out/s.yaml there) loaded the spec a second time to list the
    files its `file:` parts come from; one load gives both."""
    import netgraph.spec.api as api
    cli.spec()
    cli.data()
    assert cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--quiet").code == 0
    loads = []
    real = api.load_spec
    monkeypatch.setattr(api, "load_spec", lambda *a, **k: loads.append(a[0]) or real(*a, **k))
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--quiet")
    assert ran.code == 0, ran.err
    assert loads == [Path("s.yaml")]


def test_a_mistyped_data_file_names_the_data_file_beside_it_meant(cli):
    """`--data dat.npz` beside data.npz said only 'no data file': the file meant is named, as a mistyped spec's is."""
    cli.data(name="data.npz"), cli.spec()
    for typed in ("dat.npz", "data.npy", "Data.npz"):
        ran = cli("train", "s.yaml", "--data", typed, "-o", "out", "--rounds", "1", "--quiet")
        assert (ran.code, ran.err) == (1, f"netgraph train: --data: no data file or image folder {typed!r} (did you "
                                          f"mean 'data.npz'?)\n")


def test_schema_refuses_to_replace_a_spec(cli, tmp_path):
    """`schema -o s.yaml` silently replaced the spec s.yaml with the JSON Schema; a schema file is still replaced."""
    spec = tmp_path / "s.yaml"
    spec.write_text("netgraph: 1\nlayers: [Tanh]\n")
    ran = cli("schema", "-o", spec)
    assert ran.code == 1 and f"-o {str(spec)!r} is a netgraph spec" in ran.err and "Traceback" not in ran.err
    assert spec.read_text() == "netgraph: 1\nlayers: [Tanh]\n"
    schema_file = tmp_path / "s.json"
    schema_file.write_text("{}\n")
    assert cli("schema", "-o", schema_file).code == 0 and json.loads(schema_file.read_text())["$schema"]
