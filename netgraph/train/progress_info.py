"""The ``info`` dict a progress or stopping function gets: snake_case keys, and Wolfram's TrainingProgressFunction
names as aliases (``info["RoundLoss"]`` is ``info["round_loss"]``; ``info["Net"]`` the current net,
``info["Gradients"]`` the last step's gradients by array name).

>>> info = ProgressInfo({"round": 3, "round_loss": 0.5})
>>> info["Round"], info["RoundLoss"], "Round" in info, info.get("RoundLoss")
(3, 0.5, True, 0.5)
"""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.key_errors import MessageKeyError

__all__ = ["ProgressInfo", "InfoKeyError", "WOLFRAM_KEYS"]

#: Wolfram's TrainingProgressFunction keys -> ours ("Batch" counts within the round, "AbsoluteBatch" over the run).
WOLFRAM_KEYS = {"Round": "round", "Batch": "batch_in_round", "AbsoluteBatch": "batch", "BatchLoss": "batch_loss",
                "RoundLoss": "round_loss", "ValidationLoss": "validation_loss", "LearningRate": "learning_rate",
                "ProgressFraction": "progress_fraction", "TimeRemaining": "time_remaining", "TimeElapsed": "elapsed",
                "ExamplesProcessed": "examples", "MaxTrainingRounds": "rounds", "TotalRounds": "rounds",
                "BestValidationRound": "best_round"}


class InfoKeyError(OptionError, MessageKeyError):
    """A key a progress or stopping function reads from its ``info`` that is not there."""


class ProgressInfo(dict):
    """A dict of the training state; a Wolfram key reads its snake_case value, ``"Net"`` the current net and
    ``"Gradients"`` the last step's gradients. ``option``: the function's keyword, and ``subject`` the function as a
    missing key's error names it."""

    option = subject = "progress"

    def __missing__(self, key: Any) -> Any:
        if key in WOLFRAM_KEYS:
            return self[WOLFRAM_KEYS[key]]
        if key == "Net" and "module" in self:
            return self["module"].to_net()
        if key == "Gradients" and "module" in self:  # the last step's, by array (frozen arrays have none)
            return {n: p.grad.detach().clone() for n, p in self["module"].named_parameters() if p.grad is not None}
        hint = did_you_mean(key, [*self, *WOLFRAM_KEYS, "Net", "Gradients"])
        raise InfoKeyError(f"{self.subject}: info has no key {key!r}{hint}; its keys are {sorted(self)} (and "
                           f"Wolfram's {sorted(WOLFRAM_KEYS)}, 'Net', 'Gradients')", kind="unknown-key",
                           option=self.option, found=key)

    def __contains__(self, key: object) -> bool:  # Wolfram's names answer `in` and get() as they answer [key]
        return dict.__contains__(self, key) or (key in WOLFRAM_KEYS and dict.__contains__(self, WOLFRAM_KEYS[key])) \
            or (key in ("Net", "Gradients") and dict.__contains__(self, "module"))

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default
