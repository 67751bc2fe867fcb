"""ONNX export and import without the ``onnx`` package: one error of kind "missing-package", as metrics= without
torchmetrics gives, with the package expected and the command that installs it."""

from __future__ import annotations

import sys

from netgraph.core.errors import NetGraphError
from netgraph.export.deps import INSTALL_HINT, require
from tests.diagnostic_helpers import sole_diagnostic


def test_a_missing_onnx_package_is_a_missing_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime raises ImportError
    d = sole_diagnostic(lambda: require("onnxruntime"), NetGraphError)
    assert (d.kind, d.expected, d.hint) == ("missing-package", "onnxruntime", INSTALL_HINT)
