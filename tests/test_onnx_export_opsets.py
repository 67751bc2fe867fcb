"""export_onnx at an opset that lacks an op names the layer and the opset that has it, and its ONNX forms of the
hyperbolic functions hold for its own export only: a user's later torch.onnx.export in the process is as before."""

from __future__ import annotations

import io
import threading
import warnings

import pytest
import torch
from torch.onnx import register_custom_op_symbolic, unregister_custom_op_symbolic

import onnx

from netgraph import (ElementwiseLayer, FunctionLayer, NetChain, NetGraph, NetMapOperator, NetPort, OptionError,
                      PaddingLayer, ResizeLayer, ThreadingLayer, export_onnx, net_initialize)
from netgraph.export import onnx_symbolics
from netgraph.export.exporter import _export_bytes
from netgraph.export.onnx_torch_private import drop_entry, symbolic_group
from tests.onnx_helpers import run_onnx



class Hyperbolic(torch.nn.Module):
    def forward(self, x):
        return torch.sinh(x) + torch.cosh(x)


class _Cosh(torch.nn.Module):
    def forward(self, x):
        return torch.cosh(x)


def _plain_export(opset: int = 17, module: torch.nn.Module | None = None) -> list[str] | str:
    """The op types of a plain torch export of sinh and cosh (or ``module``), or the name of the error torch raises."""
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module or Hyperbolic(), (torch.randn(2, 3),), buffer, dynamo=False, opset_version=opset)
    except Exception as exc:  # noqa: BLE001 - whatever torch does without netgraph
        return type(exc).__name__
    return [node.op_type for node in onnx.load_from_string(buffer.getvalue()).graph.node]


def _entries() -> dict:
    return {name: symbolic_group(name) for name in ("aten::sinh", "aten::cosh")}


def test_a_plain_torch_export_after_ours_is_unaffected(tmp_path):
    # netgraph registered its Sinh/Cosh symbolics for good: a later plain export changed behaviour
    before, entries = _plain_export(), _entries()
    net = net_initialize(NetChain({"act": ElementwiseLayer("Sinh")}, input=3))
    export_onnx(net, tmp_path / "sinh.onnx")
    assert [n.op_type for n in onnx.load(tmp_path / "sinh.onnx").graph.node] == ["Sinh"]
    assert _entries() == entries
    assert _plain_export() == before


def test_a_users_own_symbolic_is_back_in_place_after_our_export(tmp_path):
    existed = symbolic_group("aten::cosh") is not None
    register_custom_op_symbolic("aten::cosh", lambda g, x: g.op("Exp", x), 9)  # the user's own, wrong on purpose
    try:
        net = net_initialize(NetChain({"act": ElementwiseLayer("Cosh")}, input=3))
        export_onnx(net, tmp_path / "cosh.onnx")
        assert [n.op_type for n in onnx.load(tmp_path / "cosh.onnx").graph.node] == ["Cosh"]  # ours inside
        after = _plain_export()
        assert isinstance(after, str) or "Exp" in after  # theirs again (sinh may be refused by torch itself)
        group = symbolic_group("aten::cosh")
        assert group is not None and group.get(17) is not None and group.get(17).__name__ == "<lambda>"
    finally:
        unregister_custom_op_symbolic("aten::cosh", 9)
        if not existed:  # torch leaves an empty entry, on which its exporter fails
            drop_entry("aten::cosh")


def _plain_export_during_ours(layer: str, path, monkeypatch, module=None, opset: int = 17) -> list[str] | str:
    """``_plain_export`` in this thread while export_onnx of an ElementwiseLayer(``layer``) runs in another, which
    waits inside its export (events order the threads, no timing); asserts that export wrote the layer's op."""
    export, inside, done, theirs = torch.onnx.export, threading.Event(), threading.Event(), []

    def paused(*args, **kwargs):
        if threading.current_thread() is ours:
            inside.set()
            assert done.wait(60)
        return export(*args, **kwargs)

    monkeypatch.setattr(torch.onnx, "export", paused)
    net = net_initialize(NetChain({"act": ElementwiseLayer(layer)}, input=3))
    ours = threading.Thread(target=lambda: export_onnx(net, path))
    ours.start()
    try:
        assert inside.wait(60)
        theirs.append(_plain_export(opset, module=module))
    finally:
        done.set()
        ours.join(60)
    assert [n.op_type for n in onnx.load(path).graph.node] == [layer]
    return theirs[0]


