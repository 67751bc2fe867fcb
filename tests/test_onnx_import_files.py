"""import_onnx reads external data only from files inside the model's folder, whatever onnx's version does:
a location out of it (absolute, '..', or through a symlinked folder) is a SpecError before any byte is read."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
import torch

import onnx
from onnx import TensorProto, helper, numpy_helper

from netgraph import OptionError, SpecError, import_onnx, limits
from netgraph.export.onnx_files import default_opset
from tests.onnx_helpers import pinned_model

WEIGHTS = np.arange(16, dtype=np.float32).reshape(4, 4)


def _model(folder, location, span=(("length", str(WEIGHTS.nbytes)),)):
    """x @ W, W's data in the file ``location`` (relative to ``folder``, where the model is written) at ``span``
    (its external data's offset and length entries)."""
    w = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[4, 4], data_location=TensorProto.EXTERNAL)
    for key, value in (("location", location), *span):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 4])], [w])
    path = folder / "m.onnx"
    path.write_bytes(pinned_model(graph, 17).SerializeToString())
    return path


def _naive_loader(model, base_dir):
    """What onnx releases before 2026 do with a symlinked folder: join and read, following links."""
    for tensor in model.graph.initializer:
        if tensor.data_location == TensorProto.EXTERNAL:
            location = {e.key: e.value for e in tensor.external_data}["location"]
            with open(os.path.join(base_dir, location), "rb") as file:
                tensor.raw_data = file.read()
            tensor.data_location = TensorProto.DEFAULT
            del tensor.external_data[:]


@pytest.fixture
def layout(tmp_path):
    """A model folder, and a secret folder outside it that a symlink inside points to."""
    model, secret = tmp_path / "model", tmp_path / "secret"
    model.mkdir(), secret.mkdir()
    (secret / "w.bin").write_bytes(WEIGHTS.tobytes())
    (model / "inside.bin").write_bytes(WEIGHTS.tobytes())
    os.symlink(secret, model / "weights")
    os.symlink(secret / "w.bin", model / "link.bin")
    return model, secret


@pytest.mark.parametrize("location, why", [
    ("weights/w.bin", "leads out of the folder through a symlink"), ("link.bin", "out of the folder through a symlink"),
    ("../secret/w.bin", "out of the folder"), ("ABSOLUTE", "an absolute path"), ("nothing.bin", "not a regular file")])
def test_external_data_out_of_the_models_folder_is_refused_unread(layout, location, why, monkeypatch):
    # with an onnx that follows a symlinked folder (before 2026), the secret file was read as the weights
    model, secret = layout
    monkeypatch.setattr(onnx, "load_external_data_for_model", _naive_loader)
    path = _model(model, str(secret / "w.bin") if location == "ABSOLUTE" else location)
    with pytest.raises(SpecError, match=rf"tensor 'W' keeps its data in .*{why}.*inside the model's folder"):
        import_onnx(path)


@pytest.mark.parametrize("location, why", [
    ("w.bin\x00x", r"a path with a NUL byte"),  # realpath raised Python's "ValueError: embedded null byte"
    ("a" * 300, r"not a file that can be read \(File name too long\)"),
    ("/".join(["a" * 200] * 30) + "/w.bin", r"not a file that can be read \(File name too long\)"),
    ("sub", r"not a regular file there \(a folder, device or pipe\)"),
    ("sub/", r"not a regular file there \(a folder, device or pipe\)"), ("", "no location")],
    ids=["nul", "long-name", "long-path", "folder", "folder-slash", "empty"])
def test_a_location_the_os_cannot_take_is_refused_naming_the_tensor(layout, location, why):
    model, _ = layout
    (model / "sub").mkdir()
    with pytest.raises(SpecError, match=rf"tensor 'W' keeps its data in .*: {why}; external data is read") as info:
        import_onnx(_model(model, location))
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.port, diagnostic.found) == ("external-data", "W", location[:200])


@pytest.mark.parametrize("location, why", [
    ("\\inside.bin", "an absolute path"), ("\\\\server\\inside.bin", "an absolute path"),
    ("NUL", "a device name Windows reserves"), ("con.txt", "a device name Windows reserves"),
    ("sub/LPT3.bin", "a device name Windows reserves"), ("Aux .tar.gz", "a device name Windows reserves"),
    ("COM9", "a device name Windows reserves")])
