"""Shared by the ONNX tests: run a model file in onnxruntime, compare with the compiled module."""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path

import numpy as np
import torch

import onnx
import onnxruntime as ort  # noqa: E402  (the test extra installs it: a broken install must fail)
from onnx import helper

from netgraph import export_onnx, import_onnx, net_initialize
from netgraph.export.exporter import example_inputs

#: the oldest onnxruntime the test extra allows (1.18) loads IR versions up to this one
OLDEST_RUNTIME_IR = 10


def pinned_model(graph: onnx.GraphProto, opset: int = 17, *others: tuple[str, int]) -> onnx.ModelProto:
    """``helper.make_model`` of ONNX's ``opset`` (and the ``(domain, version)`` pairs ``others``) at the IR version
    that opset needs, not onnx's newest: onnx 1.23 writes IR 14, which onnxruntime up to 1.30 refuses."""
    default = helper.make_opsetid("", opset)
    model = helper.make_model(graph, opset_imports=[default, *(helper.make_opsetid(*o) for o in others)])
    model.ir_version = helper.find_min_ir_version_for([default])
    return model


class Op(torch.nn.Module):
    """A module whose forward is ``forward`` (a function of one tensor), for exporting one torch op."""

    def __init__(self, forward):
        super().__init__()
        self.op = forward

    def forward(self, x):
        return self.op(x)


def run_onnx(path: Path, inputs: dict[str, torch.Tensor]) -> list[np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {k: v.numpy() for k, v in inputs.items()})


def draw_onnx(path: Path, runs: int) -> list[np.ndarray]:
    """Outputs of ``runs`` runs of one session of a model without inputs, stacked (one draw per run)."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return [np.stack(d) for d in zip(*(session.run(None, {}) for _ in range(runs)))]


def as_list(result) -> list[torch.Tensor]:
    return [v.detach() for v in result.values()] if isinstance(result, dict) else [result.detach()]


def round_trip(net, tmp_path: Path, inputs: dict | None = None, **sizes):
    """``net`` (its missing arrays filled, seed 0) exported and imported back: the net imported, checked to compute
    each output as ``net`` does on ``inputs`` (else example inputs of ``sizes``: batch 5, seed 1)."""
    net = net_initialize(net, seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "model.onnx"))
    inputs = inputs or example_inputs(net, **{"batch": 5, "seed": 1, **sizes})
    want, got = net.compile().eval()(**inputs), back.compile().eval()(**inputs)
    assert len(as_list(got)) == len(as_list(want))
    for port in net.output_ports:
        torch.testing.assert_close((got[port] if isinstance(got, dict) else got),
                                   (want[port] if isinstance(want, dict) else want), atol=1e-5, rtol=1e-4)
    return back


def assert_same_outputs(path: Path, module, inputs: dict[str, torch.Tensor], atol: float = 1e-5) -> None:
    got = run_onnx(path, inputs)
    want = as_list(module(**inputs))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        torch.testing.assert_close(torch.from_numpy(np.asarray(g)), w, atol=atol, rtol=1e-4)


def assert_same_distribution(onnx_draws: list[np.ndarray], torch_draws: list[torch.Tensor]) -> None:
    """Per element, the means of the two samples (first dim = draws) agree within 5 standard errors."""
    for o, t in zip(onnx_draws, torch_draws):
        o, t = torch.from_numpy(np.asarray(o)).double(), t.double()
        n = o.shape[0]
        se = ((o.var(0) + t.var(0)) / n).sqrt()
        gap = (o.mean(0) - t.mean(0)).abs()
        assert bool((gap <= 5 * se + 1e-6).all()), (gap, se)
        assert bool(((o.std(0) - t.std(0)).abs() <= 0.1 * t.std(0) + 1e-6).all())  # same spread


def torch_export(module: torch.nn.Module, x: torch.Tensor | tuple, path: Path, name: str | list[str] = "input", *,
                 axes: dict | None = None, **options) -> Path:
    """``module`` written by torch's TorchScript exporter (as models exported by plain torch are), in eval mode, its
    warnings silenced: ``x`` a tensor or a tuple of them, ``name`` the input name (or names), ``axes`` the dynamic
    axes by input name (default: each input's batch ``b``; ``{}``: none); ``options`` go to ``torch.onnx.export``
    (``opset_version``, ``output_names``); ``path``."""
    names = [name] if isinstance(name, str) else list(name)
    axes = {n: {0: "b"} for n in names} if axes is None else axes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), x if isinstance(x, tuple) else (x,), str(path), dynamo=False,
                          input_names=names, dynamic_axes=axes or None, **options)
    return path


@contextlib.contextmanager
def quiet_exporter():
    """torch.onnx's logger at ERROR inside (the dynamo exporter logs its steps at WARNING), as it was after."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