def test_another_threads_plain_export_during_ours_sees_torchs_symbolics(tmp_path, monkeypatch):
    """Our symbolics were registered process-wide while export_onnx ran: another thread's torch.onnx.export then
    wrote our Sinh and Cosh (torch 2.13 refuses them)."""
    before = _plain_export()
    assert _plain_export_during_ours("Sinh", tmp_path / "sinh.onnx", monkeypatch) == before
    assert _plain_export() == before


def test_another_threads_plain_export_during_ours_runs_the_users_own_symbolic(tmp_path, monkeypatch):
    existed = symbolic_group("aten::cosh") is not None
    register_custom_op_symbolic("aten::cosh", lambda g, x: g.op("Exp", x), 9)  # the user's own, wrong on purpose
    try:
        assert _plain_export_during_ours("Cosh", tmp_path / "cosh.onnx", monkeypatch, _Cosh()) == ["Exp"]
    finally:
        unregister_custom_op_symbolic("aten::cosh", 9)
        if not existed:
            drop_entry("aten::cosh")


def test_another_threads_export_below_opset_9_during_ours_dispatches_at_its_own_opset(tmp_path, monkeypatch):
    """The symbolic for another thread's export was read at opset 9: a user's cosh registered at opset 7 ran in an
    opset-8 export, which torch refuses (below opset 9 it looks up toward 9, not down)."""
    existed = symbolic_group("aten::cosh") is not None
    register_custom_op_symbolic("aten::cosh", lambda g, x: g.op("Exp", x), 7)  # the user's own, wrong on purpose
    try:
        before = _plain_export(8, module=_Cosh())
        assert before == "UnsupportedOperatorError"
        assert _plain_export_during_ours("Cosh", tmp_path / "cosh.onnx", monkeypatch, _Cosh(), opset=8) == before
        assert _plain_export(10, module=_Cosh()) == ["Exp"]  # from opset 9 on torch looks down: the user's
    finally:
        unregister_custom_op_symbolic("aten::cosh", 7)
        if not existed:
            drop_entry("aten::cosh")


def test_a_plain_export_while_ours_restores_the_registry_is_refused_not_crashed(tmp_path, monkeypatch):
    """Restoring left cosh's entry empty for a moment (unregister, then drop): an export of cosh then failed with
    "min() arg is an empty sequence" (ValueError) instead of torch's UnsupportedOperatorError. The export runs at
    each unregister of the restore, in the restoring thread (its own-export flag is already off, as another's)."""
    unregister, seen = onnx_symbolics.unregister_custom_op_symbolic, []

    def unregister_then_export(name, opset):
        unregister(name, opset)
        seen.append((name, _plain_export(module=_Cosh())))

    monkeypatch.setattr(onnx_symbolics, "unregister_custom_op_symbolic", unregister_then_export)
    export_onnx(net_initialize(NetChain({"act": ElementwiseLayer("Cosh")}, input=3)), tmp_path / "cosh.onnx")
    assert seen and all(refused == "UnsupportedOperatorError" for _, refused in seen), seen
    assert _plain_export(module=_Cosh()) == "UnsupportedOperatorError"


@pytest.mark.parametrize("opset", [7, 8])
def test_gelu_at_an_opset_without_erf_names_the_layer_and_the_opset_that_works(opset, tmp_path):
    # the message named only the Erf node, not the GELU layer nor which opset would do
    net = net_initialize(NetChain({"lin": 3, "act": ElementwiseLayer("GELU")}, input=4), seed=0)
    with pytest.raises(OptionError, match=rf"at opset {opset}: its Erf node .* from layer 'act' \(ElementwiseLayer "
                                          r"'GELU'\).*ONNX has Erf from opset 9: export at opset 9 or higher"):
        export_onnx(net, tmp_path / "gelu.onnx", opset=opset)
    onnx.checker.check_model(onnx.load(export_onnx(net, tmp_path / "gelu9.onnx", opset=9)))



def test_gelu_in_a_transformers_per_element_feed_forward_at_opset_8_names_the_layer(tmp_path):
    """Inside a NetMapOperator the Erf node is '/net/Erf' and the GELU call is in the inner net's forward: the
    message named no layer."""
    ff = NetChain({"lin": 3, "act": ElementwiseLayer("GELU")}, input=4)
    net = net_initialize(NetGraph({"ff": NetMapOperator(ff)}, [], Input=("n", 4)), seed=0)
    with pytest.raises(OptionError, match=r"its Erf node .* from layer 'ff/net/act' \(ElementwiseLayer 'GELU'\)"):
        export_onnx(net, tmp_path / "gelu.onnx", opset=8)


