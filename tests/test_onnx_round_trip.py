"""export -> import -> compile, for every example spec and every layer family the export test covers.

Each net either comes back computing the same outputs (deterministic nets within float tolerance), or its
import is refused by one SpecError that names every ONNX op without a layer (``REFUSED`` lists them and why).
Nets whose export is refused (a distribution without an ONNX sampler) are covered by test_onnx_export.
"""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import NetGraph, NetMapOperator, SpecError, export_onnx, import_onnx, load, net_initialize
from netgraph.export.exporter import EXPORTABLE_DISTRIBUTIONS, example_inputs
from tests.test_onnx_export import SPECS, family_inputs, family_nets, fold
from tests.onnx_helpers import torch_export

#: Nets whose import is refused, with the ONNX ops the error must name (and why they have no layer).
REFUSED = {
    # random draws: onnxruntime's RandomNormal(Like) has no seeded equivalent among our layers
    "spec:normal_reparameterization": {"RandomNormal"},
    "spec:vae": {"RandomNormalLike"},
    "spec:vae_elbo": {"RandomNormalLike"},
}


def cases() -> dict:
    nets = {f"spec:{path.stem}": (lambda path=path: load(path)) for path in SPECS}
    nets.update({f"family:{name}": (lambda name=name: family_nets()[name]) for name in family_nets()})
    return nets


def exportable(net) -> bool:
    return all(type(layer.options()["distribution"]).__name__ in EXPORTABLE_DISTRIBUTIONS
               for _, layer in net.leaves() if layer.type_name == "RandomArrayLayer")


def inputs_for(key: str, net) -> dict:
    if key.startswith("family:"):
        return family_inputs(key.removeprefix("family:"), net)
    return example_inputs(net, batch=5, length=4, seed=1)  # not the traced sizes: dims stay dynamic


def outputs(result) -> list[torch.Tensor]:
    return list(result.values()) if isinstance(result, dict) else [result]


@pytest.mark.parametrize("key", sorted(cases()))
def test_export_import_compile_gives_the_same_outputs_or_names_the_ops(key, tmp_path):
    net = net_initialize(cases()[key](), seed=0)
    if not exportable(net):
        return  # export refuses it, naming the layer (test_onnx_export)
    path = export_onnx(net, tmp_path / "m.onnx")
    if key in REFUSED:
        with pytest.raises(SpecError) as info:
            import_onnx(path)
        named = {re.match(r"node '[^']*' \((\w+)\)", str(e)).group(1) for e in info.value.errors}
        assert named == REFUSED[key], str(info.value)
        return
    back = import_onnx(path)
    inputs = inputs_for(key, net)
    with torch.no_grad():
        want, got = outputs(net.compile().eval()(**inputs)), outputs(back.compile().eval()(**inputs))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, atol=1e-5, rtol=1e-4)


def test_every_spec_and_family_is_covered():
    assert set(REFUSED) <= set(cases()) and len(SPECS) >= 8


@pytest.mark.parametrize("mapped", [False, True], ids=["alone", "inside a map"])
def test_a_fixed_length_fold_round_trips(mapped, tmp_path):
    """A NetFoldOperator over a fixed length exported, but its import was refused: torch starts the state from
    ConstantOfShape((batch, 5)) of zeros, which had no layer. It is now a ConstantArrayLayer, one per example.
    Inside a NetMapOperator the batch is merged with the mapped dim (batch 4, 7, 3): the zero state is
    ConstantOfShape((batch 4, 5)) and each step a Gather of the merged tensor, both refused (8 problems); the
    constant now has the mapped dim's size too, and the steps' PartLayers and CatenateLayers are mapped over it."""
    net = NetGraph({"map": NetMapOperator(fold((7, 3)))}, [], Input=(4, 7, 3)) if mapped else fold((7, 3))
    net = net_initialize(net, seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "fold.onnx"))
    inputs = example_inputs(net, batch=5, length=7, seed=1)
    with torch.no_grad():
        want, got = outputs(net.compile().eval()(**inputs)), outputs(back.compile().eval()(**inputs))
    assert len(got) == len(want) == 2
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, atol=1e-5, rtol=1e-4)


def test_a_fold_inside_a_map_over_a_variable_length_is_refused_saying_why(tmp_path):
    """The state's ConstantOfShape((batch n, 5)) was refused as of 'shape [?, 5]', which did not say that its first
    dim is the batch merged with the variable mapped length, which no ConstantArrayLayer can have."""
    net = net_initialize(NetGraph({"map": NetMapOperator(fold((7, 3)))}, [], Input=("n", 7, 3)), seed=0)
    with pytest.raises(SpecError, match=r"\(ConstantOfShape\): its first dim is the batch merged with dims \['n'\] "
                                        r".*NetMapOperator over a variable length.*fixed sizes"):
        import_onnx(export_onnx(net, tmp_path / "fold.onnx"))


class _Filled(torch.nn.Module):
    """torch.full of (batch, 2), catenated to the input: a ConstantOfShape valued 0.5 of a shape computed from x."""

    def forward(self, x):
        return torch.cat([x, torch.full((x.shape[0], 2), 0.5)], 1)


def test_a_constant_per_example_of_a_torch_model_imports_with_its_value(tmp_path):
    torch_export(_Filled(), torch.randn(2, 3), tmp_path / "full.onnx", "x")
    back = import_onnx(tmp_path / "full.onnx")
    x = torch.randn(4, 3)
    with torch.no_grad():
        torch.testing.assert_close(back.compile().eval()(x), _Filled()(x))


class _Zeros(torch.nn.Module):
    """x (batch, n) unsqueezed plus zeros of a shape computed from x's."""

    def __init__(self, shape, dtype: torch.dtype):
        super().__init__()
        self.shape, self.dtype = shape, dtype

    def forward(self, x):
        return x.unsqueeze(-1) + torch.zeros(self.shape(x), dtype=self.dtype)


@pytest.mark.parametrize("shape, dtype, found", [
    (lambda x: (x.shape[1], 3), torch.float32, r"found shape \['n', 3\]"),  # not per example
    (lambda x: (x.shape[0], 1, 3), torch.int64, "its value is of type int64")])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's TorchScript exporter
def test_a_constant_of_shape_not_one_real_array_per_example_is_refused_saying_why(shape, dtype, found, tmp_path):
    torch_export(_Zeros(shape, dtype), torch.randn(2, 5), tmp_path / "z.onnx", "x", axes={"x": {0: "batch", 1: "n"}})
    with pytest.raises(SpecError, match=r"node '/ConstantOfShape' \(ConstantOfShape\): .*" + found):
        import_onnx(tmp_path / "z.onnx")
