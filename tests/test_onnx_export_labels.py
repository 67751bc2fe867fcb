"""An exported classifier keeps its class labels: the model computes probabilities (the decoder's input) and takes
indices (the encoder's output); the labels that name them are in its metadata."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from netgraph import (ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, SoftmaxLayer, export_onnx,
                      import_onnx, net_initialize)
from tests.onnx_helpers import run_onnx


def test_class_labels_of_coded_ports_are_in_the_metadata(tmp_path):
    """The model computes the decoder's input (probabilities) and takes the encoder's output (indices); the labels
    that turn them into classes, lost before, are in ``metadata_props`` as ``netgraph_labels``."""
    net = net_initialize(NetChain([EmbeddingLayer(4), LinearLayer(3), SoftmaxLayer()], input=ClassEncoder(["x", "y"]),
                                  output=ClassDecoder(["a", "b", "c"])), seed=0)
    model = onnx.load(str(export_onnx(net, tmp_path / "m.onnx")))
    labels = json.loads({p.key: p.value for p in model.metadata_props}["netgraph_labels"])
    assert labels == {"Input": ["x", "y"], "Output": ["a", "b", "c"]}
    probabilities = run_onnx(tmp_path / "m.onnx", {"Input": torch.tensor([0, 1])})[0]
    assert [labels["Output"][i] for i in np.argmax(probabilities, -1)] == net(["x", "y"])


@pytest.mark.parametrize("encoding", ["Index", "UnitVector"])
def test_an_imported_classifier_decodes_to_the_same_labels(tmp_path, encoding):
    """``import_onnx`` puts the ``netgraph_labels`` back on the ports (they were lost before): the imported net
    encodes and decodes the labels as the exported one does."""
    first = EmbeddingLayer(4) if encoding == "Index" else LinearLayer(4)
    net = net_initialize(NetChain([first, LinearLayer(3), SoftmaxLayer()],
                                  input=ClassEncoder(["x", "y"], output=encoding),
                                  output=ClassDecoder(["a", "b", "c"])), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "m.onnx"))
    assert back.coders == net.coders
    words = ["x", "y", "y", "x"]
    assert back(words) == net(words)
    for got, want in zip(back(words, decoder="Probabilities"), net(words, decoder="Probabilities")):
        assert list(got) == ["a", "b", "c"] and np.allclose(list(got.values()), list(want.values()), rtol=1e-5)


def test_labels_that_do_not_fit_the_ports_are_left_out_with_a_warning(tmp_path):
    """Another tool's (or an edited model's) labels of another count than the port's classes: the net imports
    without that decoder, and a warning names the port."""
    net = net_initialize(NetChain([LinearLayer(3), SoftmaxLayer()], input=2, output=ClassDecoder(["a", "b", "c"])),
                         seed=0)
    model = onnx.load(str(export_onnx(net, tmp_path / "m.onnx")))
    entry = next(p for p in model.metadata_props if p.key == "netgraph_labels")
    entry.value = json.dumps({"Output": ["a", "b"]})
    onnx.save(model, str(tmp_path / "edited.onnx"))
    with pytest.warns(UserWarning, match="class labels or coders left out.*'Output'"):
        back = import_onnx(tmp_path / "edited.onnx")
    assert back.coders == {} and back.port_types["Output"] == net.port_types["Output"]


def _two_decoders(path, labels: dict) -> str:
    """A net of outputs A (3 classes) and B (2 classes) exported with ``labels`` as its ``netgraph_labels``."""
    from netgraph import NetGraph, NetPort
    net = net_initialize(NetGraph({"l1": LinearLayer(3), "s1": SoftmaxLayer(), "l2": LinearLayer(2),
                                   "s2": SoftmaxLayer()},
                                  [("l1", "s1"), ("l2", "s2"), (NetPort("Input"), "l2"), ("s1", NetPort("A")),
                                   ("s2", NetPort("B"))],
                                  Input=4, A=ClassDecoder(["a", "b", "c"]), B=ClassDecoder(["p", "q"])), seed=0)
    model = onnx.load(str(export_onnx(net, path)))
    next(p for p in model.metadata_props if p.key == "netgraph_labels").value = json.dumps(labels)
    onnx.save(model, str(path))
    return str(path)


def _caught(load, path) -> tuple:
    """(``load(path)``, the warnings it gave)."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        return load(path), caught


def test_one_ports_labels_that_do_not_fit_leave_the_other_ports_labels(tmp_path):
    # all coders were set at once: B's labels of 3 classes for 2 dropped A's labels too
    path = _two_decoders(tmp_path / "m.onnx", {"A": ["a", "b", "c"], "B": ["p", "q", "r"]})
    back, caught = _caught(import_onnx, path)
    assert back.coders == {"A": ClassDecoder(["a", "b", "c"])}
    assert len(caught) == 1 and "'B'" in str(caught[0].message) and "'A'" not in str(caught[0].message)


def test_labels_of_a_port_the_model_lacks_are_left_out_with_a_warning_naming_the_metadata(tmp_path):
    # they vanished without a word
    path = _two_decoders(tmp_path / "m.onnx", {"A": ["a", "b", "c"], "Nope": ["p", "q"]})
    back, caught = _caught(import_onnx, path)
    assert back.coders == {"A": ClassDecoder(["a", "b", "c"])}
    assert len(caught) == 1 and "netgraph_labels" in str(caught[0].message) and "'Nope'" in str(caught[0].message)


def test_the_labels_warning_names_the_users_line_from_import_onnx_and_from_the_cli_loader(tmp_path):
    # the CLI's loader calls import_model directly: a count of frames fixed for import_onnx named cli/export.py
    from netgraph.cli.export import export
    from netgraph.cli.parser import build_parser
    path = _two_decoders(tmp_path / "m.onnx", {"A": ["a", "b"]})
    args = build_parser().parse_args(["export", path, "-o", str(tmp_path / "again.onnx")])
    for load in (import_onnx, lambda _: export(args)):
        _, caught = _caught(load, path)
        assert [w.filename for w in caught if "class labels" in str(w.message)] == [__file__]


def test_the_command_line_prints_the_labels_warning_as_a_note(tmp_path, capsys):
    from netgraph.cli import main
    path = _two_decoders(tmp_path / "m.onnx", {"A": ["a", "b"]})
    assert main(["export", path, "-o", str(tmp_path / "again.onnx")]) == 0
    assert f"note: {path}: class labels or coders left out" in capsys.readouterr().err


def test_labels_that_all_fit_build_the_imported_net_once(tmp_path, monkeypatch):
    # each port's labels were tried on a net of their own, then all together: n + 1 builds of the whole net
    from netgraph.export import onnx_labels
    path = _two_decoders(tmp_path / "m.onnx", {"A": ["a", "b", "c"], "B": ["p", "q"]})
    builds = []
    real = onnx_labels.with_port_options
    monkeypatch.setattr(onnx_labels, "with_port_options", lambda *a: builds.append(1) or real(*a))
    back = import_onnx(path)
    assert back.coders == {"A": ClassDecoder(["a", "b", "c"]), "B": ClassDecoder(["p", "q"])}
    assert len(builds) == 1