def test_a_location_windows_reads_as_rooted_or_a_device_is_refused_on_any_os(layout, location, why):
    """Found in review: a location rooted with no drive ('\\w.bin': not absolute to ntpath from Python 3.13) or a
    device name (NUL, CON, COM1, ..., any extension) reads from outside the folder on Windows; a file of that name
    is written here, so that where it is not refused it imports."""
    model, _ = layout
    (model / "sub").mkdir()
    (model / location).write_bytes(WEIGHTS.tobytes())
    with pytest.raises(SpecError, match=rf"tensor 'W' keeps its data in .*: {why}") as info:
        import_onnx(_model(model, location))
    assert info.value.diagnostics[0].kind == "external-data"


def test_a_name_that_only_starts_like_a_device_imports(layout):
    model, _ = layout
    for location in ("console.bin", "COM10", "nul_weights.bin", "lpt.bin"):
        (model / location).write_bytes(WEIGHTS.tobytes())
        assert import_onnx(_model(model, location)) is not None


def test_external_data_inside_the_folder_imports(layout):
    model, _ = layout
    net = import_onnx(_model(model, "inside.bin"))
    x = torch.randn(3, 4)
    torch.testing.assert_close(net(x), x @ torch.from_numpy(WEIGHTS))


@pytest.mark.parametrize("field, value", [("offset", "abc"), ("length", "64 bytes"), ("offset", "-8"),
                                          ("length", "")])
def test_an_offset_or_length_that_is_no_byte_count_is_refused_naming_the_tensor_and_field(layout, field, value):
    """It was an 'unreadable-file' error in int()'s words ("invalid literal for int() with base 10: 'abc'"), or
    numpy's for a negative offset, naming no tensor."""
    model, _ = layout
    span = {"offset": "0", "length": str(WEIGHTS.nbytes), field: value}
    with pytest.raises(SpecError, match=rf"tensor 'W' keeps its data at {field} {value!r}, which is no byte count "
                                        rf"\(a whole number from 0\)") as info:
        import_onnx(_model(model, "inside.bin", tuple(span.items())))
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.port, diagnostic.option, diagnostic.found) == ("external-data", "W", field,
                                                                                       value)


def test_a_second_location_entry_is_the_one_checked_as_onnx_reads_the_last(layout, monkeypatch):
    """The check read the first 'location' entry, onnx (and _naive_loader) the last: a first entry inside the folder
    let the second lead out of it."""
    model, _ = layout
    monkeypatch.setattr(onnx, "load_external_data_for_model", _naive_loader)
    path = _model(model, "inside.bin", (("location", "../secret/w.bin"), ("length", str(WEIGHTS.nbytes))))
    with pytest.raises(SpecError, match=r"tensor 'W' keeps its data in '../secret/w.bin': an absolute path or a path "
                                        r"out of the folder"):
        import_onnx(path)


def test_a_last_location_inside_the_folder_is_the_one_read_after_a_first_out_of_it(layout):
    """With onnx's own loader: the check read the first 'location' entry and refused the model, which onnx reads from
    the last (here inside the folder; its weights differ from the secret's, so the output shows which was read)."""
    model, _ = layout
    (model / "inside.bin").write_bytes((WEIGHTS + 1).tobytes())
    net = import_onnx(_model(model, "../secret/w.bin", (("location", "inside.bin"), ("length", str(WEIGHTS.nbytes)))))
    x = torch.randn(3, 4)
    torch.testing.assert_close(net(x), x @ torch.from_numpy(WEIGHTS + 1))


def test_an_offset_and_length_inside_the_file_import(layout):
    model, _ = layout
    (model / "two.bin").write_bytes(b"\0" * 8 + WEIGHTS.tobytes())
    net = import_onnx(_model(model, "two.bin", (("offset", "8"), ("length", str(WEIGHTS.nbytes)))))
    x = torch.randn(3, 4)
    torch.testing.assert_close(net(x), x @ torch.from_numpy(WEIGHTS))


