"""The score-function layers' running-mean baselines, saved in checkpoints so a resumed run takes the same steps."""

from __future__ import annotations

from torch import nn

__all__ = ["estimator_state", "load_estimator_state"]


def estimator_state(module: nn.Module) -> dict[str, float]:
    """The running-mean baselines of ``module``'s score-function layers, by submodule name (what a checkpoint
    saves so a resumed run takes the same steps); layers that have none yet are left out."""
    return {name: float(sub.baseline) for name, sub in module.named_modules()
            if getattr(sub, "baseline", None) is not None and hasattr(sub, "distribution")}


def load_estimator_state(module: nn.Module, state: dict[str, float]) -> None:
    """Restore ``estimator_state``'s baselines into ``module`` (layers not in ``state`` start without one).

    >>> from netgraph import NetGraph, RandomArrayLayer, BernoulliDistribution
    >>> m = NetGraph([RandomArrayLayer(BernoulliDistribution("#p"))], [], p=()).compile()
    >>> load_estimator_state(m, {"1": 0.25}); estimator_state(m)
    {'1': 0.25}
    """
    for name, sub in module.named_modules():
        if hasattr(sub, "distribution") and hasattr(sub, "baseline"):
            value = state.get(name)
            vars(sub)["baseline"] = None if value is None else float(value)