@pytest.mark.parametrize("expression", ["(#x == 1) * #x", "If[#x == 1, #x, 0]"])
def test_a_comparison_of_floats_at_an_opset_without_it_is_refused_not_written(expression, tmp_path):
    # torch writes Equal on floats at opset 9, which onnxruntime refuses to load; the checker without
    # shape inference's type constraints let the file be written
    net = NetGraph([FunctionLayer(expression)], [], x=3)
    with pytest.raises(OptionError, match=r"not valid ONNX at opset 9: its Equal node '/Equal'.*tensor\(float\)"):
        export_onnx(net, tmp_path / "cmp.onnx", opset=9)
    assert not (tmp_path / "cmp.onnx").exists()
    onnx.checker.check_model(onnx.load(export_onnx(net, tmp_path / "cmp11.onnx", opset=11)), full_check=True)


def test_an_op_refused_for_its_type_names_the_layer_and_the_first_opset_taking_that_type(tmp_path):
    """A reflected padding's index computation (a helper's nodes, named with no module scope) clips int64
    indices, which Clip takes from opset 12 only: the refusal at opset 11 named no layer and expected=1 (Clip's
    first opset, whatever its type)."""
    net = net_initialize(NetChain({"pad": PaddingLayer([[1, 2], [0, 0]], padding="Reflected")}, input=("n", 4)))
    with pytest.raises(OptionError, match=r"at opset 11: its Clip node '/Clip' from layer 'pad' \(PaddingLayer\): "
                                          r".*ONNX has Clip of tensor\(int64\) from opset 12: export at opset 12 or "
                                          r"higher") as info:
        export_onnx(net, tmp_path / "pad.onnx", opset=11)
    (problem,) = info.value.diagnostics
    assert (problem.layer, problem.expected, problem.found) == (("pad",), 12, 11)
    assert not (tmp_path / "pad.onnx").exists()
    path = export_onnx(net, tmp_path / "pad12.onnx", opset=12)  # the opset named works
    x = torch.randn(2, 5, 4, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"Input": x})[0]), net(x))


def test_an_if_of_another_comparison_exports_at_opset_9(tmp_path):
    """If tested its comparison cast to 1 or 0 for != 0, an Equal on floats, refused at opset 9; now a Where on the
    Greater itself, valid there."""
    net = NetGraph([FunctionLayer("If[#x > 0, #x, 0]")], [], x=3)
    path = export_onnx(net, tmp_path / "if9.onnx", opset=9)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    x = torch.tensor([[-1.0, 0.0, 2.0], [3.0, -0.5, 0.25]])
    torch.testing.assert_close(torch.from_numpy(run_onnx(path, {"x": x})[0]), net(x))


@pytest.mark.parametrize("opset", [9, 10])
@pytest.mark.parametrize("options", [{"dims": [4, 4]}, {"scale": 2, "resampling": "Nearest"}])
def test_a_resize_below_opset_11_names_the_layer_and_the_opset_that_works(opset, options, tmp_path):
    net = net_initialize(NetChain({"up": ResizeLayer(**options)}, input=[1, 2, 2]))
    with pytest.raises(OptionError, match=rf"'up' \(ResizeLayer\) cannot be exported at opset {opset}: .* from "
                                          r"opset 11; export at opset 11 or higher") as info:
        export_onnx(net, tmp_path / "r.onnx", opset=opset)
    assert info.value.diagnostics[0].option == "opset" and info.value.diagnostics[0].layer == ("up",)
    assert not (tmp_path / "r.onnx").exists()
    export_onnx(net, tmp_path / "r.onnx", opset=11)  # the opset named works
    inner = NetChain({"map": NetMapOperator(NetChain({"up": ResizeLayer(**options)}))}, input=[3, 1, 2, 2])
    with pytest.raises(OptionError, match=r"layer 'map/net/up' \(ResizeLayer\) cannot be exported at opset"):
        export_onnx(net_initialize(inner), tmp_path / "m.onnx", opset=opset)


def test_an_operator_torch_refuses_inside_an_operators_inner_net_names_that_layer(tmp_path):
    """A transformer's per-element projection to heads, NetMapOperator(LinearLayer((2, 8))), at opset 11: torch
    refuses its aten::unflatten, and the error said "cannot export this net", naming no layer: the inner net's
    generated forward was not searched."""
    from netgraph import LinearLayer
    net = net_initialize(NetGraph({"heads": NetMapOperator(LinearLayer((2, 8)))}, [], Input=("n", 16)), seed=0)
    with pytest.raises(OptionError, match=r"cannot export layer 'heads/net/layer' \(LinearLayer\) \(opset 11\): "
                                          r".*aten::unflatten"):
        export_onnx(net, tmp_path / "m.onnx", opset=11)


