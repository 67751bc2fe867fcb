"""An integer input that an exported model only compares: imported as a Real port only where float32 gives the same
answers (compared with a float or with integer constants below 2**24), else refused rather than rounded."""

import warnings

import pytest
import torch

from netgraph import NetGraphError, import_onnx


class _Compares(torch.nn.Module):
    def __init__(self, against: int) -> None:
        super().__init__()
        self.against = against

    def forward(self, x):
        return (x == self.against).float() + (x > 16777215).float()


def _imported(against: int, tmp_path):
    path = tmp_path / "compares.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Compares(against), (torch.tensor([[3, 5]]),), str(path), input_names=["x"], dynamo=False,
                          dynamic_axes={"x": {0: "b"}})
    return import_onnx(path)


def test_compared_with_small_integer_constants_it_imports_and_computes_as_torch(tmp_path):
    x = torch.tensor([[3, 16777217], [16777216, 4]])
    assert _imported(3, tmp_path)(x=x).tolist() == _Compares(3)(x).tolist() == [[1.0, 1.0], [1.0, 0.0]]


def test_compared_with_an_integer_float32_would_round_it_is_refused_not_computed_wrong(tmp_path):
    # float32 rounds 16777217 to 16777216: the Real port answered [[1, 1]] where torch gives [[0, 1]]
    with pytest.raises(NetGraphError, match="graph input 'x'.*expected dtype Real, found Integer"):
        _imported(16777217, tmp_path)
