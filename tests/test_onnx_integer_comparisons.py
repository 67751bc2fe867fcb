"""An integer input that an exported model only compares: imported as a Real port only where float32 gives the same
answers (compared with a float or with integer constants below 2**24), else refused rather than rounded."""

import warnings

import numpy as np
import pytest
import torch

from netgraph import NetGraphError, SpecError, import_onnx
from tests.onnx_helpers import run_onnx


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
    with pytest.raises(NetGraphError, match="graph input 'x'.*expected dtype Real, found Integer") as caught:
        _imported(16777217, tmp_path)
    assert [d.kind for d in caught.value.diagnostics] == ["integer-input-compared"]


_WEIGHTINGS = {"compared": lambda idx: (idx > 0).float(), "cast_compared": lambda idx: (idx.float() > 0).float(),
               "cast": lambda idx: idx.float()}


class _MaskedEmbedding(torch.nn.Module):
    """Token embeddings zeroed at padding (index 0): ``idx`` is both an index and compared (``how`` of
    ``_WEIGHTINGS``: also after a Cast to float, or the embeddings weighted by ``idx.float()``); or, ``given_mask``,
    the mask an input of its own."""

    def __init__(self, given_mask: bool, how: str = "compared") -> None:
        super().__init__()
        self.emb, self.given_mask, self.weighting = torch.nn.Embedding(10, 4), given_mask, _WEIGHTINGS[how]

    def forward(self, idx, *mask):
        return self.emb(idx) * (mask[0] if self.given_mask else self.weighting(idx)).unsqueeze(-1)


def _masked(given_mask: bool, path, how: str = "compared"):
    torch.manual_seed(0)
    idx = torch.tensor([[3, 0, 5], [0, 9, 1]])
    inputs = (idx, (idx > 0).float()) if given_mask else (idx,)
    names = ["idx", "mask"][:len(inputs)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_MaskedEmbedding(given_mask, how).eval(), inputs, str(path), input_names=names,
                          dynamo=False, output_names=["y"], dynamic_axes={n: {0: "b", 1: "n"} for n in names})
    return dict(zip(names, inputs))


def test_an_integer_input_compared_and_used_as_an_index_is_refused_naming_it_and_both_uses(tmp_path):
    # it ended in a ShapeError between our layers ('Greater' expected Real, found Integer from 'emb')
    inputs = _masked(False, tmp_path / "m.onnx")
    run_onnx(tmp_path / "m.onnx", inputs)  # a valid model
    with pytest.raises(SpecError, match=r"graph input 'idx' is an integer tensor that node '/Greater' \(Greater\) "
                                        r"compares and node '/emb/Gather' \(Gather\) uses as integers") as caught:
        import_onnx(tmp_path / "m.onnx")
    (problem,) = caught.value.diagnostics
    assert (problem.kind, problem.port, problem.layer, problem.expected, problem.found) == (
        "integer-input-compared", "idx", (), "Real", "Integer")
    assert "as an input of its own" in problem.hint


@pytest.mark.parametrize("how, reader", [("cast_compared", "Greater"), ("cast", "Unsqueeze")])
def test_an_integer_input_cast_to_float_for_a_layer_and_used_as_an_index_is_refused(tmp_path, how, reader):
    # (idx.float() > 0) and idx.float().unsqueeze(-1) ended in a ShapeError ('Greater' or 'Unsqueeze' given Integer)
    inputs = _masked(False, tmp_path / "m.onnx", how)
    run_onnx(tmp_path / "m.onnx", inputs)  # a valid model
    with pytest.raises(SpecError, match=rf"graph input 'idx' is an integer tensor that node '/Cast' \(Cast\) makes "
                                        rf"float for node '/{reader}' \({reader}\) and node '/emb/Gather' "
                                        rf"\(Gather\) uses as integers") as caught:
        import_onnx(tmp_path / "m.onnx")
    (problem,) = caught.value.diagnostics
    assert (problem.kind, problem.port, problem.expected, problem.found) == (
        "integer-input-compared", "idx", "Real", "Integer")


def test_the_mask_given_as_an_input_of_its_own_imports_and_computes_as_onnxruntime(tmp_path):
    inputs = _masked(True, tmp_path / "m.onnx")
    net = import_onnx(tmp_path / "m.onnx")
    assert (net.port_types["idx"].dtype, net.port_types["mask"].dtype) == ("Integer", "Real")
    (want,) = run_onnx(tmp_path / "m.onnx", inputs)
    np.testing.assert_allclose(net(**inputs).detach().numpy(), want, atol=1e-6)
