"""Normalisation layers without Scaling or Biases: ``scaling=False`` / ``biases=False`` (Wolfram's ``"Scaling" -> None``
/ ``"Biases" -> None``, torch's ``affine=False``, ``elementwise_affine=False``, ``bias=False``), compared with torch's
modules given the same statistics."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import torch
import torch.nn.functional as F
import yaml
from safetensors.torch import load_file
from torch import nn

import onnx
from netgraph import (BatchNormalizationLayer, LayerNormalizationLayer, LinearLayer, NetChain, NetGraph, NetGraphError,
                      NormalizationLayer, OptionError, WiringError, export_onnx, import_onnx, interpret, load,
                      net_initialize, net_replace_part, net_train, save)
from netgraph.spec.schema import spec_schema
from tests.onnx_helpers import torch_export


def _stats(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, generator=g), torch.rand(n, generator=g) + 0.5


def _torch_bn(mean: torch.Tensor, var: torch.Tensor) -> nn.Module:
    module = nn.BatchNorm1d(len(mean), affine=False, momentum=0.25)
    module.running_mean.copy_(mean)
    module.running_var.copy_(var)
    return module


def _run(layer, shape, x, train=False):
    """The compiled net's output and its interpreted one (each of its own module: a batch norm in training moves its
    statistics), in training or eval mode, and the compiled module."""
    net = net_initialize(NetChain({"norm": layer}, input=shape), seed=0)
    compiled = net.compile().train(train)
    return compiled(x), interpret(net, net.compile().train(train), Input=x), compiled


def test_layer_norm_without_affine_arrays_equals_torch_exactly():
    torch.manual_seed(0)
    x, w = torch.randn(5, 3, 6), torch.randn(6)
    cases = [(LayerNormalizationLayer(scaling=False, biases=False), nn.LayerNorm(6, elementwise_affine=False)),
             (LayerNormalizationLayer(scaling=w, biases=False), nn.LayerNorm(6, bias=False)),
             (LayerNormalizationLayer(scaling=False, biases=w, epsilon=1e-3),
              lambda t: F.layer_norm(t, (6,), None, w, 1e-3))]
    with torch.no_grad():
        cases[1][1].weight.copy_(w)
    for layer, module in cases:
        out, interpreted, compiled = _run(layer, (3, 6), x)
        want = module(x)
        assert torch.equal(out, want) and torch.equal(interpreted, want)
        kept = [n for n in ("Scaling", "Biases") if isinstance(getattr(layer, n.lower()), torch.Tensor)]
        assert list(compiled.state_dict()) == [f"norm.{n}" for n in kept]
        assert all(getattr(compiled._modules["norm"], n) is None for n in ("Scaling", "Biases") if n not in kept)
        assert "None" in compiled.code


@pytest.mark.parametrize("train", [False, True], ids=["eval", "training"])
def test_batch_norm_without_affine_arrays_equals_torch_exactly(train):
    mean, var = _stats(4, 1)
    x = 2 * torch.randn(8, 4, 5, generator=torch.Generator().manual_seed(2)) + 1
    layer = BatchNormalizationLayer(scaling=False, biases=False, momentum=0.75, epsilon=1e-5, moving_mean=mean,
                                    moving_variance=var)
    module = _torch_bn(mean, var).train(train)
    out, interpreted, compiled = _run(layer, (4, 5), x, train)
    want = module(x)
    assert torch.equal(out, want)
    assert list(compiled.state_dict()) == ["norm.MovingMean", "norm.MovingVariance"]
    assert list(compiled.named_parameters()) == []
    norm = compiled._modules["norm"]
    torch.testing.assert_close(norm.MovingMean, module.running_mean)  # momentum 1 - 0.75 against torch's 0.25
    torch.testing.assert_close(norm.MovingVariance, module.running_var)
    assert torch.equal(interpreted, want)


@pytest.mark.parametrize("train", [False, True], ids=["eval", "training"])
def test_batch_norm_with_one_of_its_affine_arrays_equals_torch_batch_norm(train):
    mean, var = _stats(3, 3)
    scaling, biases = _stats(3, 4)
    x = torch.randn(6, 3, generator=torch.Generator().manual_seed(5))
    for given, weight, bias in [({"scaling": scaling, "biases": False}, scaling, None),
                                ({"scaling": False, "biases": biases}, None, biases)]:
        layer = BatchNormalizationLayer(epsilon=1e-5, moving_mean=mean, moving_variance=var, **given)
        out, _, _ = _run(layer, 3, x, train)
        want = F.batch_norm(x, mean.clone(), var.clone(), weight, bias, train, 0.1, 1e-5)
        assert torch.equal(out, want)


def test_a_batch_of_one_vector_in_training_normalises_to_zero_without_biases():
    x = torch.randn(1, 4, generator=torch.Generator().manual_seed(6))
    mean, var = _stats(4, 7)
    out, _, compiled = _run(BatchNormalizationLayer(scaling=False, biases=False, moving_mean=mean,
                                                    moving_variance=var), 4, x, train=True)
    assert torch.equal(out, torch.zeros(1, 4))  # x minus its own mean, exactly
    assert torch.equal(compiled._modules["norm"].MovingMean, mean)


@pytest.mark.parametrize("given", [{"scaling": False, "biases": False}, {"scaling": False}, {"biases": False}],
                         ids=["none", "biases", "scaling"])
def test_synced_batch_norm_of_one_process_without_affine_arrays_is_torch_s(monkeypatch, given):
    from netgraph.layers import _sync_norm
    monkeypatch.setattr(_sync_norm, "_all_sum", lambda t, group: t)
    net = net_initialize(NetChain([BatchNormalizationLayer(momentum=0.7, **given)], input=(3, 5)), seed=0)
    synced, plain = net.compile().train(), net.compile().train()
    next(m for m in synced.modules() if hasattr(m, "MovingMean")).sync = _sync_norm.BatchStatsSync()
    x = 3 * torch.randn(4, 3, 5, generator=torch.Generator().manual_seed(1)) + 2
    grads = []
    for module in (synced, plain):
        xs = x.clone().requires_grad_()
        out = module(xs)
        (out * torch.arange(out.numel()).reshape(out.shape)).sum().backward()
        grads.append((out, xs.grad, *module.buffers()))
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layer, module, shape", [
    (NormalizationLayer(group_number=2, scaling=False, biases=False, epsilon=1e-5), nn.GroupNorm(2, 4, affine=False),
     (4, 3, 5)),
    (NormalizationLayer(scaling=False, biases=False, epsilon=1e-5), nn.InstanceNorm2d(4), (4, 3, 5)),
    (NormalizationLayer("2;;", "Same", scaling=False, biases=False, epsilon=1e-5),
     nn.LayerNorm([3, 5], elementwise_affine=False), (4, 3, 5)),
], ids=["group_norm", "instance_norm", "layer_norm_2d"])
def test_normalization_layer_without_arrays_equals_torch(layer, module, shape):
    x = torch.randn(6, *shape, generator=torch.Generator().manual_seed(8))
    out, interpreted, compiled = _run(layer, shape, x)
    torch.testing.assert_close(out, module(x), rtol=1e-5, atol=1e-5)  # var_mean, not torch's fused kernels
    torch.testing.assert_close(interpreted, out)  # the module's forward against the compiled expression
    assert list(compiled.state_dict()) == []


def test_normalization_layer_with_one_array_scales_or_shifts_only():
    x = torch.randn(6, 4, 5, generator=torch.Generator().manual_seed(9))
    w = torch.randn(4, generator=torch.Generator().manual_seed(10))
    for groups in (None, 2):  # the compiled expression, and the module's forward
        normed, _, _ = _run(NormalizationLayer(group_number=groups, scaling=False, biases=False), (4, 5), x)
        for given, want in [({"scaling": w, "biases": False}, normed * w[:, None]),
                            ({"scaling": False, "biases": w}, normed + w[:, None])]:
            out, interpreted, _ = _run(NormalizationLayer(group_number=groups, **given), (4, 5), x)
            torch.testing.assert_close(out, want, rtol=0, atol=1e-6)
            torch.testing.assert_close(interpreted, out)


def test_no_scaling_is_a_value_apart_from_uninitialised_and_ones():
    layer = LayerNormalizationLayer(scaling=False)
    same = LayerNormalizationLayer(scaling=False)
    assert layer == same and hash(layer) == hash(same)
    assert layer != LayerNormalizationLayer() and layer != LayerNormalizationLayer(scaling=torch.ones(3))
    assert layer != LayerNormalizationLayer(biases=False)
    assert repr(layer) == "LayerNormalizationLayer(scaling=False)"
    assert layer.arrays == {"Biases": None}
    assert BatchNormalizationLayer(scaling=False, biases=False).arrays == {"MovingMean": None, "MovingVariance": None}
    assert NormalizationLayer(scaling=False, biases=False).arrays == {}


@pytest.mark.parametrize("make, option, words", [
    (lambda: LayerNormalizationLayer(scaling=True), "scaling", "None (not initialised yet) or False (no scaling)"),
    (lambda: NormalizationLayer(biases=True), "biases", "None (not initialised yet) or False (no biases)"),
    (lambda: BatchNormalizationLayer(moving_mean=False), "moving_mean", "only biases (biases=False) and a"),
])
def test_other_flags_for_normalisation_arrays_are_refused(make, option, words):
    with pytest.raises(OptionError, match=re.escape(words)) as info:
        make()
    assert info.value.diagnostics[0].option == option


def _net():
    return NetChain({"bn": BatchNormalizationLayer(scaling=False, biases=False), "lin": LinearLayer(6),
                     "ln": LayerNormalizationLayer(biases=False), "norm": NormalizationLayer(-1, "Same", scaling=False),
                     "out": LinearLayer(2)}, input=(3, 4))


def test_net_initialize_and_information_count_only_the_arrays_kept():
    net = net_initialize(_net(), seed=0)
    assert sorted(net.information("ArraysDimensions")) == sorted([
        ("bn", "MovingMean"), ("bn", "MovingVariance"), ("lin", "Weights"), ("lin", "Biases"), ("ln", "Scaling"),
        ("norm", "Biases"), ("out", "Weights"), ("out", "Biases")])
    assert net.information("ArraysTotalElementCount") == 3 + 3 + 6 * 12 + 6 + 6 + 6 + 2 * 6 + 2
    assert net.layers["bn"].scaling is False and net.layers["ln"].biases is False
    assert torch.equal(net.layers["ln"].scaling, torch.ones(6))


def test_yaml_spec_schema_and_saved_files_keep_no_affine_arrays(tmp_path):
    net = net_initialize(_net(), seed=0)
    text = net.to_yaml()
    layers = yaml.safe_load(text)["layers"]
    assert layers["bn"]["scaling"] is False and layers["bn"]["biases"] is False and layers["ln"]["biases"] is False
    assert layers["norm"]["scaling"] is False and "scaling" in layers["ln"]
    back = NetGraph.from_yaml(text)
    assert back == net and back.to_yaml() == text
    spec = ("netgraph: 1\nlayers:\n  ln: {type: LayerNormalizationLayer, scaling: false, biases: false}\n"
            "inputs: {Input: 4}\n")
    assert NetGraph.from_yaml(spec).layers["ln"] == LayerNormalizationLayer(scaling=False, biases=False)
    save(net, tmp_path / "n.yaml")
    stored = load_file(next(tmp_path.glob("*.safetensors")))
    assert not [k for k in stored if k.startswith("bn.") and "Moving" not in k]
    assert "ln.Biases" not in stored and "norm.Scaling" not in stored and "ln.Scaling" in stored
    loaded = load(tmp_path / "n.yaml")
    x = torch.randn(2, 3, 4)
    assert loaded == net and torch.equal(loaded(x), net(x))
    validator = jsonschema.Draft202012Validator(json.loads(json.dumps(spec_schema())))
    assert not list(validator.iter_errors(yaml.safe_load(spec)))
    assert list(validator.iter_errors(yaml.safe_load(spec.replace("scaling: false", "scaling: true"))))


def test_training_learns_only_the_arrays_kept():
    net = net_initialize(NetChain({"lin": LinearLayer(4), "ln": LayerNormalizationLayer(scaling=False),
                                   "bn": BatchNormalizationLayer(biases=False)}, input=3), seed=0)
    assert [n for n, _ in net.compile().named_parameters()] == ["lin.Weights", "lin.Biases", "ln.Biases",
                                                                 "bn.Scaling"]
    x = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    trained = net_train(net, {"Input": x, "Target": x @ torch.ones(3, 4) + 1.0}, max_training_rounds=3,
                        random_seed=0)
    assert trained.layers["ln"].scaling is False and trained.layers["bn"].biases is False
    assert not torch.equal(trained.layers["ln"].biases, net.layers["ln"].biases)
    assert not torch.equal(trained.layers["bn"].moving_mean, net.layers["bn"].moving_mean)


def test_giving_scaling_to_a_layer_without_it_is_a_clear_error():
    net = net_initialize(_net(), seed=0)
    with pytest.raises(WiringError, match=r"'bn' \(BatchNormalizationLayer\) has no array 'Scaling'; it was made "
                                          r"without them \(scaling=False, Wolfram's \"Scaling\" -> None\)"):
        net_replace_part(net, {("bn", "Scaling"): torch.ones(3)})
    with pytest.raises(OptionError, match=re.escape("layer.replace(biases=...)")):
        net.layers["ln"].with_arrays({"Biases": torch.zeros(6)})
    given = net_replace_part(net, {"ln": net.layers["ln"].replace(biases=torch.ones(6))})
    assert torch.equal(given.layers["ln"].biases, torch.ones(6))
    assert net_replace_part(given, {"ln": net.layers["ln"]}) == net



def test_onnx_round_trip_keeps_layers_without_affine_arrays(tmp_path):
    mean, var = _stats(3, 11)
    net = net_initialize(NetChain({
        "bn": BatchNormalizationLayer(scaling=False, biases=False, moving_mean=mean, moving_variance=var),
        "ln": LayerNormalizationLayer(biases=False), "ln2": LayerNormalizationLayer(scaling=False, biases=False),
        "norm": NormalizationLayer(scaling=False, biases=False)}, input=(3, 4)), seed=0)
    model = onnx.load(export_onnx(net, tmp_path / "m.onnx"))
    assert sorted(i.name for i in model.graph.initializer) == ["bn.MovingMean", "bn.MovingVariance", "ln.Scaling"]
    back = import_onnx(tmp_path / "m.onnx")
    norms = [layer for layer in back.layers.values() if "Normalization" in layer.type_name]
    assert [(n.type_name, n.scaling is False, n.biases is False) for n in norms[:3]] == [
        ("BatchNormalizationLayer", True, True), ("LayerNormalizationLayer", False, True),
        ("LayerNormalizationLayer", True, True)]
    x = torch.randn(5, 3, 4, generator=torch.Generator().manual_seed(12))
    torch.testing.assert_close(back(x), net(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("module, shape, kind, kept", [
    (nn.LayerNorm(4, elementwise_affine=False), (3, 4), "LayerNormalizationLayer", []),
    (nn.LayerNorm(4, bias=False), (3, 4), "LayerNormalizationLayer", ["Scaling"]),
    (nn.BatchNorm2d(3, affine=False), (3, 4, 4), "BatchNormalizationLayer", ["MovingMean", "MovingVariance"]),
    (nn.InstanceNorm2d(3), (3, 4, 5), "NormalizationLayer", []),
    (nn.LayerNorm([4, 5], elementwise_affine=False), (3, 4, 5), "NormalizationLayer", []),
], ids=["layer_norm", "layer_norm_no_bias", "batch_norm", "instance_norm", "layer_norm_2d"])
def test_torch_modules_without_affine_arrays_import_without_them(module, shape, kind, kept, tmp_path):
    if isinstance(module, nn.BatchNorm2d):
        module.running_mean.copy_(_stats(3, 13)[0])
        module.running_var.copy_(_stats(3, 13)[1])
    if isinstance(module, nn.LayerNorm) and module.weight is not None:
        nn.init.normal_(module.weight)
    x = torch.randn(2, *shape)
    net = import_onnx(torch_export(module, x, tmp_path / "m.onnx"))
    (layer,) = net.layers.values()
    assert layer.type_name == kind and list(layer.arrays) == kept
    x = torch.randn(5, *shape, generator=torch.Generator().manual_seed(14))
    with torch.no_grad():
        torch.testing.assert_close(net(x), module(x), rtol=1e-5, atol=1e-5)


def test_a_torch_norm_whose_arrays_are_ones_and_zeros_keeps_them(tmp_path):
    """A module's own (initializer) scale of ones and bias of zeros are arrays at their starting values: kept."""
    module = nn.Sequential(nn.LayerNorm(4), nn.BatchNorm1d(3))
    net = import_onnx(torch_export(module, torch.randn(2, 3, 4), tmp_path / "m.onnx"))
    for layer in net.layers.values():
        assert torch.equal(layer.scaling, torch.ones_like(layer.scaling))
        assert torch.equal(layer.biases, torch.zeros_like(layer.biases))


