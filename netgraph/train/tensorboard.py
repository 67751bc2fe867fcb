"""TensorBoard logging for net_train (``progress_reporting="tensorboard"``, ``log_dir=...``).

Scalars, each at its own step: ``loss/batch`` (step = batch, counted from 1 over the whole run),
``loss/round``, ``loss/validation``, ``learning_rate`` and the metrics asked for (``metric/train/<label>``,
``metric/validation/<label>``) (step = round). The net's graph is added
once, traced from the first training batch; a net that cannot be traced is logged without its graph
(a warning says why). Needs the optional ``tensorboard`` package:
``pip install torch-netgraph[tensorboard]``.

>>> parse_reporting(None, None) is None
True
>>> parse_reporting("tensorbord", "runs/mlp")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
netgraph.core.errors.OptionError: progress_reporting must be None or 'tensorboard', found 'tensorbord' ...
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from netgraph.core.errors import OptionError
from netgraph.core.option_checks import refuse_unused
from netgraph.core.output_paths import usable_folder
from netgraph.core.torch_state import buffers_kept, forked_generator
from netgraph.train.metric_history import latest_values
from netgraph.core.user_frame import user_stacklevel

__all__ = ["parse_reporting", "TensorBoardLog", "INSTALL_HINT"]

INSTALL_HINT = "pip install torch-netgraph[tensorboard] (or pip install tensorboard)"
_NAMES = ("tensorboard", "TensorBoard")


def parse_reporting(value: Any, log_dir: Any, made: list[Path] | None = None) -> Path | None:
    """The TensorBoard log directory to write (created: ``usable_folder``, which adds it to ``made``), or None;
    OptionError for bad values or a missing package."""
    if value is None or value is False:
        if log_dir is not None:
            refuse_unused("log_dir", f"log_dir={str(log_dir)!r}", log_dir, "progress_reporting='tensorboard'",
                          "the folder of its event files")
        return None
    if value not in _NAMES:
        raise OptionError(f"progress_reporting must be None or 'tensorboard', found {value!r} (for a progress "
                          f"bar or printed rounds use progress=)", kind="option-value", option="progress_reporting",
                          expected=(None, "tensorboard"), found=value)
    if log_dir is None or not isinstance(log_dir, (str, os.PathLike)) or not str(log_dir):
        raise OptionError(f"progress_reporting='tensorboard' needs log_dir='a/directory' for the event files; "
                          f"found log_dir={log_dir!r}", option="log_dir", expected="a folder for the event files",
                          kind="option-combination" if log_dir is None else "option-value", found=log_dir)
    _summary_writer_class()
    return usable_folder(log_dir, "log_dir", made, option="log_dir")


def _summary_writer_class() -> type:
    try:
        from torch.utils.tensorboard import SummaryWriter  # optional: only TensorBoard logging needs it
    except ImportError:
        raise OptionError(f"progress_reporting='tensorboard' needs the tensorboard package: {INSTALL_HINT}",
                          option="progress_reporting", kind="missing-package", expected="tensorboard",
                          hint=INSTALL_HINT) from None
    return SummaryWriter


def _skip_graph(why: str) -> None:
    warnings.warn(f"TensorBoard: the net's graph was not logged because {why}; the scalars are logged as usual",
                  stacklevel=user_stacklevel())


@contextlib.contextmanager
def _left_as_found(module: torch.nn.Module) -> Iterator[None]:
    """``module`` after the block as before it: its buffers and each layer's plain attributes, train/eval mode among
    them (those the block set or replaced; containers it changed in place are not copied back). Parameters are not
    copied: the block traces in eval mode without grad, which leaves them as they are."""
    attributes = [(sub, dict(vars(sub))) for sub in module.modules()]
    with buffers_kept(module):
        try:
            yield
        finally:
            for sub, before in attributes:
                vars(sub).clear()
                vars(sub).update(before)


class TensorBoardLog:
    """A SummaryWriter fed by the training loop: ``graph`` once (the loop asks once), ``batch`` per step, ``round`` per
    round."""

    def __init__(self, log_dir: Path):
        self.writer = _summary_writer_class()(log_dir=str(log_dir))

    def graph(self, module: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
        """Add the compiled module's graph traced on ``inputs``, leaving no trace of it: not in the RNG, the arrays,
        the module's train/eval mode or its layers' other state (records of draws for the score-function term,
        baselines: traced without grad, nothing is recorded); a warning (not an error) when tracing fails."""
        if not inputs:
            _skip_graph("the net has no input ports to trace it with")
            return
        devices = [t.device.index or 0 for t in inputs if t.device.type == "cuda"][:1]
        try:
            with _left_as_found(module), forked_generator(devices=devices), torch.no_grad(), \
                    warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # add_graph's notice
                warnings.simplefilter("ignore")  # tracer warnings: data-dependent control flow, draws that differ
                module.eval()
                self.writer.add_graph(module, inputs, use_strict_trace=False)  # a dict of outputs too
        except Exception as exc:  # noqa: BLE001 -- any tracing failure only costs the diagram
            first_line = (str(exc).splitlines() or [""])[0]
            _skip_graph(f"tracing it failed ({type(exc).__name__}: {first_line})")

    def batch(self, step: int, loss: float) -> None:
        self.writer.add_scalar("loss/batch", loss, step)

    def round(self, r: int, loss: float, validation_loss: float | None, learning_rate: float) -> None:
        self.writer.add_scalar("loss/round", loss, r)
        if validation_loss is not None:
            self.writer.add_scalar("loss/validation", validation_loss, r)
        self.writer.add_scalar("learning_rate", learning_rate, r)

    def progress(self, r: int, state: Any, learning_rate: float, measured: Sequence[str] = ()) -> None:
        """Round ``r``'s losses, loss terms (when several), metrics (each ``measured`` label's, NaN where undefined)
        and ``learning_rate`` from the loop's ``state``."""
        self.round(r, state.round_losses[-1], state.validation_losses[-1] if state.validation_losses else None,
                   learning_rate)
        terms = latest_values(state.term_round_losses)
        if len(terms) > 1:
            self.terms(r, terms, latest_values(state.term_weights))
        self.metrics(r, latest_values(state.round_metrics, measured),
                     latest_values(state.validation_metrics, measured))

    def terms(self, r: int, losses: dict[str, float], weights: dict[str, float]) -> None:
        """Each loss term's unweighted round mean (``loss/term/<label>``) and its weight (``weight/<label>``)."""
        for label, value in losses.items():
            self.writer.add_scalar(f"loss/term/{label}", value, r)
            self.writer.add_scalar(f"weight/{label}", weights[label], r)

    def metrics(self, r: int, training: dict[str, float], validation: dict[str, float]) -> None:
        """Each metric's round value: ``metric/train/<label>`` and ``metric/validation/<label>``."""
        for split, values in (("train", training), ("validation", validation)):
            for label, value in values.items():
                self.writer.add_scalar(f"metric/{split}/{label}", value, r)

    def close(self) -> None:
        self.writer.close()
