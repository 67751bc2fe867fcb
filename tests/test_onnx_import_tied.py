"""import_onnx of tied weights: ONNX does not record sharing, but one initializer feeding several nodes by its name (a
module called twice, as torch exports it) is one parameter in the model; the imported layers hold it as one
NetSharedArray, named after the initializer, so that training keeps it tied. An Identity of an initializer is how
torch writes separate parameters of equal values (merged in eval mode): those stay apart."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from netgraph import import_onnx, net_train
from netgraph.core.shared import shared_users
from tests.onnx_helpers import run_onnx, torch_export


class LinearTwice(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(torch.tanh(self.fc(x)))


class ConvTwice(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x):
        return self.c(torch.relu(self.c(x)))


#: name -> (module, x's shape after the batch, the shared names and how many users each has)
TIED = {
    "gemm": (LinearTwice, (4,), {"fc_weight": 2, "fc_bias": 2}),  # Gemm, Gemm of one weight and bias
    # torch folds each MatMul's transposed weight apart (one an Identity of the other: apart), its bias one (fused Add)
    "matmul": (LinearTwice, (3, 4), {"fc_bias": 2}),
    "conv": (ConvTwice, (2, 5, 5), {"c_weight": 2, "c_bias": 2}),
}


@pytest.mark.parametrize("name", sorted(TIED))
def test_an_initializer_feeding_two_layers_imports_as_one_shared_array_that_trains_tied(name, tmp_path):
    make, shape, expected = TIED[name]
    torch.manual_seed(0)
    path = torch_export(make(), torch.randn(2, *shape), tmp_path / f"{name}.onnx", "x", output_names=["y"])
    net = import_onnx(path)
    users = shared_users(net)
    assert {shared: len(places) for shared, places in users.items()} == expected
    x = torch.randn(16, *shape, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        np.testing.assert_allclose(net(x).numpy(), run_onnx(path, {"x": x})[0], atol=1e-5, rtol=1e-4)
    trained = net_train(net, {"x": x, "y": torch.zeros_like(net(x))}, max_training_rounds=1, batch_size=8,
                        progress=False, random_seed=0)
    for shared, places in users.items():
        before, after = ([n.layer_at(path).arrays[array] for path, array in places] for n in (net, trained))
        assert not torch.equal(after[0], before[0])  # it trained
        assert all(torch.equal(value, after[0]) for value in after)  # and stayed one array


def test_separate_parameters_of_equal_values_stay_apart(tmp_path):
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 4)
            self.b.load_state_dict(self.a.state_dict())  # equal values, two parameters: torch writes b's as
            # Identity nodes of a's initializers

        def forward(self, x):
            return self.b(torch.tanh(self.a(x)))

    path = torch_export(Two(), torch.randn(2, 4), tmp_path / "two.onnx", "x")
    assert shared_users(import_onnx(path)) == {}
