"""``netgraph train spec.yaml --data file.npz -o trained/ [--nproc 2]``."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from netgraph.cli import INTERRUPTED_STATUS
from netgraph.cli.flags import check_process_flags, check_train_flags, several_processes, typed
from netgraph.cli.header import spec_header
from netgraph.cli.loss_layers import loss_option, with_loss_layers
from netgraph.cli.places import placed_at_layers
from netgraph.cli.terminate import TERMINATED_STATUS, Terminated, sigterm_as_interrupt
from netgraph.cli.train_outputs import check_outputs_replaceable, write_outputs
from netgraph.cli.train_summary import terminated_processes_text
from netgraph.cli.train_words import _matrix_words, unused_noted_by_flags, worded_by_files, worded_by_flags
from netgraph.core.layer import Layer
from netgraph.core.errors import DataError, NetGraphError, OptionError, did_you_mean, headed
from netgraph.core.output_paths import folders_made, refuse_overwriting, remove_made, usable_folder
from netgraph.spec.api import load_located
from netgraph.train import NetTrainResults, load_data, net_train
from netgraph.train.api import OPTIONS as NET_TRAIN_DEFAULTS
from netgraph.train.checkpoint import NothingToResume, latest_checkpoint, position_of
from netgraph.train.distributed import LONGEST_TIMEOUT, DistributedTimeoutError, launch
from netgraph.train.encoded_loader import TooManyWorkers
from netgraph.train.interrupted_round import PastTheLimit
from netgraph.train.loss import AUTOMATIC, not_an_output_port
from netgraph.train.metrics import parse_metrics
from netgraph.train.options import canonical_method
from netgraph.train.precision import CHOICES as PRECISION_CHOICES, NAMES as PRECISION_NAMES
from netgraph.train.step_boundary import StepBoundary
from netgraph.train.stopping import TrainingDataStopping

__all__ = ["train", "worded_by_flags", "worded_by_files"]

_FORWARDED = ("data", "output", "batch_size", "rounds", "time", "learning_rate", "method", "momentum",
              "epsilon", "validation", "patience", "seed", "device", "precision", "checkpoint", "checkpoint_interval",
              "checkpoint_keep", "loss", "tensorboard", "metrics", "stop_on", "workers", "base_dir",
              "distributed_timeout")


def _forward_argv(args: argparse.Namespace) -> list[str]:
    out = [args.command, args.spec]
    for name in _FORWARDED:
        value = getattr(args, name)
        if value is not None:
            out += [f"--{name.replace('_', '-')}", str(value)]
    out += [f"--limit={flag}" for flag in args.limit]
    out += ["--resume"] * bool(args.resume) + ["--quiet"] * bool(args.quiet) + ["--distributed"]
    out += ["--allow-outside"] * bool(args.allow_outside) + ["--no-sync-batch-norm"] * (args.sync_batch_norm is False)
    out += ["--score-whole-batch"] * bool(args.score_whole_batch)
    return out


def train(args: argparse.Namespace) -> int:
    with folders_made() as made:  # the folders this run creates: removed again, when still empty, if it fails
        code = _train(args, made)
        if code:
            remove_made(made)  # processes --nproc started failed (each removed the folders it made)
    return code


def _refuse_overwriting_sources(trained: Path, spec: str, located: dict[tuple[str, ...], str]) -> None:
    """OptionError when the trained spec would replace the input spec or a spec file it reads by ``file:``
    (``train block.yaml -o parts`` where block.yaml names ``file: parts/block.yaml``; ``located``: where the load
    found each layer, as ``layer_locations`` gives it)."""
    refuse_overwriting(trained, spec, "-o: the trained spec")
    if trained.exists():  # only an existing file can be one of them
        for source in sorted({place.rsplit(":", 2)[0] for place in located.values()}):
            refuse_overwriting(trained, source, "-o: the trained spec")


def _load_data(path: str, flag: str) -> Any:
    """``load_data``, its DataError naming the flag (--data and --validation both read data files)."""
    try:
        return load_data(path, command_line=True)
    except DataError as exc:
        raise headed(exc, f"{flag}: ") from None


def _train(args: argparse.Namespace, made: list[Path]) -> int:
    check_train_flags(args, made)  # before launching processes, loading or training: worded by the flags
    check_precision(args.precision)
    _check_timeout(args.distributed_timeout)
    check_process_flags(args)
    method, loss, metrics = _method(args), loss_option(args.loss), metrics_option(args.metrics)
    resumed = _resumed(args)
    args.seed = _seed(args, resumed)
    if args.nproc > 1 and not args.distributed:
        first = _load_net(args.spec)[0]  # a broken spec: one message, not N
        _check_ports(first, with_loss_layers(first, loss), metrics, args.metrics)
        code = launch(_forward_argv(args), args.nproc)
        if code == TERMINATED_STATUS:  # torchrun got SIGTERM and passed it on: its processes ended where they were
            print(terminated_processes_text(args.nproc, _checkpoint_folder(args)), file=sys.stderr)
        return code
    located: dict[tuple[str, ...], str] = {}  # filled by the load (nothing for an ONNX model)
    net, name, description = _load_net(args.spec, located)
    loss = with_loss_layers(net, loss)  # MeanAbsoluteLossLayer: that loss layer, as Wolfram's LossFunction
    _check_ports(net, loss, metrics, args.metrics)
    data = _load_data(args.data, "--data")
    validation: Any = args.validation
    if validation is not None:
        try:
            validation = float(validation)
        except ValueError:
            validation = _load_data(validation, "--validation")
    # before training: a file in the way, no permission
    out = usable_folder(args.output, "-o (the output folder)", made)
    _refuse_overwriting_sources(out / f"{Path(args.spec).stem}.yaml", args.spec, located)
    check_outputs_replaceable(out, args.spec)
    checkpoint = _checkpoint_folder(args)
    if checkpoint and not args.resume and (found := latest_checkpoint(checkpoint)):  # worded for the flags
        raise OptionError(f"--checkpoint {checkpoint!r} already holds an earlier run's checkpoints ({found.name}): "
                          f"a new run there would mix with them; add --resume to continue that run, or give an "
                          f"empty folder", kind="occupied-folder", option="checkpoint",
                          expected="an empty folder, or --resume", found=str(found))
    resumed_at = position_of(resumed) if resumed is not None else (0, 0)  # rounds done, batches of the next
    with sigterm_as_interrupt(not args.distributed) as terminated:
        status = _trained_and_written(args, (net, data, method, loss, metrics, validation, checkpoint), resumed,
                                      (args.spec, out, name, description, resumed_at, checkpoint))
    status = TERMINATED_STATUS if status == INTERRUPTED_STATUS and terminated else status
    if status in (TERMINATED_STATUS, INTERRUPTED_STATUS):  # 128 + 15 as a Unix tool ended by SIGTERM, for its sender
        print(_stopped_text(status, _rank()), file=sys.stderr)
    return status


def _rank() -> int:
    """This process's rank among those training together (torchrun's RANK; 0 alone): rank 0 writes the outputs."""
    return int(os.environ.get("RANK", "0"))


def _stopped_text(status: int, rank: int) -> str:
    """The line after Ctrl-C or SIGTERM (``status``) stopped the run: the net written, said by the rank that wrote it.

    >>> _stopped_text(INTERRUPTED_STATUS, 1)
    'netgraph train: interrupted; rank 1 writes nothing (rank 0 writes the outputs)'
    """
    how = "terminated (SIGTERM)" if status == TERMINATED_STATUS else "interrupted"
    return f"netgraph train: {how}; " + ("the net trained so far is written" if rank == 0 else
                                         f"rank {rank} writes nothing (rank 0 writes the outputs)")


def _trained(args: argparse.Namespace, training: tuple, resumed: Path | None) -> NetTrainResults:
    """``_net_train`` with ``training`` (net, data, method, loss, metrics, validation, checkpoint), its errors worded
    by the flags and files that gave what they name."""
    try:
        with placed_at_layers(args.spec):
            return _net_train(args, *training)
    except OptionError as exc:
        raise worded_by_flags(exc, resumed=resumed) from None
    except DistributedTimeoutError as exc:  # gloo's own error stays its cause
        raise DistributedTimeoutError(f"--distributed-timeout {typed(_timeout(args))}: "
                                      f"{exc.diagnostics[0].detail}", diagnostics=exc.diagnostics) from exc.__cause__
    except DataError as exc:
        files = {"training": f"--data {args.data}", "validation": f"--validation {args.validation}",
                 "held-out": f"--data {args.data}, the part --validation {args.validation} holds out"}
        raise worded_by_files(exc, files) from None


def _trained_and_written(args: argparse.Namespace, training: tuple, resumed: Path | None, outputs: tuple) -> int:
    """``_trained``, then (on rank 0) ``write_outputs(results, *outputs)``, with Ctrl-C and SIGTERM held from the end
    of training's rounds until every file is written (the net trained is never lost, no folder is left half old, half
    new), then handled as during training: INTERRUPTED_STATUS, or TERMINATED_STATUS (SIGTERM). A second one stops it
    at once; one held as an error ends it is handled after the error is printed."""
    results, writing = None, StepBoundary()  # ``writing``: SIGTERM held on rank 0 under --distributed, as it writes
    with StepBoundary.installed() as boundary:
        try:
            with boundary.held_after_rounds():
                results = _trained(args, training, resumed)
                if _rank() != 0:
                    return 0
                # torchrun stops --nproc processes with SIGTERM, left to the system while they train: held here too
                with sigterm_as_interrupt(args.distributed), \
                        StepBoundary.installed(args.distributed, (signal.SIGTERM,)) as writing, writing:
                    return write_outputs(results, *outputs)
        except KeyboardInterrupt as exc:  # Terminated too: a held signal's handler raised it after the writes
            if boundary.forced or writing.forced or results is None:
                raise
            return TERMINATED_STATUS if isinstance(exc, Terminated) else INTERRUPTED_STATUS
        except (NetGraphError, OSError) as exc:
            held = next((b for b in (writing, boundary) if b.unhandled is not None), None)
            if held is None:
                raise
            print(f"netgraph train: {exc}", file=sys.stderr)
            held.previous[held.unhandled](held.unhandled, None)  # raises KeyboardInterrupt or Terminated
            raise


def _seed(args: argparse.Namespace, resumed: Path | None) -> int | None:
    """--seed, else 0 (as run and export), so two runs of one command train alike; ``resumed``, the checkpoint's."""
    if args.seed is not None:
        return args.seed
    return None if resumed else 0