@pytest.mark.parametrize("path", ["/dev/zero", "FOLDER", "FIFO"])
def test_a_path_that_is_not_a_regular_file_is_refused_before_reading(path, tmp_path):
    # /dev/zero was read until memory ran out; a pipe blocked
    if path == "FIFO":
        os.mkfifo(tmp_path / "pipe.onnx")
    path = {"FOLDER": str(tmp_path), "FIFO": str(tmp_path / "pipe.onnx")}.get(path, path)
    with pytest.raises(SpecError, match=r"cannot read an ONNX model: it is not a regular file"):
        import_onnx(path)


def test_a_missing_model_file_is_said_in_words(tmp_path):
    """Found by QA: `netgraph render m.onnx` said "m.onnx: cannot read an ONNX model: [Errno 2] No such file or
    directory: 'm.onnx'", Python's words with the path twice."""
    path = str(tmp_path / "m.onnx")
    with pytest.raises(SpecError) as info:
        import_onnx(path)
    assert str(info.value) == f"{path}: cannot read an ONNX model: no such file"
    assert (info.value.diagnostics[0].kind, info.value.diagnostics[0].found) == ("unreadable-file", path)


def test_the_model_file_is_judged_on_the_opened_file_not_on_a_stat_of_its_name(layout, monkeypatch):
    # read_model stat'ed the name and then opened it: in between the file could become a pipe (a blocked read)
    model, _ = layout
    path, real_stat = _model(model, "inside.bin"), os.stat

    def no_stat_of_the_model(name, *args, **kwargs):
        assert not os.fspath(name).endswith(".onnx"), f"stat of {name} by name"
        return real_stat(name, *args, **kwargs)

    monkeypatch.setattr(os, "stat", no_stat_of_the_model)
    x = torch.randn(3, 4)
    torch.testing.assert_close(import_onnx(path)(x), x @ torch.from_numpy(WEIGHTS))


@pytest.mark.parametrize("path", [None, 3])
def test_a_path_of_another_type_is_an_option_error(path):
    with pytest.raises(OptionError, match=r"import_onnx needs a file path \(str or os.PathLike\), found"):
        import_onnx(path)


def test_a_bytes_path_with_external_data_imports(layout):
    # os.path.join mixed the bytes folder with the str location: a TypeError
    model, _ = layout
    net = import_onnx(os.fsencode(_model(model, "inside.bin")))
    x = torch.randn(3, 4)
    torch.testing.assert_close(net(x), x @ torch.from_numpy(WEIGHTS))


def test_a_models_bytes_given_as_the_path_are_an_option_error_not_a_message_of_bytes():
    # bytes are a path to os, so the model's contents were taken for one: a SpecError quoting every byte
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 4])],
                              [numpy_helper.from_array(WEIGHTS, "W")])
    contents = pinned_model(graph).SerializeToString()
    with pytest.raises(OptionError, match=r"found [\d,]+ bytes that are no path \(a model's contents\? write") as info:
        import_onnx(contents)
    assert len(str(info.value)) < 200


def _sparse_model(path, *, constant, dims=(4, 3), values=(1.0, 2.0), indices=(0, 5), location=None):
    """x (b, 4) @ W, W a sparse initializer or a Constant node's sparse_value (its values external at ``location``)."""
    vals = numpy_helper.from_array(np.array(values, np.float32), "W")
    if location is not None:
        vals.ClearField("float_data"), vals.ClearField("raw_data")
        vals.data_location = TensorProto.EXTERNAL
        vals.external_data.add(key="location", value=location)
    sparse = helper.make_sparse_tensor(vals, numpy_helper.from_array(np.array(indices, np.int64), "i"), list(dims))
    nodes = [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")]
    if constant:
        nodes.insert(0, helper.make_node("Constant", [], ["W"], sparse_value=sparse))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              sparse_initializer=[] if constant else [sparse])
    onnx.save(pinned_model(graph), str(path))
    return path


