"""An integer input that an exported model only compares: imported as a Real port only where float32 gives the same
answers (compared with a float or with integer constants below 2**24), else refused rather than rounded."""

import warnings

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netgraph import NetGraphError, SpecError, import_onnx
from tests.onnx_helpers import pinned_model, run_onnx


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


@pytest.mark.parametrize("how", sorted(_WEIGHTINGS))
def test_an_index_input_compared_or_cast_imports_as_a_lookup_and_computes_as_onnxruntime(tmp_path, how):
    # refused before (a port is Integer or Real): the index's values are 0 to 9, the Gather's rows, so the mask
    # (or the float values) is a fixed table of 10 numbers looked up by the index, the port staying Integer
    _masked(False, tmp_path / "m.onnx", how)
    net = import_onnx(tmp_path / "m.onnx")
    assert net.port_types["idx"].dtype == "Integer"
    idx = torch.tensor([[3, 0, 5, 7], [0, 9, 1, 0], [2, 2, 0, 4]])
    (want,) = run_onnx(tmp_path / "m.onnx", {"idx": idx})
    np.testing.assert_allclose(net(idx=idx).detach().numpy(), want, atol=1e-6)
    assert (want[idx == 0] == 0).all() and (want[idx > 1] != 0).all()  # the mask zeroes the padding
    tables = {k: v for k, v in net.learning_rate_multipliers.items() if "table" in str(k)}
    assert list(tables.values()) == [0]  # the model's constants: fixed in training


class _TorchMasks(torch.nn.Module):
    """Masks as torch code writes them, of an index input ``idx`` (padding 0)."""

    def __init__(self, form: str) -> None:
        super().__init__()
        self.emb, self.form = torch.nn.Embedding(10, 4), form

    def forward(self, idx):
        e = self.emb(idx)
        if self.form == "masked_fill":
            return e.masked_fill((idx == 0).unsqueeze(-1), 0.0)
        if self.form == "not_equal":
            return e * (idx != 0).unsqueeze(-1).float()
        return e * (idx.unsqueeze(-1) >= 1).float()  # compared after a move of its values


@pytest.mark.parametrize("form", ["masked_fill", "not_equal", "moved"])
def test_torch_padding_masks_of_an_index_import(tmp_path, form):
    torch.manual_seed(0)
    module, path = _TorchMasks(form).eval(), tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.tensor([[3, 0, 5]]),), str(path), input_names=["idx"], dynamo=False,
                          dynamic_axes={"idx": {0: "b", 1: "n"}})
    idx = torch.tensor([[3, 0, 5, 7], [0, 9, 1, 0]])
    with torch.no_grad():
        np.testing.assert_allclose(import_onnx(path)(idx=idx).numpy(), module(idx).numpy(), atol=1e-6)


class _ComparedWithAnInput(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = torch.nn.Embedding(10, 4)

    def forward(self, idx, pad):
        return self.emb(idx) * (idx != pad).float().unsqueeze(-1)


def test_an_index_compared_with_another_input_is_refused_naming_it_and_both_uses(tmp_path):
    # no table: the comparison's other operand is data; it ended in a ShapeError between our layers before
    path = tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_ComparedWithAnInput(), (torch.tensor([[3, 0, 5]]), torch.tensor([[0]])), str(path),
                          input_names=["idx", "pad"], dynamo=False, dynamic_axes={"idx": {0: "b", 1: "n"}})
    with pytest.raises(SpecError, match=r"graph input 'idx' is an integer tensor that node '/Equal' \(Equal\) "
                                        r"compares and node '/emb/Gather' \(Gather\) uses as integers") as caught:
        import_onnx(path)
    problem = caught.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.layer, problem.expected, problem.found) == (
        "integer-input-compared", "idx", (), "Real", "Integer")
    assert "as an input of its own" in problem.hint


def test_the_mask_given_as_an_input_of_its_own_imports_and_computes_as_onnxruntime(tmp_path):
    inputs = _masked(True, tmp_path / "m.onnx")
    net = import_onnx(tmp_path / "m.onnx")
    assert (net.port_types["idx"].dtype, net.port_types["mask"].dtype) == ("Integer", "Real")
    (want,) = run_onnx(tmp_path / "m.onnx", inputs)
    np.testing.assert_allclose(net(**inputs).detach().numpy(), want, atol=1e-6)


class _Arithmetic(torch.nn.Module):
    """Integer arithmetic on an index input ``idx`` (padding 0) before a comparison or a Cast to float (``form``)."""

    def __init__(self, form: str) -> None:
        super().__init__()
        self.emb, self.form = torch.nn.Embedding(10, 4), form

    def forward(self, idx):
        e = self.emb(idx)
        forms = {"compared": lambda: e * (idx + 1 > 1).float().unsqueeze(-1),
                 "moved": lambda: e * (idx.unsqueeze(-1) - 1 >= 0).float(),
                 "cast": lambda: e * (3 - idx * 2).float().unsqueeze(-1),
                 "no_index": lambda: (idx * 2).float(),
                 "also_an_index": lambda: e * self.emb(9 - idx),
                 "moved_after": lambda: e * (idx * 2).unsqueeze(-1).float()}
        return forms[self.form]()