def _checkpoint_folder(args: argparse.Namespace) -> str | None:
    """--checkpoint, else with --resume the output folder's checkpoints/ (None: no checkpoints)."""
    return args.checkpoint or (str(Path(args.output) / "checkpoints") if args.resume else None)


def _resumed(args: argparse.Namespace) -> Path | None:
    """The checkpoint a --resume run continues from, the newest in its folder (None: not resuming, or none there)."""
    return latest_checkpoint(_checkpoint_folder(args)) if args.resume else None


def _net_train(args: argparse.Namespace, net: Any, data: Any, method: Any, loss: Any, metrics: Any, validation: Any,
               checkpoint: str | None) -> NetTrainResults:
    """net_train as the flags say, its note about stopping on training data worded by the flags."""
    with warnings.catch_warnings():
        warnings.showwarning = _flag_notes(warnings.showwarning, "--stop-on" if args.stop_on else "--patience",
                                           args.checkpoint is not None)
        return net_train(
            net, data, batch_size=args.batch_size, max_training_rounds=args.rounds, max_training_time=args.time,
            learning_rate=args.learning_rate, method=method, validation_set=validation,
            training_stopping_criterion=stopping_option(args.patience, args.stop_on), random_seed=args.seed,
            target_device=args.device, working_precision=args.precision, metrics=metrics,
            checkpoint=_checkpoint_option(args, checkpoint), resume=bool(args.resume), loss_function=loss,
            progress=_progress(args.quiet), all=True,
            progress_reporting="tensorboard" if args.tensorboard else None, log_dir=args.tensorboard,
            score_whole_batch=bool(args.score_whole_batch), **_given_options(args))


