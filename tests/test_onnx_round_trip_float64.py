"""export -> import of float64 nets (``torch.set_default_dtype(torch.float64)``, the model in ``tensor(double)``),
at a batch of 1 and several lengths: the imported net computes what the net computes."""

from __future__ import annotations

import pytest
import torch

from netgraph import CrossEntropyLossLayer, NetGraph, export_onnx, import_onnx, net_initialize
from netgraph.export.exporter import example_inputs
from tests.test_onnx_export import family_nets


@pytest.fixture
def float64():
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(default)


def _outputs(result) -> list[torch.Tensor]:
    return list(result.values()) if isinstance(result, dict) else [result]


@pytest.mark.parametrize("make", [lambda: family_nets()["losses"],
                                  lambda: NetGraph({"c": CrossEntropyLossLayer("Index")}, [], Input=(5,), Target=())],
                         ids=["losses", "cross-entropy-index"])
def test_a_float64_loss_ending_in_a_cast_to_double_imports_back(float64, make, tmp_path):
    # its export casts the loss to DOUBLE (11): the import refused every Cast but one to float32
    net = net_initialize(make(), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "m.onnx"))
    for batch, length in [(1, 1), (1, 4), (3, 2)]:
        inputs = example_inputs(net, batch=batch, length=length, seed=1)
        inputs = {port: x.softmax(-1) if x.is_floating_point() else x for port, x in inputs.items()}
        for got, want in zip(_outputs(back(**inputs)), _outputs(net(**inputs))):
            assert got.dtype == torch.float64
            torch.testing.assert_close(got, want)