def test_the_refused_type_is_read_from_inferred_types_and_the_schema_not_from_onnxs_message():
    """The type an op refuses was parsed out of onnx's message text: it is read as data, the node's inferred input
    types against its schema's type constraints at the opset (a Clip of int64 at 11, not at 12; Equal of floats)."""
    import onnx
    from onnx import TensorProto, helper
    from netgraph.export.onnx_symbolics import refused_type
    from tests.onnx_helpers import pinned_model

    def model(op, element, opset, extra=()):
        inputs = [helper.make_tensor_value_info(n, element, ["b", 3]) for n in ("x", *extra)]
        node = helper.make_node(op, ["x", *extra], ["y"], name="n")
        out = helper.make_tensor_value_info("y", TensorProto.BOOL if op == "Equal" else element, ["b", 3])
        return pinned_model(helper.make_graph([node], "g", inputs, [out]), opset)
    assert refused_type(onnx, model("Clip", TensorProto.INT64, 11), "n", 11) == ("T", "tensor(int64)")
    assert refused_type(onnx, model("Clip", TensorProto.INT64, 12), "n", 12) is None
    assert refused_type(onnx, model("Equal", TensorProto.FLOAT, 10, "w"), "n", 10) == ("T", "tensor(float)")
    assert refused_type(onnx, model("Clip", TensorProto.FLOAT, 11), "n", 11) is None


@pytest.mark.parametrize("depth", [1, 2])
def test_an_op_refused_for_its_type_inside_an_operators_inner_net_names_the_inner_layer(depth, tmp_path):
    """The reflected padding's helper Clip inside NetMapOperator's inner net (in a map of a map too): its Python
    stack's outermost generated line was read, so the refusal named the operator 'map'; it names the inner layer's
    path, as the other refusals do."""
    inner = NetChain({"pad": PaddingLayer([[1, 2]], padding="Reflected")})
    for _ in range(depth):
        inner = NetChain({"map": NetMapOperator(inner)})
    net = net_initialize(NetGraph({"outer": inner}, [], Input=(3, 2, "n")[2 - depth:]), seed=0)
    path = "outer/" + "map/net/" * depth + "pad"
    with pytest.raises(OptionError, match=rf"its Clip node '[^']*' from layer '{path}' \(PaddingLayer\): .*ONNX has "
                                          r"Clip of tensor\(int64\) from opset 12") as info:
        export_onnx(net, tmp_path / "m.onnx", opset=11)
    assert info.value.diagnostics[0].layer == tuple(path.split("/"))


def test_the_clips_of_two_identical_inner_nets_name_each_its_own_branch(tmp_path):
    """Identical inner nets share one compiled forward, so the forward's file named both a/map/net and b/map/net and
    the last won: a's Clip was reported as b's. The stack is followed from the outer forward inwards: the line of a's
    call names a's inner layer, that of b's call b's, and the refusal names a's (torch's Clip is a's, b's shared)."""
    def branch():
        return NetChain({"map": NetMapOperator(NetChain({"pad": PaddingLayer([[1, 2]], padding="Reflected")}))})
    net = net_initialize(NetGraph({"a": branch(), "b": branch(), "t": ThreadingLayer("Plus", inputs=2)},
                                  [("a", NetPort("t", "Input1")), ("b", NetPort("t", "Input2"))], Input=(2, "n")),
                         seed=0)
    module = net.compile().eval()
    model = onnx.load_from_string(_export_bytes(net, module, 11, verbose=True))
    (stack,) = [n.doc_string for n in model.graph.node if n.op_type == "Clip"]  # torch shares the branches' one
    outer = type(module).forward.__code__.co_filename
    calls = {line.split(".")[1]: k for k, line in enumerate(module.code.splitlines(), 1) if ".map.net(" in line}
    assert f"{outer}({calls['a']}): forward" in stack
    as_b = stack.replace(f"{outer}({calls['a']}): forward", f"{outer}({calls['b']}): forward")  # b's call's line
    assert onnx_symbolics.layer_of_line(net, module, stack).path == ("a", "map", "net", "pad")
    assert onnx_symbolics.layer_of_line(net, module, as_b).path == ("b", "map", "net", "pad")
    with pytest.raises(OptionError, match=r"from layer 'a/map/net/pad' \(PaddingLayer\)"):
        export_onnx(net, tmp_path / "m.onnx", opset=11)
