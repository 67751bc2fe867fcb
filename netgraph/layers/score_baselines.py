"""Which baseline a score-function term may use: each example's draws scored by its own loss less the mean loss of
the other examples (leave-one-out) where the examples' losses are independent of each other's draws; else every draw
scored by the whole objective (less a baseline independent of every draw: none, or a running mean of earlier steps).

A layer whose output depends on other examples as it runs now (batch normalisation in training mode) makes each
example's loss depend on every example's draws: there leave-one-out is biased (the others' losses move with this
example's draw), and scoring an example's draws by its own loss alone misses the rest. Such a module says so with
``MIXES_EXAMPLES``, true while it mixes (a property returning ``self.training`` for a batch norm's; torch's own batch
norms are known without it; a FunctionLayer's Python function given ``mixes_examples=True``); README's older
``MIXES_EXAMPLES_IN_TRAINING = True`` still counts, in training mode.

>>> import torch
>>> logp = torch.tensor([0.5, 1.0], requires_grad=True)
>>> term = leave_one_out_term(logp, torch.tensor([1.0, 3.0]), mixed=False)
>>> term.item(), torch.autograd.grad(term, logp)[0].tolist()
(0.0, [-2.0, 2.0])
>>> leave_one_out_term(logp, torch.tensor([1.0, 3.0]), mixed=True) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from netgraph.core.errors import OptionError
from netgraph.layers.score_records import ScoreRecord

__all__ = ["checked_loss", "mixes_examples", "leave_one_out_term", "example_logp", "mark_folded_draws"]


def mixes_examples(modules: Iterable[nn.Module]) -> bool:
    """Whether one of ``modules``, as it runs now, makes an example's output depend on other examples: one declaring
    ``MIXES_EXAMPLES`` true (or the older ``MIXES_EXAMPLES_IN_TRAINING`` in training mode), or a torch batch norm
    normalising by the batch's statistics.

    >>> mixes_examples([nn.BatchNorm1d(2)]), mixes_examples([nn.BatchNorm1d(2).eval(), nn.Linear(2, 2)])
    (True, False)
    """
    return any(getattr(sub, "MIXES_EXAMPLES", False)
               or sub.training and getattr(sub, "MIXES_EXAMPLES_IN_TRAINING", False)
               or isinstance(sub, _BatchNorm) and (sub.training or not sub.track_running_stats) for sub in modules)


def leave_one_out_term(logp: torch.Tensor, losses: torch.Tensor | None, mixed: bool) -> torch.Tensor | None:
    """The score-function term (value 0) of draws whose log-probabilities ``logp`` are per example, each example's
    scored by its loss (``losses``, one per example) less the mean loss of the others: the gradient of
    ``losses.sum()``. None where that would be biased or is impossible: ``mixed`` (``mixes_examples``), fewer than
    two examples, or draws that are not one per loss; the caller then scores every draw by the whole objective."""
    n = losses.shape[0] if losses is not None and losses.dim() == 1 else 0
    if mixed or n < 2 or logp.shape[0] != n:
        return None
    advantage = (losses - (losses.sum() - losses) / (n - 1)).detach()
    return (advantage.to(logp.dtype) * (logp - logp.detach())).sum()


def mark_folded_draws(modules: Iterable[nn.Module]) -> None:
    """Mark the random layers' ``modules`` (those whose records ``example_logp`` reads) as drawing for examples folded
    into the batch with their elements (``NetMapOperator``: ``(B, n, ...)`` flattened to ``B*n``, example by example),
    so that ``surrogate_loss`` sums each example's draws' log-probabilities against its loss instead of falling back to
    the running mean."""
    for module in modules:
        vars(module)["_netgraph_folded_draws"] = True


def example_logp(record: ScoreRecord, losses: int) -> torch.Tensor:
    """The record's log-probabilities summed per example of a ``losses``-example batch, where its layer drew for
    each example's elements folded into the batch; else as recorded."""
    logp = record.logp
    draws = logp.shape[0]
    if draws != losses and losses and draws % losses == 0 and vars(record.owner).get("_netgraph_folded_draws", False):
        return logp.reshape(losses, -1).sum(1)
    return logp


def checked_loss(loss: Any, reduction: str) -> torch.Tensor:
    """``loss`` detached, where it is one a ``surrogate_loss`` with ``reduction`` takes (else an OptionError)."""
    if reduction not in ("mean", "sum"):
        raise OptionError(f"surrogate_loss: reduction must be 'mean' or 'sum', found {reduction!r}",
                          kind="option-value", option="reduction", expected=["mean", "sum"], found=reduction)
    if not isinstance(loss, torch.Tensor) or loss.dim() > 1 or not loss.is_floating_point():
        found = (type(loss).__name__ if not isinstance(loss, torch.Tensor) else f"shape {tuple(loss.shape)}"
                 if loss.dim() > 1 else f"dtype {loss.dtype}")  # the part that is wrong
        raise OptionError("surrogate_loss(loss) needs the per-example losses as a 1-D float tensor (B,) "
                          f"(or the scalar objective itself); found {found}. Reduce other dims first, "
                          "e.g. loss.flatten(1).sum(1).",
                          kind="option-value", option="loss", expected="a 1-D float tensor (B,)", found=found)
    return loss.detach()