def _given_options(args: argparse.Namespace) -> dict[str, Any]:
    """num_workers where --workers is given, and the options of several processes where there are several: net_train
    refuses (or warns of) one given without what it goes with (``refuse_unused``)."""
    given: dict[str, Any] = {} if args.workers is None else {"num_workers": args.workers}
    if several_processes(args):
        given.update(distributed=True, sync_batch_norm=args.sync_batch_norm is not False,
                     distributed_timeout=_timeout(args))
    return given


def _checkpoint_option(args: argparse.Namespace, folder: str | None) -> dict | None:
    """net_train's checkpoint: the folder, and --checkpoint-interval and --checkpoint-keep where given (else
    net_train's defaults)."""
    given = {"interval": args.checkpoint_interval, "keep": args.checkpoint_keep}
    return {"directory": folder, **{k: v for k, v in given.items() if v is not None}} if folder else None


def _progress(quiet: bool) -> Any:
    """net_train's progress: none with --quiet; the bar on a terminal; else (a log, CI, a pipe), where a bar is
    not drawn, one line per round on stdout."""
    if quiet:
        return False
    return "auto" if sys.stderr is not None and sys.stderr.isatty() else "print"


def _flag_notes(show: Callable, flag: str, checkpoint_flag: bool) -> Callable:
    """``show`` (a ``warnings.showwarning``) with net_train's warnings about stopping on training data, about too
    many workers and about nothing to resume worded by ``flag``, --validation, --workers and --resume (with
    --checkpoint when ``checkpoint_flag``: given), not by its keywords; none about a checkpoint past the limits."""
    show = unused_noted_by_flags(show)

    def note(message, category, *rest):  # noqa: ANN001, ANN002 - showwarning's signature
        if isinstance(message, PastTheLimit):  # the closing line says it (train_summary.rounds_text)
            return
        if isinstance(message, NothingToResume):
            folder = f"--checkpoint {message.directory!r}" if checkpoint_flag else \
                f"{message.directory!r} (the checkpoint folder, OUTPUT/checkpoints with --resume)"
            message = NothingToResume(message.directory, f"--resume, but {folder} holds no checkpoint (round-*.pt): "
                                                         f"training starts fresh")
        if isinstance(message, TooManyWorkers):
            message = TooManyWorkers(message.workers, message.cpus, "--workers")
        if isinstance(message, TrainingDataStopping):
            message = TrainingDataStopping(message.watched, f"{flag} watches the {message.watched} because no "
                                           f"--validation was given; give --validation 0.1 (or a data file) to "
                                           f"stop on held-out data")
        show(message, category, *rest)
    return note


