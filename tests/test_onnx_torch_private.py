"""The torch private names the ONNX export needs (``netgraph.export.onnx_torch_private``, one wrapper each) against
the installed torch: each test fails where torch renames or changes what its wrapper reads."""

from __future__ import annotations

import io
import warnings

import pytest
import torch
from torch.onnx import register_custom_op_symbolic, unregister_custom_op_symbolic

from netgraph.export.onnx_torch_private import (TorchDispatchMode, custom_symbolic, drop_entry, onnx_log_off,
                                                 symbolic_at, symbolic_group, symbolic_table)


class _Cosh(torch.nn.Module):
    def forward(self, x):
        return torch.cosh(x)


def _export_cosh() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Cosh(), (torch.randn(2),), io.BytesIO(), dynamo=False, opset_version=17)


def test_symbolic_group_is_the_symbolic_torch_runs_at_an_opset():
    group = symbolic_group("aten::atan")
    assert group is not None and callable(group.get(17)) and group.get_min_supported() == 9
    assert symbolic_group("aten::no_such_operator") is None


def test_a_users_symbolic_is_read_at_its_opset_and_an_empty_entry_is_dropped():
    assert symbolic_group("aten::cosh") is None  # torch 2.13 has none: the exporter refuses cosh
    def mine(g, x):
        return g.op("Exp", x)
    register_custom_op_symbolic("aten::cosh", mine, 9)
    try:
        assert custom_symbolic("aten::cosh", 9) is mine and custom_symbolic("aten::cosh", 10) is None
        assert symbolic_group("aten::cosh").get(17) is mine
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            unregister_custom_op_symbolic("aten::cosh", 9)
    assert custom_symbolic("aten::cosh", 9) is None
    with pytest.raises(ValueError, match="empty sequence"):  # torch's exporter on the empty entry left behind
        _export_cosh()
    drop_entry("aten::cosh")
    assert symbolic_group("aten::cosh") is None
    with pytest.raises(torch.onnx.errors.UnsupportedOperatorError):
        _export_cosh()


def test_drop_entry_removes_a_users_only_symbolic_in_one_step():
    assert symbolic_group("aten::cosh") is None
    register_custom_op_symbolic("aten::cosh", lambda g, x: g.op("Exp", x), 9)
    drop_entry("aten::cosh")
    assert symbolic_group("aten::cosh") is None
    with pytest.raises(torch.onnx.errors.UnsupportedOperatorError):
        _export_cosh()


def test_symbolic_table_dispatches_like_torch_at_each_opset():
    def at_7(g, x):
        return g.op("Exp", x)

    def at_11(g, x):
        return g.op("Exp", x)
    register_custom_op_symbolic("aten::cosh", at_7, 7)
    register_custom_op_symbolic("aten::cosh", at_11, 11)
    try:
        table, group = symbolic_table("aten::cosh"), symbolic_group("aten::cosh")
        assert table == {7: at_7, 11: at_11}
        assert [symbolic_at(table, opset) for opset in range(6, 18)] == [group.get(opset) for opset in range(6, 18)]
        assert symbolic_at(table, 8) is None and symbolic_at(table, 6) is at_7  # below 9 torch looks up to 9
    finally:
        drop_entry("aten::cosh")
    assert symbolic_table("aten::cosh") == {}


def test_onnx_log_off_silences_torchs_onnx_log_inside_only(capfd):
    log = torch._C._jit_onnx_log
    with onnx_log_off():
        assert torch._C._jit_onnx_log is not log
        torch._C._jit_onnx_log("not printed")
    assert torch._C._jit_onnx_log is log
    assert "not printed" not in capfd.readouterr().out


def test_a_dispatch_mode_sees_each_operator_by_its_public_names():
    class Seen(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.names = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.names.append(f"{func.namespace}::{func.overloadpacket.__name__}")
            return func(*args, **(kwargs or {}))

    with Seen() as mode:
        torch.digamma(torch.ones(2))
    assert "aten::digamma" in mode.names