@pytest.mark.parametrize("constant", [False, True])
def test_a_sparse_weight_imports_as_its_dense_values(tmp_path, constant):
    # a sparse initializer was "read but defined by no initializer", a sparse Constant "a product of computed tensors"
    net = import_onnx(_sparse_model(tmp_path / "m.onnx", constant=constant))
    weights = np.zeros((4, 3), np.float32)
    weights.flat[[0, 5]] = [1.0, 2.0]
    x = torch.randn(2, 4, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(net(x), x @ torch.from_numpy(weights))


@pytest.mark.parametrize("constant", [False, True])
def test_a_sparse_weight_too_large_out_of_bounds_or_outside_the_folder_is_refused(tmp_path, constant):
    with pytest.raises(SpecError, match="sparse tensor 'W' of shape .* port_elements limit") as info:
        import_onnx(_sparse_model(tmp_path / "big.onnx", constant=constant, dims=(4, 1 << 40)))
    assert info.value.diagnostics[0].kind == "constant-too-large"
    with pytest.raises(SpecError, match="sparse tensor 'W': index 99 is out of bounds") as info:
        import_onnx(_sparse_model(tmp_path / "out.onnx", constant=constant, indices=(0, 99)))
    assert info.value.diagnostics[0].kind == "unreadable-initializer"
    (tmp_path / "folder").mkdir()
    with pytest.raises(SpecError, match=r"tensor 'W' keeps its data in '\.\./w\.bin'") as info:
        import_onnx(_sparse_model(tmp_path / "folder" / "ext.onnx", constant=constant, location="../w.bin"))
    assert info.value.diagnostics[0].kind == "external-data"


_GROWTH = (r"256 times the file's \d{3} bytes \(at least 16,777,216: a sparse tensor's dense form is rarely that much "
           r"larger; the sparse_growth limit, netgraph.limits\(sparse_growth=...\) raises it")


@pytest.mark.parametrize("count, length, weights_bytes, why, limit", [
    (1, 1 << 28, None, _GROWTH, 1 << 24),  # a 121-byte file, 1 GiB dense: the import took 5 GiB and 15 s
    (5, 1 << 28, None, _GROWTH, 1 << 24),  # 5 GiB dense, each within port_elements
    (2, 1 << 19, 2**20, r"the weights_bytes limit \(1,048,576; netgraph.limits\(weights_bytes", 1 << 20)])
def test_sparse_tensors_much_larger_dense_than_their_file_are_refused_before_any_is_made_dense(
        tmp_path, count, length, weights_bytes, why, limit):
    sparses = [helper.make_sparse_tensor(numpy_helper.from_array(np.array([1.0], np.float32), f"s{i}"),
                                         numpy_helper.from_array(np.array([0], np.int64), f"s{i}_i"), [length])
               for i in range(count)]
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 3])],
                              sparse_initializer=sparses)
    onnx.save(pinned_model(graph), str(tmp_path / "m.onnx"))
    start = time.process_time()
    with limits(**({"weights_bytes": weights_bytes} if weights_bytes else {})), \
            pytest.raises(SpecError, match=rf"sparse tensors \({count}\) hold {count * length * 4:,} bytes made dense, "
                                           rf"more than {why}") as info:
        import_onnx(tmp_path / "m.onnx")
    assert time.process_time() - start < 1.0
    diagnostic = info.value.diagnostics[0]
    assert (diagnostic.kind, diagnostic.found, diagnostic.expected) == ("constant-too-large", count * length * 4, limit)


@pytest.mark.parametrize("values, indices, why", [
    ((5.0,), ((-1, 0),), r"index \[-1, 0\] is out of bounds for shape \[4, 3\]"),  # numpy wrapped it to row 3
    ((5.0,), (-1,), r"index -1 is out of bounds"),
    ((5.0,), (12,), r"index 12 is out of bounds"),
    ((5.0,), ((4, 0),), r"index \[4, 0\] is out of bounds"),
    ((5.0, 7.0), ((0, 0), (0, 0)), "an index repeats"),  # the last value was kept
    ((5.0, 7.0), (1, 1), "an index repeats"),
    ((5.0,), (0, 1, 2), r"values of shape \[1\] and indices of shape \[3\], expected"),  # 5.0 broadcast to three
    ((5.0, 7.0), ((0, 0, 0), (1, 1, 1)),
     r"values of shape \[2\] and indices of shape \[2, 3\], expected values \(nnz,\) and indices \(nnz,\) or \(nnz, 2\)"),
])
def test_sparse_indices_out_of_bounds_repeated_or_not_matching_the_values_are_refused(tmp_path, values, indices,
                                                                                       why):
    with pytest.raises(SpecError, match=f"sparse tensor 'W': {why}") as info:
        import_onnx(_sparse_model(tmp_path / "m.onnx", constant=False, values=values, indices=indices))
    assert (info.value.diagnostics[0].kind, info.value.diagnostics[0].port) == ("unreadable-initializer", "W")


