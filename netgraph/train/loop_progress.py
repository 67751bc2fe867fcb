"""The progress a training run shows: the bar, a line a round, the TensorBoard log and a progress function's state
(``ProgressReports``, a part of ``netgraph.train.loop.Trainer``)."""

from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

from tqdm.auto import tqdm

from netgraph.core.user_frame import user_stacklevel
from netgraph.train.callables import call_user, function_name
from netgraph.train.progress_info import ProgressInfo
from netgraph.train.progress_text import bar_postfix, round_line
from netgraph.train.metric_history import latest_values, measured_labels
from netgraph.train.metrics import STOPPING
from netgraph.train.stopping import asks_to_stop, progress_stops

__all__ = ["ProgressReports", "warn_unscheduled"]


class ProgressReports:
    """The Trainer's progress methods; they read its ``plan``, ``state``, ``ctx``, ``bar``, ``loss`` and ``logs``."""

    def info(self, function: Callable, option: str = "progress") -> dict[str, Any]:
        """The state the progress or stopping ``function`` (given as ``option``) gets (ProgressInfo: Wolfram's keys
        too; a key it lacks names the two)."""
        s, frac, elapsed = self.state, self.fraction_done(), time.perf_counter() - self.started
        measured = measured_labels(self.plan.meter)  # an undefined value (NaN) too
        info = ProgressInfo({"round": s.rounds, "rounds": self.plan.max_rounds, "batch": s.batches,
                "batch_in_round": s.batches - self.round_started_at,
                "batch_loss": s.batch_losses[-1] if s.batch_losses else None,
                "round_loss": s.round_losses[-1] if s.round_losses else None,
                "validation_loss": s.validation_losses[-1] if s.validation_losses else None,
                "best_round": s.best_round, "examples": s.examples, "elapsed": elapsed,
                "learning_rate": self.learning_rate, "progress_fraction": frac,
                "time_remaining": elapsed * (1 - frac) / frac if frac > 0 else None, "module": self.module,
                "term_losses": {k: float(v) for k, v in self.loss.last_terms.items()},
                "loss_weights": dict(self.loss.weights), "metrics": latest_values(s.round_metrics, measured),
                "validation_metrics": latest_values(s.validation_metrics, measured)})
        info.option, info.subject = option, f"{option} {function_name(function)}(info)"
        return info

    def fraction_done(self) -> float:
        """The schedule's fraction of training done: of the planned batches, else rounds, and of max_training_time."""
        plan, s, planned = self.plan, self.state, self.planned_batches(self.batches_a_round())
        parts = [s.batches / planned if planned else s.rounds / plan.max_rounds]
        if plan.max_time:
            parts.append((time.perf_counter() - self.started) / plan.max_time)
        return min(1.0, max(parts))

    def batches_a_round(self) -> int | None:
        """The batches a round: the data's length in batches, or, for data without one, round 1's once it ended."""
        return self.plan.batches_per_round or self.state.first_round_batches

    def planned_batches(self, per_round: int | None = None) -> float | None:
        """The run's batches, rounds times ``per_round`` (the data's batches a round where not given); None where
        either is not known (max_training_time alone: no round limit; a loader without a length)."""
        planned = self.plan.max_rounds * (per_round or self.plan.batches_per_round or math.nan)
        return planned if math.isfinite(planned) else None

    def open_bar(self) -> None:
        mode = self.plan.progress
        if mode not in ("auto", "bar") or not self.ctx.main:
            return
        self.bar = tqdm(total=self.planned_batches(), initial=self.state.batches, desc="net_train", unit="batch",
                        disable=None if mode == "auto" else False, file=sys.stderr, dynamic_ncols=True)

    def report(self, r: int) -> str | None:
        mode, stop, measured = self.plan.progress, False, measured_labels(self.plan.meter)
        if self.bar is not None and self.state.batch_losses:  # the round's validation and metrics, not the last's
            self.bar.set_postfix(bar_postfix(self.state, self.loss.last_terms, self.state.batch_losses[-1], measured))
        self.log(lambda log: log.progress(r, self.state, self.learning_rate, measured),
                 f"writing the TensorBoard log after round {r}")
        if self.ctx.main and mode == "print":
            print(round_line(self.state, r, self.plan.max_rounds, time.perf_counter() - self.started, measured),
                  flush=True)
        elif callable(mode):
            stop = self.ctx.together(lambda: self.ctx.main and progress_stops(
                call_user(mode, self.info(mode), option="progress", where=lambda: f"after round {r}"), r),
                                     f"in the progress function after round {r}")
        return "ManualStop" if self.ctx.any(stop) else None

    def criterion_stops(self, criterion: Callable[[Any], Any], r: int) -> bool:
        """Whether the training_stopping_criterion function stops training after round ``r``, which has ended: a
        KeyboardInterrupt it raises writes that round's checkpoint (``checkpoint_interrupted``), as from ``report``."""
        self.done_in_round = 0  # no batch of the next round done yet
        stop = self.ctx.together(lambda: self.ctx.main and asks_to_stop(criterion, self.info(criterion, STOPPING), r),
                                 f"in the training_stopping_criterion function after round {r}")
        self.done_in_round = None  # back in the round's end, its checkpoint not yet written
        return stop

    def log(self, write: Callable[[Any], None], where: str) -> None:
        """``write(plan.log)`` on rank 0, which alone writes the TensorBoard log, when there is one (``SharedLog``)."""
        self.logs.write(write, where)


def warn_unscheduled(trainer: Any) -> None:
    """A warning when ``learning_rate_schedule`` cannot act by steps through round 1: the data has no length (its
    batches are counted in round 1, which the schedule then knows); with one round, never. A max_training_time with
    no round limit moves it by time alone; with one, only its share of the time moves it meanwhile."""
    plan, s = trainer.plan, trainer.state
    if plan.method.schedule is None or math.isinf(plan.max_rounds) or trainer.batches_a_round() or \
            not trainer.ctx.main:
        return
    by_steps = " by steps" if plan.max_time else ""
    then = (f"so it never acts{by_steps}: this run has one round" if plan.max_rounds - s.rounds <= 1 else
            "from round 2 on it moves with the batches round 1 gave")
    timed = " (only the time spent over max_training_time moves it meanwhile)" if plan.max_time else ""
    warnings.warn(f"learning_rate_schedule: the training data has no length, so the schedule holds its value at "
                  f"fraction_done 0 through round 1{timed}, {then}; give data with a length (a Dataset, a DataLoader "
                  f"over one) for a schedule from the first step", stacklevel=user_stacklevel())
