"""net_train's errors worded by the command line's flags and data files (``netgraph train`` and ``measure``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from netgraph.cli.flags import typed
from netgraph.core.errors import DataError, Diagnostic, OptionError
from netgraph.core.option_checks import UnusedOption
from netgraph.train.checkpoint import EARLIER_CHECKPOINT
from netgraph.train.checkpoint_checks import START_FRESH
from netgraph.train.loss import not_an_output_port
from netgraph.train.metrics import STOPPING, not_one_metric

__all__ = ["worded_by_flags", "worded_by_files", "unused_by_flags", "unused_noted_by_flags"]

#: the method suboptions the flags give, by torch's name (as net_train's errors name them)
_SUBOPTION_FLAG = {"momentum": "--momentum", "eps": "--epsilon"}
#: each flagged suboption's value in a run without its flag, where the flag's words say "without" (no --momentum)
_SUBOPTION_ABSENT = {"momentum": 0}
#: the flag that gives each number net_train checks, by its keyword
_NUMBER_FLAG = {"batch_size": "--batch-size", "max_training_rounds": "--rounds", "learning_rate": "--learning-rate",
                "max_training_time": "--time", "num_workers": "--workers",
                "distributed_timeout": "--distributed-timeout"}
#: the flag a resumed run keeps as its checkpoint was written, by net_train's keyword
_RESUME_FLAG = {"method": "--method", "batch_size": "--batch-size", "working_precision": "--precision",
                "validation_set": "--validation"}
#: ``START_FRESH`` in the flags' words
_START_FRESH_FLAGS = "start fresh (without --resume, or with another --checkpoint folder)"
#: the flag that asked for a metric, by net_train's keyword
_METRIC_FLAG = {"metrics": "--metrics", STOPPING: "--stop-on"}


def unused_by_flags(note: UnusedOption) -> UnusedOption:
    """net_train's note of an option given at its default where it has no effect, worded by its flag where it has
    one (``--workers 0``)."""
    flag = _NUMBER_FLAG.get(note.option)
    return UnusedOption(f"{flag} {note.found}", note.option, note.found, note.detail) if flag else note


def unused_noted_by_flags(show: Callable) -> Callable:
    """``show`` (a ``warnings.showwarning``) with net_train's and net_measurements' notes of an unused option worded
    by its flag (``unused_by_flags``), as ``netgraph train`` and ``measure`` show them."""
    def note(message, category, *rest):  # noqa: ANN001, ANN002 - showwarning's signature
        show(unused_by_flags(message) if isinstance(message, UnusedOption) else message, category, *rest)
    return note


def worded_by_flags(exc: OptionError, metric_flags: dict[str, str] = _METRIC_FLAG,
                    resumed: Path | None = None) -> OptionError:
    """``exc`` (from net_train) worded by the flag the user typed, as its Diagnostic's fields say: a method suboption
    as ``--momentum must be ...``, a loss term as ``--loss: weight of 'KL' must be ...``; else ``exc`` itself.
    ``metric_flags``: the flag that asked for metrics, by keyword (``measure``'s ``--measure``); ``resumed``: the
    checkpoint ``--resume`` continues from."""
    if exc.diagnostics and all(x.kind == "metric-port" and x.option in metric_flags for x in exc.diagnostics):
        return OptionError("; ".join(_metric_port_words(x, metric_flags[x.option]) for x in exc.diagnostics),
                           diagnostics=exc.diagnostics)
    d = exc.diagnostics[0] if len(exc.diagnostics) == 1 else None
    if d is not None and d.kind == "metric-matrix" and d.option in metric_flags:
        return _reworded(d, _matrix_words(f"{metric_flags[d.option]} {d.found}", d.found))
    if d is None or d.detail is None:
        return exc
    if d.kind == "option-value" and d.option in _NUMBER_FLAG:  # a flag's number net_train refused
        return OptionError(f"{_NUMBER_FLAG[d.option]} {d.detail}", diagnostics=exc.diagnostics)
    if d.kind == "option-combination" and d.option in _NUMBER_FLAG:  # --workers 2 with data read in this process
        return OptionError(f"{_NUMBER_FLAG[d.option]} {d.found} {d.detail}", diagnostics=exc.diagnostics)
    if d.kind == "method-suboption" and d.option in _SUBOPTION_FLAG:
        detail = d.detail.replace(f"found {d.found!r}", f"found {typed(d.found)}", 1) if isinstance(d.found, float) \
            else d.detail  # as typed: --momentum 2, not 2.0
        return _reworded(d, f"{_SUBOPTION_FLAG[d.option]} {detail}")
    if d.kind == "validation-split":  # validation_set=<fraction> leaves a part empty
        return _reworded(d, f"--validation {d.found} {d.detail}")
    if d.kind == "unreadable-file" and d.hint == EARLIER_CHECKPOINT:  # a checkpoint cut short; no resume= here
        return _unreadable_checkpoint(d.found, d.detail)
    if d.kind == "checkpoint-mismatch" and resumed is not None:
        return _resume_words(d, resumed)
    if d.kind == "resume-seed":
        return _reworded(d, f"--seed {d.found}: {d.detail}")
    if d.kind == "option-value" and d.option == STOPPING and isinstance(d.expected, tuple):  # no measured metric
        why = not_one_metric([label.replace("/", ":") for label in d.expected], "--metrics", "Port:Metric")
        return OptionError(f"--stop-on {str(d.found).replace('/', ':')!r} {why}", diagnostics=exc.diagnostics)
    if d.kind == "unknown-metric" and d.option == STOPPING:  # --stop-on 'Port:Metric' naming no metric
        return OptionError(f"--stop-on {str(d.found).replace('/', ':')!r} {d.detail}", diagnostics=exc.diagnostics)
    if d.kind == "loss-term":
        entry = d.option if d.option != "loss_function" else None  # an entry of the term ('weight'), or the term
        return _reworded(d, f"--loss: {f'{entry} of {d.port!r}' if entry else repr(d.port)} {d.detail}",
                         option="loss")
    return exc


def _metric_port_words(d: Diagnostic, flag: str) -> str:
    """A metric that does not fit its port (``d``, "metric-port") in ``flag``'s words: a port the net lacks as
    ``--measure 'Outptu:Accuracy': 'Outptu' is not an output port ...``, as ``--metrics`` says it."""
    if d.port is None or not isinstance(d.expected, tuple) or d.port in d.expected:
        return f"{flag}: {d.detail}"
    return f"{flag} {f'{d.port}:{d.found}'!r}: {not_an_output_port(d.port, d.expected)}"


def _reworded(d: Diagnostic, message: str, **fields: object) -> OptionError:
    """``d``'s problem (its kind, port, expected, found, ...) said as ``message``, in the flags' words; ``fields``
    replace its own (``option``: the flag's)."""
    return OptionError(message, diagnostics=[d.reworded(message, **fields)])


def _suboption_flags(pairs: tuple, saved: bool) -> str:
    """Method suboptions ``(name, value)`` as the flags that give them: ``with --momentum 0.9``, ``without
    --momentum`` for its value without the flag (0); ``saved`` the checkpoint's, else this run's."""
    absent = [_SUBOPTION_FLAG[k] for k, v in pairs if k in _SUBOPTION_ABSENT and v == _SUBOPTION_ABSENT[k]]
    given = [f"{_SUBOPTION_FLAG[k]} {typed(v)}" for k, v in pairs if _SUBOPTION_FLAG[k] not in absent]
    words = ([f"{'with ' if saved else ''}{', '.join(given)}"] if given else []) + (
        [f"without {', '.join(absent)}"] if absent else [])
    return " and ".join(words)


def _suboption_words(was: tuple, now: tuple) -> str:
    """Why a run resuming with other method suboptions (``now``) than its checkpoint's (``was``) is refused, and what
    to resume with: a suboption no flag gives was written by a Python run, given there."""
    python = [f"{k}={v!r}" for k, v in was if k not in _SUBOPTION_FLAG]
    if python:
        return (f"was written by a Python run (net_train) with method suboption {', '.join(python)}, which no flag "
                f"of netgraph train gives: resume it from Python with that suboption, or {_START_FRESH_FLAGS}")
    saved, given = _suboption_flags(was, True), _suboption_flags(now, False)
    then = f"not {given}" if given.startswith("--") else f"where this run is {given}"
    return f"was written {saved}, {then}: resume {saved}, or {_START_FRESH_FLAGS}"


def _resume_words(d: Diagnostic, resumed: Path) -> OptionError:
    """A checkpoint the run cannot continue, rendered in the flags' words from ``d``'s option, expected (this run's)
    and found (the checkpoint's) values; one of no flag's option says its way to start fresh in them."""
    flag, was, now = _RESUME_FLAG.get(d.option), d.found, d.expected
    if d.option == "validation_set" and not isinstance(was, bool):  # another fraction (None: a validation file)
        saved, given = (f"{flag} {v}" if v is not None else f"{flag} <file>" for v in (was, now))
        detail = (f"was written with {saved}, not {given}: the examples held out (and trained on) would differ; "
                  f"resume with {saved}, or {_START_FRESH_FLAGS}")
    elif d.option == "validation_set":
        given = "with" if was else "without"
        detail = (f"was written by a run {given} {flag}: its best net and early stopping follow its "
                  f"{'validation' if was else 'training'} losses; resume {given} {flag}, or {_START_FRESH_FLAGS}")
    elif d.option == "method" and isinstance(was, tuple):  # the method's suboptions, (name, value) each
        detail = _suboption_words(was, now)
    elif flag is not None and was is not None:
        why = " (another would pass over another part of the round)" if d.option == "batch_size" else ""
        detail = f"was written with {flag} {was}, not {now}{why}: resume with {flag} {was}, or {_START_FRESH_FLAGS}"
    else:
        detail = d.detail.replace(START_FRESH, _START_FRESH_FLAGS)
    return OptionError(f"checkpoint {str(resumed)!r} {detail}", kind=d.kind, option=d.option, expected=now,
                       found=was, detail=detail)


def _unreadable_checkpoint(path: str, why: str) -> OptionError:
    """The newest checkpoint cut short, with what to do on the command line (its --resume takes no file)."""
    hint = (f"an earlier round's checkpoint may still be readable: move this file aside (rename it to "
            f"{Path(path).name}.damaged) and run again with --resume to continue from the newest readable one")
    return OptionError(f"{path!r} is not a readable netgraph checkpoint: {why}; {hint}", kind="unreadable-file",
                       found=path, detail=why, hint=hint)


def _matrix_words(flag: str, metric: object) -> str:
    """A matrix metric asked for per round, as the command line measures it (not net_measurements)."""
    return (f"{flag}: {metric!r} is a matrix, not a number per round; measure the trained net with netgraph measure, "
            f"--measure {metric}")


def worded_by_files(exc: DataError, flags: dict[str, str]) -> DataError:
    """``exc`` (from net_train) naming the flag and file its data set came from (``flags``: by DataRef name), as
    its Diagnostics' fields say: ``--validation v.npz: missing key 'Target' ...``; else ``exc`` itself."""
    sets = {d.data.name if d.data else None for d in exc.diagnostics}
    d = exc.diagnostics[0]
    if len(sets) != 1 or d.data is None or d.data.name not in flags or any(x.detail is None for x in exc.diagnostics):
        return exc
    subject = flags[d.data.name] + (f" ({d.data.part})" if d.data.part else "")
    if len(exc.diagnostics) == 1:
        return DataError(f"{subject}: {d.detail}", diagnostics=exc.diagnostics)
    body = "\n".join(f"  - {x.detail}" for x in exc.diagnostics)
    return DataError(f"{subject}: {len(exc.diagnostics)} problems:\n{body}", diagnostics=exc.diagnostics)
