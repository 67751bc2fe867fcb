"""import_onnx of small models as users write them in torch (``tests/torch_models.py``), exported by plain
``torch.onnx.export``: the TorchScript exporter (``dynamo=False``) at opsets 17 and 18, and the dynamo one
(torch 2.13's default) for those whose export it writes differently. Each imported net computes what the module
computes in eval mode, at another batch size (and another length where the export made one dynamic), and the
command line draws it."""

from __future__ import annotations

import warnings

import pytest
import torch

from netgraph import SpecError, import_onnx
from tests.onnx_helpers import quiet_exporter
from tests.torch_models import MODELS, Model, built, example_inputs

#: models whose dynamo export differs from the TorchScript one in what the import must recognise (the others
#: write the same ops, or are covered by tests/test_onnx_import_dynamo.py); each such export takes 1-3 s of CPU
DYNAMO = ("self_attention", "causal_self_attention", "sentence_mean")
#: exported with only the batch dynamic (the dynamo exporter then writes the length into the graph, the batch as -1)
STATIC = ("self_attention", "transformer")


@pytest.fixture(autouse=True)
def _quiet_exporter():
    """The dynamo exporter logs its steps at WARNING."""
    with quiet_exporter():
        yield


def _export(model: Model, module: torch.nn.Module, path, opset: int, dynamo: bool = False, static: bool = False):
    inputs = example_inputs(model, seed=1)
    names = list(inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            auto = torch.export.Dim.AUTO
            shapes = {n: {a: auto for a in (0, *(() if static else model.lengths.get(n, ())))} for n in names}
            torch.onnx.export(module, tuple(inputs.values()), str(path), dynamo=True, verbose=False,
                              opset_version=opset, input_names=names, dynamic_shapes=shapes)
        else:
            axes = {n: {0: "batch", **{a: f"length_{a}" for a in model.lengths.get(n, ())}} for n in names}
            torch.onnx.export(module, tuple(inputs.values()), str(path), dynamo=False, opset_version=opset,
                              input_names=names, dynamic_axes=axes)
    return path


def _assert_imports_as_the_module(model: Model, module: torch.nn.Module, path, static: bool = False) -> None:
    net = import_onnx(path)
    inputs = example_inputs(model, seed=2, batch=3, length=None if static else 9)  # not the exported sizes
    with torch.no_grad():
        want = module(*inputs.values())
        got = net(**inputs)  # the ports keep the input names
    want = list(want) if isinstance(want, tuple) else [want]
    got = list(got.values()) if isinstance(got, dict) else [got]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("opset", [17, 18])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_torchscript_export_imports_computing_as_the_module(name, opset, tmp_path):
    model = MODELS[name]
    module = built(model, seed=0)
    _assert_imports_as_the_module(model, module, _export(model, module, tmp_path / "m.onnx", opset))


@pytest.mark.parametrize(("name", "static"), [*((n, False) for n in DYNAMO), *((n, True) for n in STATIC)])
def test_a_dynamo_export_imports_computing_as_the_module(name, static, tmp_path):
    model = MODELS[name]
    module = built(model, seed=0)
    path = _export(model, module, tmp_path / "m.onnx", 18, dynamo=True, static=static)
    _assert_imports_as_the_module(model, module, path, static)


@pytest.mark.parametrize("name", ["lstm_classifier", "transformer", "two_heads"])
def test_the_command_line_draws_an_exported_model(name, cli):
    model = MODELS[name]
    path = _export(model, built(model, seed=0), cli.folder / "m.onnx", 17)
    ran = cli("render", path, "-o", "m.svg")
    assert ran.code == 0, ran.err
    assert (cli.folder / "m.svg").read_text().lstrip().startswith(("<?xml", "<svg"))


class RemainderTopTwo(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(6, 6)

    def forward(self, x):
        return torch.topk(torch.fmod(self.fc(x), 0.5), 2, dim=1).values


def test_ops_without_a_layer_are_refused_together_naming_each_node(tmp_path):
    model = Model(RemainderTopTwo, {"x": (2, 6)})
    path = _export(model, built(model, seed=0), tmp_path / "m.onnx", 18)
    with pytest.raises(SpecError, match=r"cannot import 2 problems") as info:
        import_onnx(path)
    assert [e.partition(": nothing")[0] for e in info.value.errors] == [
        "node '/Mod' (Mod): no layer for this op", "node '/TopK' (TopK): no layer for this op"]
    assert "ops with a netgraph layer: " in str(info.value) and "Traceback" not in str(info.value)


class ChainedSum(torch.nn.Module):
    def forward(self, x0, x1, x2):
        return (x0 + x1) + x2  # ONNX's inferred shape of x0 + x1 loses the length names


@pytest.mark.parametrize("dynamo", [False, True])
def test_sequences_summed_in_a_chain_share_one_length(dynamo, tmp_path):
    module, names = ChainedSum(), ["x0", "x1", "x2"]
    example = tuple(torch.randn(2, 5, 4, generator=torch.Generator().manual_seed(i)) for i in range(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            auto = torch.export.Dim.AUTO
            torch.onnx.export(module, example, str(tmp_path / "m.onnx"), dynamo=True, verbose=False, opset_version=18,
                              input_names=names, dynamic_shapes={n: {0: auto, 1: auto} for n in names})
        else:  # each input's length named apart: the import must find them equal
            torch.onnx.export(module, example, str(tmp_path / "m.onnx"), dynamo=False, opset_version=17,
                              input_names=names, dynamic_axes={n: {0: "batch", 1: f"n{i}"} for i, n in enumerate(names)})
        net = import_onnx(tmp_path / "m.onnx")
    g = torch.Generator().manual_seed(7)
    for length in (3, 9):
        inputs = {n: torch.randn(3, length, 4, generator=g) for n in names}
        torch.testing.assert_close(net(**inputs), module(*inputs.values()))