def test_without_arrays_a_normalised_or_scaling_level_may_have_a_variable_length():
    """Its size no longer fixes the arrays' length: a layer norm over a sequence, or a NormalizationLayer whose
    scaling level is one; with arrays, that is still a ShapeError."""
    x = torch.randn(3, 7, generator=torch.Generator().manual_seed(15))
    net = NetChain([LayerNormalizationLayer(scaling=False, biases=False)], input=("n",))
    assert torch.equal(net(x), F.layer_norm(x, (7,), eps=1e-5))
    assert torch.equal(interpret(net, net.compile(), Input=x), F.layer_norm(x, (7,), eps=1e-5))
    sequences = [torch.randn(k, generator=torch.Generator().manual_seed(k)) for k in (2, 5)]
    assert all(torch.equal(out, F.layer_norm(s[None], s.shape, eps=1e-5)[0]) for out, s in zip(net(sequences),
                                                                                               sequences))
    per_step = NetChain([NormalizationLayer(scaling=False, biases=False)], input=("n", 4))
    y = torch.randn(2, 5, 4, generator=torch.Generator().manual_seed(16))
    torch.testing.assert_close(per_step(y), F.layer_norm(y, (4,), eps=1e-3))
    with pytest.raises(NetGraphError, match="holds the learned arrays, so it cannot have a variable length"):
        NetChain([LayerNormalizationLayer(scaling=False)], input=("n",))
    with pytest.raises(NetGraphError, match="holds the learned arrays, so it cannot have a variable length"):
        NetChain([NormalizationLayer(biases=False)], input=("n", 4))
