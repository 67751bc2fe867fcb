"""The closing lines of ``netgraph train``: how many rounds this invocation trained and the last round's losses (and the
best round's, where that round's net is written), or what a SIGTERM to ``--nproc``'s processes left."""

from __future__ import annotations

from typing import Any

from netgraph.core.wording import counted
from netgraph.train.checkpoint import latest_checkpoint
from netgraph.train.interrupted_round import why_nothing_left

__all__ = ["rounds_text", "losses_text", "written_net_text", "terminated_processes_text"]


def rounds_text(results: Any, resumed_at: tuple[int, int] = (0, 0)) -> str:
    """How many rounds this invocation trained; a resumed run (``resumed_at``: the checkpoint's rounds done and
    batches of the next, ``checkpoint.position_of``) says both its own and the run's in all, the rest of the round a
    mid-round checkpoint stopped in apart from the whole rounds, or that the run had ended already (it trained none).

    >>> from types import SimpleNamespace as Results
    >>> rounds_text(Results(total_rounds=6, reason_training_stopped="MaxTrainingRounds"), (5, 0))
    'trained 1 more round, 6 in all (MaxTrainingRounds)'
    >>> rounds_text(Results(total_rounds=6, reason_training_stopped="MaxTrainingRounds"), (3, 50))
    'trained the rest of round 4 (from batch 51) and 2 more rounds, 6 in all (MaxTrainingRounds)'
    >>> rounds_text(Results(total_rounds=1, reason_training_stopped="MaxTrainingRounds"), (1, 4))
    "already trained 1 round and 4 batches of round 2, past this run's limit (MaxTrainingRounds), nothing left to train"
    """
    total, reason = results.total_rounds, results.reason_training_stopped
    done, batches = resumed_at
    if done == 0 and not batches:
        return f"trained {counted(total, 'round')} ({reason})"
    if total == done and reason != "ManualStop":  # a limit passed already, by the checkpoint's batches of a round too
        partial = f" and {counted(batches, 'batch', 'batches')} of round {done + 1}" if batches else ""
        return f"already trained {counted(total, 'round')}{partial}, {why_nothing_left(reason)} ({reason}), " \
               f"nothing left to train"
    if not batches:
        return f"trained {counted(total - done, 'more round')}, {total} in all ({reason})"
    rest = f"round {done + 1} (from batch {batches + 1})"
    if total == done:  # stopped again before that round ended
        return f"trained more of {rest}, {total} in all ({reason})"
    more = f" and {counted(total - done - 1, 'more round')}" if total > done + 1 else ""
    return f"trained the rest of {rest}{more}, {total} in all ({reason})"


def losses_text(results: Any) -> str:
    """The last round's losses and metrics as the closing line shows them; a run stopped (Ctrl-C) before its first
    round ended has none."""
    if results.round_loss is None:
        return "no round finished"
    val = f", validation loss {results.validation_loss:.5g}" if results.validation_loss is not None else ""
    val += "".join(f", {k} {v:.4g}" for k, v in results.round_measurements.items())
    val += "".join(f", validation {k} {v:.4g}" for k, v in results.validation_measurements.items())
    if len(results.term_losses) > 1:
        val += " (" + ", ".join(f"{k} {v[-1]:.5g}" for k, v in results.term_losses.items()) + ")"
    return f"loss {results.round_loss:.5g}{val}"


def written_net_text(results: Any, target: Any) -> str:
    """The written net's file ``target``, and its round and validation loss where that is not the last round's (the
    closing line's losses are the last round's; the net written is the best round's, by the early-stopping metric
    where one is watched, so its loss need not be the lowest).

    >>> from types import SimpleNamespace as Results
    >>> written_net_text(Results(best_validation_round=1, total_rounds=3, validation_losses=[5.28, 6, 7]), "s.yaml")
    's.yaml (the round-1 net, validation loss 5.28)'
    """
    best = results.best_validation_round
    if best is None or best == results.total_rounds:
        return str(target)
    return f"{target} (the round-{best} net, validation loss {results.validation_losses[best - 1]:.5g})"


def terminated_processes_text(processes: int, folder: str | None) -> str:
    """What ``--nproc``'s processes left after SIGTERM (torchrun passes it on; each ends at once, at whatever step it
    was in, as a distributed run's processes do not stop at one step): no net written, and the newest checkpoint in
    ``folder`` (--checkpoint; None: none asked for), from which --resume goes on.

    >>> terminated_processes_text(2, None).split(": ")[-1]
    'the net trained so far is not written, and no --checkpoint was given'
    """
    newest = latest_checkpoint(folder) if folder else None
    kept = (f"{newest.name} in {folder} is the newest checkpoint, from which --resume continues (what came after it "
            f"is trained again)" if newest is not None else f"no checkpoint was written in {folder}" if folder else
            "no --checkpoint was given")
    return (f"netgraph train: terminated (SIGTERM); its {processes} processes stopped at once, each at its own step "
            f"(a distributed run writes no checkpoint mid-round): the net trained so far is not written, and {kept}")
