"""A run stopped by Ctrl-C or SIGTERM mid-round: the checkpoint of the state after its last whole step, and the
resumed run that goes on from the next one.

The checkpoint (``round-000004-batch-000050.pt``: 50 batches of round 4 done) holds what a round's checkpoint holds,
and ``within_round``: the batches done and their batch size, the round's running loss sums and metric states, and
torch's random state after the last step. A resumed run with another batch size is refused (it would pass over
another part of the round), and so is data that ends before the batches done, or that is batched otherwise than when
the checkpoint was written (``_check_batching``: another number of examples or of batches a round, or its order
drawn another way: a shuffle in memory or a DataLoader's sampler of another kind).
A resumed run seeds the round as the first did, reads its first batches again and passes over them unchecked (so a
loader draws its order as before), then takes back that random state: it takes the very steps the first run would have.
A KeyboardInterrupt raised inside a step's forward pass or loss function (not a second Ctrl-C) undoes that step, which
has changed nothing but torch's random state there (``_not_undone``). Where the place in the round cannot be taken
back (``unresumable``), the checkpoints stay as the last round left them. Each case is said in one line on stderr.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import Any


from netgraph.core.errors import TrainingError
from netgraph.core.wording import counted
from netgraph.core.user_frame import user_stacklevel
from netgraph.train.checkpoint import latest_checkpoint, run_state, save_checkpoint
from netgraph.train.checkpoint_checks import mismatch
from netgraph.train.data import Streamed
from netgraph.train.data_sets import TRAINING

__all__ = ["LIMITS", "PastTheLimit", "checkpoint_interrupted", "resumed_batches", "resumed_within", "unresumable",
           "warn_past_the_limit", "why_nothing_left"]


def unresumable(trainer: Any) -> str | None:
    """Why the place inside the round cannot be taken back, or None."""
    if getattr(trainer.train, "one_shot", False):
        return "a one-shot iterable (a generator) cannot give this round's batches again"
    return None


def checkpoint_interrupted(trainer: Any) -> None:
    """After a KeyboardInterrupt: write the checkpoint of the state after the last whole step (the round's, when it
    stopped between rounds) and say on stderr what resuming continues from. A distributed run writes none (its
    processes stop at different steps): its checkpoints stay as its last round left them. One that cannot be
    written (a full disk) is said on stderr, with the newest checkpoint there is."""
    try:
        _checkpoint_interrupted(trainer)
    except TrainingError as error:  # Ctrl-C still returns ManualStop and the net
        d = error.diagnostics[0]
        if Path(d.found).suffix == ".pt":  # the file that could not be written (else the folder it was written in)
            _say(f"warning: training interrupted, but its checkpoint was not written ({d.detail}: {d.found}); "
                 f"{_newest(trainer)} (what came after it is trained again)")
        else:
            _say(f"warning: training interrupted; its checkpoint was written, but older ones in {d.found} could not "
                 f"be removed ({d.detail}); {_newest(trainer)}")


def _checkpoint_interrupted(trainer: Any) -> None:
    s, done = trainer.state, trainer.done_in_round
    round_ = s.rounds + 1
    if trainer.ctx.active:
        return _kept(trainer, "training interrupted", "a distributed run's processes do not stop at one step")
    undone = done is None
    if undone:
        if (why := _not_undone(trainer)) is not None:
            return _kept(trainer, "training interrupted inside a step or at a round's end", why)
        # torch's random state after the last step: the one kept (a loader drew since), else the step's at its start
        done, trainer.rng_after = s.batches - trainer.round_started_at, trainer.rng_after or trainer.unstepped
    validating = not undone and done and trainer.validating == round_  # its batches done, in the validation pass
    said = "training interrupted " + (
        f"in round {round_} inside batch {done + 1}'s step, which is undone (it had changed no array)" if undone else
        f"in round {round_}'s validation pass ({counted(done, 'batch', 'batches')} trained)" if validating else
        f"in round {round_} after batch {done}" if done else f"after round {s.rounds}" if s.rounds else
        "before its first step")
    if done and (why := unresumable(trainer)) is not None:
        return _kept(trainer, said, why)
    if done:
        path = _write_within(trainer, done)
        then = (f"runs round {round_}'s validation, then round {round_ + 1}" if validating else
                f"continues with batch {done + 1}")
        return _say(f"{said}; wrote {path.name}: resuming {then}")
    if s.rounds and trainer.saved_round != s.rounds:
        trainer.save(s.rounds)
        return _say(f"{said}; wrote {Path(trainer.files[-1]).name}: resuming continues with round {round_}")
    newest = latest_checkpoint(trainer.plan.checkpoint["directory"])
    _say(f"{said}; resuming continues from {newest.name}" if newest is not None else said)


def _not_undone(trainer: Any) -> str | None:
    """Why a step stopped halfway cannot be undone, or None: a KeyboardInterrupt raised in its forward pass or loss
    function (``Trainer.unstepped``) comes before the arrays, the optimizer, the round's sums and metrics change, and
    torch's random state at the step's start is kept; the forward pass moves batch-norm statistics, though."""
    if trainer.unstepped is None or trainer.boundary.forced:
        return "a second interrupt, or one raised there"
    moving = set(trainer.module.state_dict()) - {name for name, _ in trainer.module.named_parameters()}
    if moving:
        return (f"a KeyboardInterrupt raised in its forward pass or loss function, after the forward pass may have "
                f"moved the net's running statistics ({sorted(moving)[0]}{', ...' if len(moving) > 1 else ''})")
    return None


def _kept(trainer: Any, said: str, why: str) -> None:
    """Say that the checkpoints stay as they were, and why."""
    _say(f"{said}; {why}: {_newest(trainer)} (what came after it is trained again)")


def _newest(trainer: Any) -> str:
    newest = latest_checkpoint(trainer.plan.checkpoint["directory"])
    return f"{newest.name} is the newest checkpoint" if newest is not None else "no checkpoint was written"


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _write_within(trainer: Any, done: int) -> Any:
    """Save the state after ``done`` batches of the round under way; its path."""
    trainer.state.elapsed = time.perf_counter() - trainer.started
    rng, cuda_rng = trainer.rng_after or trainer.rng_state()  # None: nothing drew since the last step
    within = {"batches": done, "batch_size": batch_size(trainer), **batching(trainer), "examples": trainer.round_count,
              "loss_total": trainer.round_total, "loss_count": trainer.round_count,
              "term_sums": [float(v) for v in trainer.term_sums], "rng": rng, "cuda_rng": cuda_rng,
              "metrics": trainer.plan.meter.partial() if trainer.plan.meter is not None else None,
              "loader_rng": getattr(trainer.train, "round_start_random", None)}
    ck = trainer.plan.checkpoint
    path = save_checkpoint(ck["directory"], {**run_state(trainer), "within_round": within}, trainer.state.rounds,
                           keep=ck["keep"], batch=done)
    trainer.files.append(str(path))
    return path


def resumed_within(trainer: Any, source: Any, data: dict[str, Any]) -> dict[str, Any] | None:
    """A mid-round checkpoint's ``within_round`` (None for a round's); OptionError in a distributed run, whose
    processes' random states and loaders' places it does not hold, or with another batch size or batching
    (``batching``) than it was written with."""
    within = data.get("within_round")
    if within is not None and trainer.ctx.active:
        raise mismatch(source, f"was written in the middle of round {trainer.state.rounds + 1} by an interrupted "
                       f"single-process run, which a distributed run cannot continue: resume it with one process",
                       option="distributed", expected="a checkpoint written after a round", found=str(source))
    if within is not None and "batch_size" in within and within["batch_size"] != (size := batch_size(trainer)):
        raise mismatch(source, f"was written after {within['batches']} batches of {within['batch_size']} examples in "
                       f"round {trainer.state.rounds + 1}; with batch_size={size} the resumed run would pass over "
                       f"another part of the round: resume with batch_size={within['batch_size']}",
                       option="batch_size", expected=size, found=within["batch_size"])
    if within is not None:
        _check_batching(trainer, source, within)
    return within


#: what ``batching`` records, as a message says it differs: the checkpoint's value, then this run's
_BATCHING = {"examples_in_data": "the {data} had {} examples, this run's has {}",
             "batches_in_round": "a round had {} batches, this run's has {}",
             "order": "the round's order was drawn by {}, this run's by {}"}


def batching(trainer: Any) -> dict[str, Any]:
    """What fixes a round's batches besides batch_size and the seed (both checked on resuming): the training data's
    examples and batches a round, and how its order is drawn; None where the data does not say (an iterable without
    a length, a loader of its own kind), which is then not checked."""
    train = trainer.train
    sampler = getattr(getattr(train, "loader", None), "sampler", None)
    if not isinstance(train, Streamed):
        order = "netgraph's shuffle of the examples in memory"
    else:
        order = None if sampler is None else f"a DataLoader's {type(sampler).__name__}"
    return {"examples_in_data": train.size, "batches_in_round": trainer.plan.batches_per_round, "order": order}


def _check_batching(trainer: Any, source: Any, within: dict[str, Any]) -> None:
    """OptionError where the training data is not batched as when ``within`` was written: other data of as many
    batches or more (fewer examples, say) would pass over other examples and go on silently."""
    found = batching(trainer)
    for key, differs in _BATCHING.items():
        if within.get(key) is not None and found[key] is not None and within[key] != found[key]:
            raise mismatch(source, f"was written after {within['batches']} batches of round "
                           f"{trainer.state.rounds + 1}, where {differs.format(within[key], found[key], data=TRAINING)}"
                           f": the resumed run would pass over other examples than the first run trained on; resume "
                           f"with the data (and loader) the run was trained on", data=TRAINING,
                           expected=found[key], found=within[key])


#: the reasons a run stops that are its limits (not a stopping criterion met, not an interrupt)
LIMITS = ("MaxTrainingRounds", "MaxTrainingTime")


def why_nothing_left(reason: str) -> str:
    """Why a run resumed with nothing left to train stopped: past its limit, or its stopping criterion met."""
    return "past this run's limit" if reason in LIMITS else "its stopping criterion was met"


class PastTheLimit(UserWarning):
    """A run resumed from a checkpoint written ``batches`` batches into round ``rounds + 1`` had passed its limit
    already (``reason``): it trained nothing, and its net is the checkpoint's, further along than round ``rounds``."""

    def __init__(self, rounds: int, batches: int, reason: str):
        super().__init__(f"the checkpoint resumed had already trained {counted(rounds, 'round')} and "
                         f"{counted(batches, 'batch', 'batches')} of round {rounds + 1}, past this run's limit "
                         f"({reason}): nothing was trained, and the net it ends with (training_net) is the "
                         f"checkpoint's (the results count those batches: total_batches, batch_losses), not the net "
                         f"after round {rounds}")
        self.rounds, self.batches, self.reason = rounds, batches, reason