def check_precision(value: str | None) -> None:
    """--precision, checked here rather than in ``flags`` (``netgraph run`` imports that, and not netgraph.train)."""
    if value is not None and value not in PRECISION_NAMES:
        raise OptionError(f"--precision must be float32, float64 or mixed, found {value!r}"
                          f"{did_you_mean(value, PRECISION_NAMES)}", option="precision", kind="option-value",
                          expected=tuple(PRECISION_CHOICES), found=value)


def _timeout(args: argparse.Namespace) -> float:
    """--distributed-timeout, else its default (600 seconds, net_train's)."""
    seconds = args.distributed_timeout
    return NET_TRAIN_DEFAULTS["distributed_timeout"] if seconds is None else seconds


def _check_timeout(seconds: float | None) -> None:
    """--distributed-timeout, checked before --nproc starts processes (each would refuse it in net_train's words)."""
    if seconds is not None and not 0 < seconds <= LONGEST_TIMEOUT:  # NaN too
        raise OptionError(f"--distributed-timeout must be a number of seconds > 0 and at most {LONGEST_TIMEOUT:g}, "
                          f"found {typed(seconds)}", option="distributed_timeout", kind="option-value",
                          expected=f"0 < seconds <= {LONGEST_TIMEOUT:g}", found=seconds)


def _load_net(path: str, located: dict | None = None) -> tuple[Any, str | None, str | None]:
    """The spec, or an ONNX model imported (``import_onnx``), with its name and description (``spec_header``,
    which the trained spec keeps): a model is read once for both. A layer file stays the layer (not the net of it
    alone, as ``load_net`` gives other commands): net_train gives the layer back, so ``-o`` writes a layer file.
    ``located`` is filled with where the spec defines each layer (``layer_locations``), from the same read."""
    loading = model_loading(path)
    return loading.load_with_header(path) if loading else (load_located(path, {} if located is None else located),
                                                           *spec_header(path))