def _exported(form: str, path):
    torch.manual_seed(0)
    module = _Arithmetic(form).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.tensor([[3, 0, 5]]),), str(path), input_names=["idx"], dynamo=False,
                          dynamic_axes={"idx": {0: "b", 1: "n"}})
    return module


@pytest.mark.parametrize("form", ["compared", "moved", "cast"])
def test_arithmetic_with_constants_on_an_index_before_a_comparison_or_cast_imports_as_a_lookup(tmp_path, form):
    # it ended in a ShapeError between our layers ("layer 2 'Add' (ThreadingLayer) ... expected dtype Real, found
    # Integer"): the index's values are 0 to 9, so idx + 1 > 1 (or (3 - 2 * idx).float()) is a table of 10 numbers
    module = _exported(form, tmp_path / "m.onnx")
    net = import_onnx(tmp_path / "m.onnx")
    assert net.port_types["idx"].dtype == "Integer"
    assert [type(layer).__name__ for layer in net.layers.values()].count("ThreadingLayer") == 1  # e * the mask
    idx = torch.tensor([[3, 0, 5, 7], [0, 9, 1, 0]])
    with torch.no_grad():
        np.testing.assert_allclose(net(idx=idx).numpy(), module(idx).numpy(), atol=1e-6)


@pytest.mark.parametrize("form, op, used", [("no_index", "Mul", None), ("also_an_index", "Sub", "Gather"),
                                            ("moved_after", "Mul", "Gather")])
def test_other_integer_arithmetic_on_an_integer_input_is_one_refusal_naming_the_input_and_the_op(tmp_path, form, op,
                                                                                                  used):
    # a ShapeError between our layers before: our arithmetic layers compute on reals, and a port is Integer or Real
    _exported(form, tmp_path / "m.onnx")
    also = r" and node '/emb/Gather' \(Gather\) uses as integers" if used else ""
    with pytest.raises(SpecError, match=rf"graph input 'idx' is an integer tensor that node '/{op}' \({op}\) "
                                        rf"computes on{also}: netgraph compares and computes on reals") as caught:
        import_onnx(tmp_path / "m.onnx")
    problem = caught.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.expected, problem.found) == (
        "integer-input-compared", "idx", "Real", "Integer")


@pytest.mark.parametrize("form, hint", [("also_an_index", "the computed indices"), ("moved_after", "a mask"),
                                        ("no_index", "a mask")])
def test_the_refusal_suggests_the_computed_indices_where_the_arithmetic_feeds_an_index(tmp_path, form, hint):
    # emb(9 - idx) was told to give "a mask ... as an input of its own", which no mask is
    _exported(form, tmp_path / "m.onnx")
    with pytest.raises(SpecError) as caught:
        import_onnx(tmp_path / "m.onnx")
    problem = caught.value.diagnostics[0]
    assert hint in problem.hint and problem.hint in str(caught.value)
    other = "a mask" if hint == "the computed indices" else "the computed indices"
    assert other not in problem.hint


class _HalfWeighted(torch.nn.Module):
    """Embeddings of 300 rows weighted by the index cast to ``dtype`` (bfloat16 rounds 257 to 256, 259 to 260)."""

    def __init__(self, dtype: torch.dtype) -> None:
        super().__init__()
        self.emb, self.dtype = torch.nn.Embedding(300, 2), dtype

    def forward(self, idx):
        return self.emb(idx) * idx.to(self.dtype).float().unsqueeze(-1)


@pytest.mark.parametrize("dtype, weights", [(torch.bfloat16, [256.0, 260.0, 3.0, 0.0]),
                                            (torch.float16, [257.0, 259.0, 3.0, 0.0])])
def test_an_index_cast_to_a_half_float_imports_as_a_lookup_of_the_rounded_values(tmp_path, dtype, weights):
    # a BFLOAT16 Cast of an index was refused (the lookup's table of float types lacked it); now one table of types
    torch.manual_seed(0)
    module, path = _HalfWeighted(dtype).eval(), tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.tensor([[3, 0, 5]]),), str(path), input_names=["idx"], dynamo=False,
                          dynamic_axes={"idx": {0: "b", 1: "n"}})
    idx = torch.tensor([[257, 259, 3, 0]])
    with torch.no_grad():
        want = module.emb(idx) * torch.tensor(weights).unsqueeze(-1)
        torch.testing.assert_close(module(idx), want, rtol=0, atol=0)
        torch.testing.assert_close(import_onnx(path)(idx=idx), want, rtol=0, atol=0)


class _HalvesAsDouble(torch.nn.Module):
    def forward(self, x):
        return x.double() * 0.5


