"""export -> import -> compile, for every example spec and every layer family the export test covers.

Each net either comes back computing the same outputs (deterministic nets within float tolerance), or its
import is refused by one SpecError that names every ONNX op without a layer (``REFUSED`` lists them and why).
Nets whose export is refused (a distribution without an ONNX sampler) are covered by test_onnx_export.
"""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import SpecError, export_onnx, import_onnx, load, net_initialize
from netgraph.export.exporter import EXPORTABLE_DISTRIBUTIONS, example_inputs
from tests.test_onnx_export import SPECS, family_nets

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
    inputs = example_inputs(net, batch=5, length=4, seed=1)  # not the traced sizes: dims stay dynamic
    if key == "family:embedding":
        inputs["Input"] = torch.randint(0, 10, (5, 4))
    return inputs


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
