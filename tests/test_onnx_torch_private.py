"""The torch private names the ONNX export needs (``netgraph.export.onnx_torch_private``, one wrapper each) against
the installed torch: each test fails where torch renames or changes what its wrapper reads."""

from __future__ import annotations

import io
import warnings

import pytest
import torch
from torch.onnx import register_custom_op_symbolic, unregister_custom_op_symbolic

from netgraph.export.onnx_torch_private import (TorchDispatchMode, custom_symbolic, drop_empty_entry, onnx_log_off,
                                                 symbolic_group)


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
    drop_empty_entry("aten::cosh")
    assert symbolic_group("aten::cosh") is None
    with pytest.raises(torch.onnx.errors.UnsupportedOperatorError):
        _export_cosh()


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
