"""The training loop behind net_train: steps, rounds, validation, early stopping, checkpoints, progress.

Each round ``r`` reseeds torch from ``(seed, r, rank)`` and shuffles with a generator seeded from
``(seed, r)``, so a run resumed from a checkpoint takes exactly the steps the uninterrupted run would
have taken, and every process of a distributed run walks the same order. The run's random state is its own
(``OwnRandomState``), in torch's generators only while it fetches a batch and steps, validates or ends a round.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import time
from collections.abc import Iterator
from typing import Any

import torch

from netgraph.train.checkpoint import rank_estimators, restore_run, run_state, save_checkpoint
from netgraph.core.errors import DataError, OptionError, TrainingError
from netgraph.train.data import InMemory, Streamed
from netgraph.train.data_sets import TRAINING, VALIDATION
from netgraph.train.distributed import aligned, stop_sharing
from netgraph.train.padded_data import lengths_keys
from netgraph.train.loss import surrogate_term
from netgraph.train.walk import nonfinite_cause, nonfinite_hint, reaching_layers
from netgraph.train.passes import forward_batch, measuring_pass
from netgraph.train.validation_nonfinite import nonfinite_flags, warn_nonfinite_validation
from netgraph.train.metric_history import append_values, measured_labels
from netgraph.train.options import clipped_step
from netgraph.train.stopping import Stopping, ended_before, time_used_up
from netgraph.train.precision import mixed_forward
from netgraph.train.progress_text import bar_postfix
from netgraph.train.loop_progress import ProgressReports, warn_unscheduled
from netgraph.train.run_plan import Plan, Progress, mix_seed
from netgraph.train.shared_log import SharedLog
from netgraph.train.interrupted_round import checkpoint_interrupted, resumed_batches, resumed_within
from netgraph.train.loader_random import pass_ended_on_error
from netgraph.train.step_boundary import StepBoundary, rounds_ended
from netgraph.train.own_random import OwnRandomState

__all__ = ["TrainingError", "Progress", "Plan", "Trainer", "mix_seed"]


class Trainer(ProgressReports):
    """Runs the rounds; ``run()`` returns the reason training stopped."""

    def __init__(self, net: Any, module: torch.nn.Module, loss: Any, train: Any, validation: Any,
                 plan: Plan, ctx: Any, groups: list[dict]):
        self.net, self.module, self.loss, self.train, self.validation = net, module, loss, train, validation
        self.plan, self.ctx, self.keys = plan, ctx, (*net.input_ports, *lengths_keys(module))
        used = reaching_layers(net, loss.used_outputs(net))
        unused = any(p.requires_grad and tuple(name.split(".")[:-1]) not in used
                     for name, p in module.named_parameters())
        self.model = ctx.wrap(module, unused)
        self.submodules = list(module.modules())
        self.optimizer = plan.method.optimizer(groups)
        for g in self.optimizer.param_groups:
            g["base_lr"] = g["lr"]
        self.params = [p for g in self.optimizer.param_groups for p in g["params"]]
        self.factor = 1.0  # the learning-rate schedule's last factor
        self.round_started_at = 0  # state.batches when the current round began (info's batch_in_round)
        self.round_total, self.round_count = 0.0, 0  # the round's loss sum (weighted by examples) and examples
        self.done_in_round: int | None = None  # batches of the round under way done; None inside a step or round end
        self.validating: int | None = None  # the round whose validation pass runs (said when interrupted there)
        self.place_in_round: dict | None = None  # a mid-round checkpoint's place in its round, until it goes on
        self.random = OwnRandomState(ctx.device)  # in torch's generators inside ``with self.random.loaded():``
        self.rng_after: tuple | None = None  # torch's random state after the last step (None: torch's own now)
        # only a source that runs code of its own between steps (a loader, a Dataset) can draw from torch's generator
        # there: data in memory needs no copy of the random state after each step (``hold_random_state``)
        self.draws_between_steps = not isinstance(train, InMemory)
        self.unstepped: tuple | None = None  # a step's random state at its start, where it was stopped before changing
        self.boundary = StepBoundary()  # holds Ctrl-C and SIGTERM until the step under way ends (run)
        self.state = Progress(watched=plan.stopping.metric if plan.stopping is not None else None,
                              validation_fraction=plan.held_out)
        self.best_state: dict | None = None
        self.files: list[str] = []
        self.bar = None
        self.graphed = False  # the net's graph is logged once, from the first batch
        self.saved_round = -1  # the round of the newest checkpoint this run wrote or resumed from
        self.scheduled = any(not sch.constant for sch in getattr(loss, "schedules", ()))
        self.term_sums: list[float] = []
        self.logs = SharedLog(plan.log, plan.logged, ctx)

    # -- one step ----------------------------------------------------------------------------------------
    def forward(self, model: torch.nn.Module, batch: dict, n: int, examples: list | None) -> dict[str, torch.Tensor]:
        where = lambda: (self.where() if model.training else  # noqa: E731 - (validation: eval mode)
                         f"the validation after round {self.state.rounds + 1}", self.state.batches > 0)
        return forward_batch(model, self.net, self.keys, batch, n, examples, where,
                             self.ctx.device if self.plan.mixed else None,
                             self.plan.given if model.training else self.plan.validation_given)

    def step(self, batch: dict, n: int, weight: int, whole: int, examples: list[int] | None) -> float:
        """One step on ``n`` examples (the data's ``examples``), ``weight`` counting (0: a stand-in), of ``whole``."""
        rng = self.rng_state()
        if self.plan.batch_stats is not None:
            self.plan.batch_stats.counts = weight > 0  # a stand-in example adds nothing to the batch statistics
        if self.scheduled:
            per_round, s = self.batches_a_round(), self.state
            self.loss.set_progress(s.batches, s.batches / per_round if per_round else float(s.rounds))
        try:
            outputs = self.forward(self.model, batch, n, examples)
            per_example, total = self.loss(outputs, batch, n, lambda: f"at {self.where()}")
        except KeyboardInterrupt:  # raised by the loss function (or a layer): the step has not changed the arrays, the
            self.unstepped = rng  # optimizer or the round's sums yet (``interrupted_round``: the step undone)
            raise
        if self.plan.meter is not None and weight:
            self.plan.meter.update("train", outputs, batch)
        extra = surrogate_term(self.module, per_example, total, self.submodules, self.plan.score_whole_batch)
        terms = self.loss.last_terms
        values = [float(v) * weight if weight else 0.0 for v in (total.detach(), *terms.values())]
        *sums, failed = self.ctx.sum([*values, self.logs.failed])  # a failed log write travels with the losses
        if failed:  # before this batch's step, as a single process stops after the last one's
            self.logs.share()
        value = sums[0] / whole
        self.term_sums = [a + b for a, b in zip(self.term_sums, sums[1:])] if self.term_sums else sums[1:]
        if not math.isfinite(value):
            self.diagnose(batch, n, rng, value, examples)
        objective = total if extra is None else total + extra
        if weight * self.ctx.world != whole:  # unequal slices across processes: weight by slice size
            objective = objective * (weight * self.ctx.world / whole)
        if not objective.requires_grad:
            raise OptionError(f"the loss ({self.loss.describe()}) does not depend on any trainable array, so "
                              f"training cannot change it; check loss_function and learning_rate_multipliers",
                              kind="untrainable-loss", option="loss_function", found=self.loss.describe(),
                              expected="a loss that depends on a trainable array")
        self.optimizer.zero_grad(set_to_none=True)
        objective.backward()
        self.clip_and_step()
        return value

    def clip_and_step(self) -> None:
        factor = clipped_step(self.plan.method, self.optimizer, self.params, self.fraction_done, self.where)
        self.factor = self.factor if factor is None else factor

    def rng_state(self) -> tuple:
        """The run's random state now: (CPU, CUDA or None)."""
        return self.random.state()

    def where(self) -> str:
        """The round and the batch within it being trained, 1-based, for messages."""
        return f"round {self.state.rounds + 1}, batch {self.state.batches - self.round_started_at + 1}"

    @property
    def learning_rate(self) -> float:
        """The scheduled rate (learning_rate times the schedule's factor), without per-array multipliers."""
        return self.plan.method.learning_rate * self.factor

    def diagnose(self, batch: dict, n: int, rng: tuple, value: float, examples: list[int] | None) -> None:
        """Raise TrainingError naming the first layer whose output is NaN/Inf on the failing batch."""
        self.random.put(*rng)  # replay the same random draws
        if self.plan.batch_stats is not None:  # replayed on each process's own: each may stop at another layer
            stop_sharing(self.module)
        msg, score, place, example, bad_data = self.nonfinite_cause(batch, n, examples)
        hint = nonfinite_hint(bad_data)  # of the same process's batch as the message
        msg, place, example, hint = self.ctx.pick((msg, place, example, hint), score)  # the process that saw the cause
        raise TrainingError(f"training stopped at {self.where()}: the loss is {value}; {msg}. "
                            f"{hint[0].upper()}{hint[1:]}",
                            kind="nonfinite-loss", layer=place and tuple(place[0]), port=place and place[1],
                            expected="a finite loss", found=value, detail=msg, hint=hint, example=example)

    def nonfinite_cause(self, batch: dict, n: int, examples: list[int] | None) -> tuple:
        """``nonfinite_cause`` on ``batch``, in the precision its forward ran in (a training step's, a validation's)."""
        with mixed_forward(self.ctx.device) if self.plan.mixed else contextlib.nullcontext():
            return nonfinite_cause(self.net, self.module, batch, n, self.loss.describe(), examples)

    # -- rounds ---------------------------------------------------------------------------------------------
    def run(self) -> str:
        self.resume()
        self.refuse_one_shot()
        self.started = time.perf_counter() - self.state.elapsed
        self.open_bar()
        warn_unscheduled(self)
        try:
            with StepBoundary.installed(self.plan.checkpoint is not None and not self.ctx.active) as self.boundary:
                return rounds_ended(self._rounds())
        except KeyboardInterrupt:
            if self.plan.checkpoint is not None and self.ctx.main:
                checkpoint_interrupted(self)
            if self.ctx.active:
                raise
            return rounds_ended("ManualStop")
        finally:
            self.state.elapsed = time.perf_counter() - self.started
            if self.bar is not None:
                self.bar.close()

    def refuse_one_shot(self) -> None:
        """A generator gives its batches once: refuse it before training when more than one round is left."""
        left = self.plan.max_rounds - self.state.rounds
        if left <= 1 or self.plan.max_time:  # with max_training_time, an endless generator's round ends in time
            return
        for source, what in ((self.train, TRAINING), (self.validation, VALIDATION)):
            if getattr(source, "one_shot", False):
                raise DataError(f"{what} is a one-shot iterable (a generator or iterator), which gives its batches "
                                f"once, so it can serve one round, but {left} rounds would run "
                                f"({self.plan.rounds_given()}); give a re-iterable (a DataLoader, a Dataset; a list is "
                                f"read as examples, not batches), max_training_rounds=1, or max_training_time= for an "
                                f"endless generator", data=what, kind="one-shot-data", option="max_training_rounds",
                                expected=1, found=self.plan.max_rounds)

    def batches(self, data: Any, order: Any, passed_over: int = 0) -> Any:
        """``data``'s batches for this process as (batch, examples that count, whole batch size); a user's loader in a
        distributed run steps with the others' (``aligned``); the first ``passed_over`` (a resume's) go unchecked."""
        batches = data.batches(self.plan.batch_size, order, self.ctx.rank, self.ctx.world, passed_over)
        if self.ctx.active and isinstance(data, Streamed) and data.own_batches:
            return aligned(batches, self.ctx, data.stand_in())
        return batches

    def _rounds(self) -> str:
        plan, s = self.plan, self.state
        measured = measured_labels(plan.meter)  # the bar's labels, the same every batch
        if plan.resume is not None and (ended := ended_before(plan.stopping, plan.max_time, s)):
            return self.finish(ended)  # the uninterrupted run trains no more: neither may a resumed one
        while True:
            if s.rounds >= plan.max_rounds:
                return self.finish("MaxTrainingRounds")
            r = s.rounds + 1
            self.random.seed(mix_seed(plan.seed, r, self.ctx.rank))
            order = mix_seed(plan.seed, r, 0)  # netgraph's own loaders' order on every process (data.Streamed)
            if isinstance(self.train, InMemory):  # examples that hold nothing need no shuffling
                order = None if self.train.holds_nothing else torch.randperm(
                    self.train.size, generator=torch.Generator().manual_seed(mix_seed(plan.seed, r)))
            timed_out = False
            if self.place_in_round is None:
                self.round_started_at, self.round_total, self.round_count = s.batches, 0.0, 0
                batches = iter(self.batches(self.train, order))
            else:  # a mid-round checkpoint's round: from the batch after its last
                batches = resumed_batches(self, self.batches(self.train, order, self.place_in_round["batches"]))
            self.done_in_round = s.batches - self.round_started_at
            with pass_ended_on_error(None, batches):  # a step's error ends the pass (its workers) as it leaves
                while (value := self.next_step(batches)) is not None:
                    if self.bar is not None:
                        self.bar.update(1)
                        self.bar.set_postfix(bar_postfix(self.state, self.loss.last_terms, value, measured),
                                             refresh=False)
                    if plan.max_time and self.ctx.any(time.perf_counter() - self.started > plan.max_time):
                        timed_out = True
                        break
            s.first_round_batches = s.batches if r == 1 and not timed_out else s.first_round_batches  # (whole)
            if self.validation is not None:
                self.hold_random_state()
            with self.random.loaded():
                validated = self.validate(r) if self.validation is not None else None  # changes no state: stoppable
                with self.boundary:
                    self.done_in_round = None
                    reason = self.end_round(r, validated)
                    self.done_in_round = 0
                reason = self.report(r) or reason
            if timed_out or self.time_spent():
                reason = reason or "MaxTrainingTime"
            if reason:
                return self.finish(reason)

    def next_step(self, batches: Iterator) -> float | None:
        """The next batch's step and its loss, the batch fetched and stepped on under the run's random state (loaded
        once for both); None when the round's batches have run out."""
        with self.random.loaded():
            item = next(batches, None)
            if item is None:
                return None
            with self.boundary:  # an interrupt waits for the step's end: a checkpoint can follow it
                self.done_in_round = None
                value = self.train_batch(*item)
                self.done_in_round = self.state.batches - self.round_started_at
            return value

    def time_spent(self) -> bool:
        """Whether the round just ended (its validation pass too) used up max_training_time: no round starts after it,
        as a run resumed from its checkpoint (``ended_before``, on the same elapsed time) would start none."""
        return time_used_up(self.plan.max_time, self.state.elapsed, self.ctx.any)

    def train_batch(self, batch: dict, weight: int, whole: int, examples: list[int] | None) -> float:
        """One step and its count in the round's and the run's sums; the batch's loss."""
        s = self.state
        n = next(iter(batch.values())).shape[0] if batch else 0
        if not self.graphed:
            self.graphed = True
            inputs = tuple(batch[p] for p in self.net.input_ports)
            self.log(lambda log: log.graph(self.module, inputs), "adding the net's graph to the TensorBoard log")
        value = self.step(batch, n, weight, whole, examples)
        s.batch_losses.append(value)
        s.batches, s.examples = s.batches + 1, s.examples + whole
        self.logs.write(lambda log: log.batch(s.batches, value), f"writing the TensorBoard log at batch "
                        f"{s.batches}", each_batch=True)
        self.round_total, self.round_count = self.round_total + value * whole, self.round_count + whole
        if self.plan.checkpoint is not None:  # the state an interrupt before the next step checkpoints
            self.rng_after = self.rng_state() if self.draws_between_steps else None
        return value

    def hold_random_state(self) -> None:
        """Keep torch's random state after the last step (``rng_after``) before code that may draw from it runs
        outside a step (the validation pass), where an interrupt can stop that code before the next step."""
        if self.plan.checkpoint is not None and self.rng_after is None:
            self.rng_after = self.rng_state()

    def end_round(self, r: int, validated: tuple[float, dict] | None) -> str | None:
        """The round's sums, ``validate``'s loss and metrics, best net, stopping and checkpoint for round ``r``; a stop
        reason or None (progress: ``report``)."""
        s, stopping = self.state, self.plan.stopping
        s.rounds = r
        s.round_losses.append(self.round_total / max(self.round_count, 1))
        self.record_terms(self.round_count, r)
        append_values(s.round_metrics, self.plan.meter.compute("train") if self.plan.meter is not None else {}, r)
        s.elapsed = time.perf_counter() - self.started
        watched = s.round_losses[-1]
        if validated is not None:
            watched = validated[0]
            append_values(s.validation_metrics, validated[1], r)
            s.validation_losses.append(watched)
        if stopping is not None and stopping.metric is not None:
            watched = (s.validation_metrics or s.round_metrics)[stopping.metric][-1]
        if (stopping is not None and stopping.metric is not None) or not self.loss.warming_up():
            self.track_best(r, watched, stopping or Stopping())
        reason = None
        if stopping is not None:
            if callable(stopping.criterion):
                stop = self.criterion_stops(stopping.criterion, r)
            else:
                stop = stopping.met(r, s.stale)
            reason = "TrainingStoppingCriterion" if self.ctx.any(stop) else None
            # a stopping function's stop is recorded (not asked again on resume); patience is judged anew
            s.criterion_stopped = r if reason and callable(stopping.criterion) else 0
        interval = self.plan.checkpoint["interval"] if self.plan.checkpoint else 0
        if interval and r % interval == 0:
            self.save(r)
        return reason

    def track_best(self, r: int, watched: float, judge: Stopping) -> None:
        """Round ``r``'s ``watched`` value against the best so far: the stale rounds patience counts (by ``judge``'s
        improvement) and the best net (any improvement)."""
        s = self.state
        if judge.improved(s.patience_loss, watched):
            s.patience_loss, s.stale = watched, 0
        else:
            s.stale += 1
        if judge.improved(s.best_loss, watched, threshold=False):
            s.best_round, s.best_loss = r, watched
            if self.validation is not None:
                self.best_state = {k: v.detach().clone() for k, v in self.module.state_dict().items()}

    def record_terms(self, count: int, r: int) -> None:
        """Each loss term's unweighted mean over round ``r``, and its weight now, into the history (NaN for a term
        of the resumed run's loss that this run has not, or the other way round: every list has one value a round)."""
        s, weights = self.state, self.loss.weights
        append_values(s.term_round_losses, {label: term_sum / max(count, 1)
                                            for label, term_sum in zip(weights, self.term_sums)}, r)
        append_values(s.term_weights, dict(weights), r)
        self.term_sums = []

    def validate(self, r: int) -> tuple[float, dict[str, Any]]:
        """The validation loss and metrics after round ``r`` (before the round's state is recorded: an interrupt here
        leaves the state after the round's last step)."""
        self.validating = r
        self.module.eval()
        try:
            with torch.no_grad():
                order = None if isinstance(self.validation, InMemory) else mix_seed(self.plan.seed, r, 0)
                batches = self.validation.batches(self.plan.batch_size, order, self.ctx.rank, self.ctx.world)
                total, count = measuring_pass(batches, functools.partial(self.forward, self.module), self.loss,
                                              self.plan.meter, "validation", nonfinite := [],
                                              lambda: f"at the validation after round {r}")
                total, count, *flags = self.ctx.sum([total, count, *nonfinite_flags(self, nonfinite)])  # one call
                warn_nonfinite_validation(self, nonfinite, flags)  # training goes on: it changes no weight
        finally:
            self.module.train()
        metrics = self.plan.meter.compute("validation") if self.plan.meter is not None else {}
        self.validating = None
        return total / max(count, 1), metrics

    def finish(self, reason: str) -> str:
        if self.plan.checkpoint and self.saved_round != self.state.rounds:
            self.save(self.state.rounds)
        return reason

    # -- checkpoints ---------------------------------------------------------------------------------------
    def save(self, r: int) -> None:
        self.saved_round = r
        by_rank = rank_estimators(self) if self.ctx.active else None  # every process takes part
        self.ctx.together(lambda: self._write(r, by_rank) if self.ctx.main else None,  # the others stop with rank 0
                          f"saving the checkpoint of round {r}")

    def _write(self, r: int, by_rank: list[dict[str, float]] | None) -> None:
        self.state.elapsed = time.perf_counter() - self.started
        ck = self.plan.checkpoint
        self.files.append(str(save_checkpoint(ck["directory"], run_state(self, by_rank), r, keep=ck["keep"])))

    def resume(self) -> None:
        if self.plan.resume is None:
            return
        watched = self.state.watched
        self.state = Progress(**restore_run(self, *self.plan.resume))
        if self.state.watched != watched:  # resumed watching another value: the saved best is of the other
            self.state = dataclasses.replace(self.state, best_round=None, best_loss=None, patience_loss=None, stale=0,
                                             watched=watched)
            self.best_state = None
        self.saved_round = self.state.rounds
        self.place_in_round = resumed_within(self, *self.plan.resume)