def test_an_integer_input_only_cast_to_double_imports_as_a_real_port(tmp_path):
    """``x.double()`` (a Cast to DOUBLE, a pass-through at import) was refused where ``x.float()`` imported."""
    path = tmp_path / "double.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_HalvesAsDouble(), (torch.tensor([[3, 5]]),), str(path), input_names=["x"], dynamo=False,
                          dynamic_axes={"x": {0: "b"}})
    x = torch.tensor([[1, 2], [7, -4]])
    assert import_onnx(path)(x=x).tolist() == _HalvesAsDouble()(x).tolist() == [[0.5, 1.0], [3.5, -2.0]]


def _int_cast_model(form: str, path) -> None:
    """int64 x cast to int32 or int64 (``x.int()``, ``x.long()``) before a use: ``x.int().float()`` ("float"),
    ``emb(x) * (x.int() > 0)`` ("mask"), ``emb(x.long() + 1)`` ("add")."""
    cast = [helper.make_node("Cast", ["x"], ["c"], to=TensorProto.INT64 if form == "add" else TensorProto.INT32)]
    uses = {"float": [helper.make_node("Cast", ["c"], ["f"], to=TensorProto.FLOAT),
                      helper.make_node("Relu", ["f"], ["y"])],
            "mask": [helper.make_node("Gather", ["emb", "x"], ["e"]),
                     helper.make_node("Greater", ["c", "zero"], ["g"]),
                     helper.make_node("Cast", ["g"], ["gf"], to=TensorProto.FLOAT),
                     helper.make_node("Unsqueeze", ["gf", "axis"], ["gu"]),
                     helper.make_node("Mul", ["e", "gu"], ["y"])],
            "add": [helper.make_node("Add", ["c", "one"], ["d"]), helper.make_node("Gather", ["emb", "d"], ["y"])]}
    constants = [numpy_helper.from_array(np.random.RandomState(0).randn(10, 3).astype(np.float32), "emb"),
                 numpy_helper.from_array(np.array(0, np.int32), "zero"),
                 numpy_helper.from_array(np.array(1, np.int64), "one"),
                 numpy_helper.from_array(np.array([-1], np.int64), "axis")]
    graph = helper.make_graph(cast + uses[form], "g", [helper.make_tensor_value_info("x", TensorProto.INT64, ["b", 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], constants)
    onnx.save(pinned_model(graph), str(path))


@pytest.mark.parametrize("form, dtype", [("float", "Real"), ("mask", "Integer")])
def test_an_integer_input_cast_to_another_integer_type_first_imports_as_uncast(tmp_path, form, dtype):
    """A Cast to int32 or int64 of an integer tensor passes through at import, but the integer input's analysis did not
    see through it: ``x.int().float()`` and ``emb(x) * (x.int() > 0)`` failed with a dtype mismatch between our
    layers where ``x.float()`` and ``emb(x) * (x > 0)`` import; they import as those do and compute as onnxruntime."""
    _int_cast_model(form, tmp_path / "m.onnx")
    net = import_onnx(tmp_path / "m.onnx")
    assert net.port_types["x"].dtype == dtype
    x = torch.tensor([[0, 2], [3, 0], [9, 1]])
    want = run_onnx(tmp_path / "m.onnx", {"x": x})[0]
    np.testing.assert_allclose(net(x=x).detach().numpy(), want, rtol=1e-6, atol=1e-6)


def test_integer_arithmetic_after_an_integer_cast_is_the_integer_input_refusal(tmp_path):
    """``emb(x.long() + 1)``: a dtype mismatch between our layers (Add's Real output to the Gather's Integer input),
    where ``emb(x + 1)`` gets the refusal naming the input and the Add."""
    _int_cast_model("add", tmp_path / "m.onnx")
    with pytest.raises(SpecError, match=r"graph input 'x' is an integer tensor that node 'd' \(Add\) computes on") as e:
        import_onnx(tmp_path / "m.onnx")
    assert [d.kind for d in e.value.diagnostics] == ["integer-input-compared"]


@pytest.mark.parametrize("source, target, named", [
    (TensorProto.FLOAT, TensorProto.INT64, "a real or bool tensor to int64"),
    (TensorProto.INT64, TensorProto.INT8, "an integer tensor to int8")])
def test_a_refused_cast_names_its_source_and_target_and_the_casts_accepted(tmp_path, source, target, named):
    """The refusal said "only a Cast to float32 or float64 ... is supported" (expected [1, 11]) though int32 and int64
    Casts of integers pass too, and named neither what was cast nor to what."""
    nodes = [helper.make_node("Cast", ["x"], ["c"], to=target), helper.make_node("Relu", ["c"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", source, ["b", 2])],
                              [helper.make_tensor_value_info("y", target, None)])
    onnx.save(pinned_model(graph), str(tmp_path / "m.onnx"))
    with pytest.raises(SpecError, match=rf"node 0 \(Cast\): a Cast of {named} is not supported: only one to float32 or "
                                        r"float64 \(a no-op on real data\), or of an integer to int32 or int64$"):
        import_onnx(tmp_path / "m.onnx")