def model_loading(path: str) -> Any:
    """``netgraph.cli.loading`` where ``path`` is an ONNX model's (its ``load_net``, ``load_with_header``), else None:
    it imports netgraph.export, which loads every layer family, so only for a model."""
    return importlib.import_module("netgraph.cli.loading") if Path(path).suffix.lower() == ".onnx" else None


def metrics_option(text: str | None) -> Any:
    """``--metrics``: 'Accuracy,F1' (every output they fit) or 'Port:Metric,...' (per port).

    >>> metrics_option("Accuracy, F1"), metrics_option("Output:Accuracy,Output:F1")
    (['Accuracy', 'F1'], {'Output': ['Accuracy', 'F1']})
    """
    if text is None:
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:  # --metrics "$METRICS" unset: said so, not trained without the metrics asked for
        raise OptionError(f"--metrics {text!r} names no metric; give one or more, comma-separated, e.g. "
                          f"--metrics Accuracy,F1", option="metrics", kind="option-value", found=text)
    if not any(":" in item for item in items):
        return items
    if not all(":" in item for item in items):
        raise OptionError(f"--metrics {text!r}: give every metric as Port:Metric, or none (then each metric is "
                          f"measured on every output it fits)", option="metrics", kind="option-value",
                          expected="Port:Metric for every metric, or for none", found=text)
    out: dict[str, list[str]] = {}
    for item in items:
        port, name = (part.strip() for part in item.split(":", 1))
        out.setdefault(port, []).append(name)
    return out


def stopping_option(patience: int | None, metric: str | None) -> Any:
    """``--patience`` and ``--stop-on`` as training_stopping_criterion."""
    if metric is None:
        return patience
    return {"criterion": metric.replace(":", "/"), "patience": patience or 0}


def _check_ports(net: Any, loss: Any, metrics: Any, text: str | None) -> None:
    """OptionError worded by ``--loss`` or ``--metrics`` (not by net_train's keywords) for a port name that is no
    output port of ``net``, or an unknown metric name."""
    names = list(loss) if isinstance(loss, dict) else [] if isinstance(loss, Layer) or loss in AUTOMATIC else [loss]
    for name in names:
        if name not in net.output_ports:
            raise OptionError(f"--loss {not_an_output_port(name, net.output_ports)}", option="loss",
                              kind="unknown-port", expected=tuple(net.output_ports), found=name)
    try:
        pairs = parse_metrics(metrics)  # 'Output:Accuracy' (a dict) or 'Output/Accuracy' (a label) name a port
    except OptionError as exc:
        if exc.diagnostics[0].kind == "metric-matrix":
            found = exc.diagnostics[0].found
            raise OptionError(_matrix_words(f"--metrics {text!r}", found), option="metrics", kind="metric-matrix",
                              found=found) from None
        header = f"--metrics {text!r}: "  # net_train's problem (its kind, found, expected) worded by the flag
        raise headed(exc, header, OptionError) from None
    for port in dict.fromkeys(port for port, _ in pairs if port is not None):
        if port not in net.output_ports:
            raise OptionError(f"--metrics {text!r}: {not_an_output_port(port, net.output_ports)}",
                              option="metrics", kind="unknown-port", expected=tuple(net.output_ports), found=port)


#: the methods each suboption flag applies to
_SUBOPTION_FLAGS = (("momentum", "--momentum", ("SGD", "RMSProp")),
                    ("epsilon", "--epsilon", ("Adam", "AdamW", "RMSProp")))


def _method(args: argparse.Namespace) -> Any:
    """``--method`` with ``--momentum`` / ``--epsilon`` as its suboptions (OptionError for one the method lacks)."""
    canonical = canonical_method(args.method or "Adam", flag="--method")  # before the data is read
    for name, flag, methods in _SUBOPTION_FLAGS:
        if getattr(args, name) is not None and canonical not in methods:
            default = "" if args.method else " (the default)"
            takes = f"{', '.join(methods[:-1])} or {methods[-1]}"
            raise OptionError(f"{flag} is an option of --method {takes}, not {canonical}{default}", option=name,
                              kind="option-combination", expected=methods, found=canonical)
    suboptions = {k: getattr(args, k) for k in ("momentum", "epsilon") if getattr(args, k) is not None}
    return (args.method or "Adam", suboptions) if suboptions else args.method