def test_sparse_indices_of_each_dim_place_their_values(tmp_path):
    net = import_onnx(_sparse_model(tmp_path / "m.onnx", constant=False, values=(1.0, 2.0), indices=((3, 2), (0, 1))))
    weights = np.zeros((4, 3), np.float32)
    weights[3, 2], weights[0, 1] = 1.0, 2.0
    torch.testing.assert_close(net(torch.eye(4)), torch.from_numpy(weights))


def test_a_pruned_weight_past_the_sparse_growth_limit_imports_when_the_limit_is_raised(tmp_path):
    """Found by review: nothing lifted the growth budget, so a legit pruned weight (240 KB file, 64 MiB dense) was
    refused with no hint."""
    path = _sparse_model(tmp_path / "m.onnx", constant=False, dims=(4, 1 << 22), values=(1.0, 2.0), indices=(0, 5))
    with pytest.raises(SpecError, match=r"limits\(sparse_growth=\.\.\.\) raises it") as info:
        import_onnx(path)
    assert info.value.diagnostics[0].hint == "netgraph.limits(sparse_growth=...) raises it (command line: " \
                                             "--limit sparse_growth=N)"
    with limits(sparse_growth=2**20):
        net = import_onnx(path)
    found = net(torch.eye(4))
    assert found.shape == (4, 1 << 22) and found[0, 0] == 1.0 and found[0, 5] == 2.0 and found.count_nonzero() == 2


@pytest.mark.parametrize("what", ["opset", "IR version"])
def test_a_version_newer_than_onnx_knows_is_refused_naming_it_and_the_newest(what, tmp_path):
    """An opset or IR version past the installed onnx's imported silently (as the newest known) and ran, though
    what its ops compute there is unknown and onnxruntime refuses such a model."""
    x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, ["b", 4]) for n in "xy")
    model = pinned_model(helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y]), 21)
    import_onnx(_saved(model, tmp_path / "ok.onnx"))  # the pinned versions import
    newest = onnx.defs.onnx_opset_version() if what == "opset" else onnx.IR_VERSION
    if what == "opset":
        model.opset_import[0].version = newest + 1
    else:
        model.ir_version = newest + 1
    with pytest.raises(SpecError, match=rf"new\.onnx: its {what} {newest + 1} is newer than the newest the installed "
                                        rf"onnx .* knows \({newest}\)") as info:
        import_onnx(_saved(model, tmp_path / "new.onnx"))
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.found, problem.expected) == ("newer-onnx-version", newest + 1, newest)
    advice = str(info.value)  # an IR version's advice is about the writer, not about ops or opsets
    if what == "opset":
        assert "what its ops compute" in advice and f"at opset {newest} or lower" in advice
    else:
        assert f"IR version {newest} or lower" in advice and "opset" not in advice.split("knows")[1]


def _saved(model, path):
    onnx.save(model, str(path))
    return path


def test_default_opset_is_the_default_domain_s_whatever_the_other_domains_and_its_spelling():
    """The importer and the newer-version check read the model's opset through one helper."""
    graph = helper.make_graph([], "g", [], [])
    assert default_opset(pinned_model(graph, 11, ("com.microsoft", 1))) == 11
    model = pinned_model(graph, 12)
    model.opset_import[0].domain = "ai.onnx"  # the default domain's other name
    assert default_opset(model) == 12
    del model.opset_import[:]
    model.opset_import.append(helper.make_opsetid("ai.onnx.ml", 3))
    assert default_opset(model) is None