def warn_past_the_limit(trainer: Any, reason: str) -> None:
    """``PastTheLimit`` when the run ended at a limit (``reason``) before going on from its mid-round checkpoint."""
    if trainer.place_in_round is not None and reason in LIMITS:
        warnings.warn(PastTheLimit(trainer.state.rounds, trainer.place_in_round["batches"], reason),
                      stacklevel=user_stacklevel())


def resumed_batches(trainer: Any, batches: Iterable) -> Iterator:
    """The rest of the round a mid-round checkpoint stopped in: the round's sums as they were, its first batches read
    and passed over, then torch's random state as it was after them."""
    within, trainer.place_in_round = trainer.place_in_round, None
    done = within["batches"]
    trainer.round_started_at = trainer.state.batches - done
    trainer.round_total, trainer.round_count = within["loss_total"], within["loss_count"]
    trainer.term_sums = list(within["term_sums"])
    trainer.rng_after = (within["rng"], within["cuda_rng"])
    meter, saved = trainer.plan.meter, within.get("metrics")
    if meter is not None and (saved is None or not meter.take_partial(saved)):
        round_ = trainer.state.rounds + 1
        warnings.warn(f"the mid-round checkpoint holds no states of this run's metrics= for the {done} batches of "
                      f"round {round_} it trained (it was written with other metrics): round {round_}'s metrics are "
                      f"of its batches after batch {done} only", stacklevel=user_stacklevel())
    return _past_done_batches(iter(batches), done, trainer)


def batch_size(trainer: Any) -> int:
    """The batch size training takes (Wolfram's BatchSize): a user's loader's own, else batch_size=."""
    train, given = trainer.train, trainer.plan.batch_size
    return train.batch_size(given) if isinstance(train, Streamed) else given


def _past_done_batches(batches: Iterator, done: int, trainer: Any) -> Iterator:
    """``batches`` after the ``done`` ones, with torch's random state after them; OptionError where they run out."""
    for read in range(done):
        if next(batches, None) is None:
            raise mismatch(trainer.plan.resume[0], f"was written after {done} batches of round "
                           f"{trainer.state.rounds + 1}, but the {TRAINING} gives {read}: resume with the data the "
                           f"run was trained on", data=TRAINING, expected=f"at least {done} batches", found=read)
    trainer.random.put(*trainer.rng_after)
    yield from batches
