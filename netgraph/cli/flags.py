"""Checks of ``netgraph train`` / ``measure`` / ``export`` / ``run`` flags before any work, worded by the flag the
user typed (``--batch-size 0``), not by the Python keyword (``batch_size``) it becomes."""

from __future__ import annotations

import argparse
import math
import os
import sys

import torch

from netgraph.core.errors import OptionError
from netgraph.core.option_checks import refuse_unused
from netgraph.core.output_paths import usable_folder
from netgraph.backend.devices import parse_device
from netgraph.core.wording import refuse_scaled

__all__ = ["check_measure_flags", "check_process_flags", "check_seed", "check_train_flags", "several_processes",
           "typed"]

_POSITIVE_INTS = (("batch_size", "--batch-size"), ("rounds", "--rounds"), ("nproc", "--nproc"),
                  ("checkpoint_interval", "--checkpoint-interval"), ("checkpoint_keep", "--checkpoint-keep"))
_POSITIVE_NUMBERS = (("time", "--time"),)


def check_seed(args: argparse.Namespace) -> None:
    if args.seed is not None and not 0 <= args.seed < 2**64:
        raise OptionError(f"--seed must be a whole number from 0 to 2**64 - 1, found {args.seed}", option="seed",
                          kind="option-value", expected="0 to 2**64 - 1", found=args.seed)


def typed(value: float) -> str:
    """A float flag's value written short (Python's repr, a whole number without '.0': argparse read '-1' as -1.0):
    how every message echoes a number flag. Not always as typed: '1e-5' reads back as 1e-05.

    >>> typed(-1.0), typed(-0.5), typed(float("inf")), typed(-123456789.0), typed(1e-5)
    ('-1', '-0.5', 'inf', '-123456789', '1e-05')
    """
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def check_train_flags(args: argparse.Namespace, made: list | None = None) -> None:
    """OptionError naming the first flag of ``netgraph train`` whose value net_train would refuse (the --checkpoint and
    --tensorboard folders it creates are added to ``made``: ``usable_folder``)."""
    check_seed(args)
    _check_counts(args, _POSITIVE_INTS, (("patience", "--patience"), ("workers", "--workers")))
    for name, flag in _POSITIVE_NUMBERS:
        value = getattr(args, name)
        if value is not None and not 0 < value < math.inf:  # NaN too
            raise OptionError(f"{flag} must be a finite number > 0, found {typed(value)}", option=name,
                              kind="option-value", expected="a finite number > 0", found=value)
    if args.learning_rate is not None and not 0 <= args.learning_rate < math.inf:  # 0 too, as net_train takes it
        raise OptionError(f"--learning-rate must be a finite number >= 0, found {typed(args.learning_rate)}",
                          option="learning_rate", kind="option-value", expected="a finite number >= 0",
                          found=args.learning_rate)
    _check_validation(args.validation)
    for name, flag, example in (("checkpoint", "--checkpoint", "checkpoints"), ("output", "-o", "trained")):
        if getattr(args, name) is not None and not getattr(args, name).strip():
            raise OptionError(f"{flag} needs a folder, e.g. {flag} {example}", option=name, kind="unusable-folder",
                              expected="a folder", found=getattr(args, name))
    if args.checkpoint is not None:
        usable_folder(args.checkpoint, "--checkpoint", made, option="checkpoint")
    _check_checkpoint_counts(args)
    if args.tensorboard is not None:
        if not args.tensorboard.strip():
            raise OptionError("--tensorboard needs a folder to log to, e.g. --tensorboard runs", option="tensorboard",
                              kind="unusable-folder", expected="a folder", found=args.tensorboard)
        usable_folder(args.tensorboard, "--tensorboard", made, option="tensorboard")
    if args.device is not None:
        _check_device(args.device)
        _check_processes(args.device, args.nproc)


def _check_checkpoint_counts(args: argparse.Namespace) -> None:
    """--checkpoint-interval and --checkpoint-keep say how checkpoints are written: refused where none are."""
    for name, flag in (("checkpoint_interval", "--checkpoint-interval"), ("checkpoint_keep", "--checkpoint-keep")):
        if getattr(args, name) is not None and args.checkpoint is None and not args.resume:
            refuse_unused(name, f"{flag} {getattr(args, name)}", getattr(args, name), "--checkpoint DIR or --resume",
                          "no checkpoints are written without them; --resume writes them to OUTPUT/checkpoints")


def check_measure_flags(args: argparse.Namespace) -> None:
    """OptionError naming the first flag of ``netgraph measure`` whose value net_measurements would refuse (in its
    keywords' words: ``batch_size``, ``random_seed=``), as ``check_train_flags`` words train's."""
    check_seed(args)
    _check_counts(args, (("batch_size", "--batch-size"),), (("workers", "--workers"),))
    if args.device is not None:
        _check_device(args.device)


def _check_counts(args: argparse.Namespace, positive: tuple, non_negative: tuple) -> None:
    """OptionError for the first whole-number flag out of its range: ``positive`` ones from 1, ``non_negative``
    ones from 0, all at most ``sys.maxsize`` (torch's samplers take no more)."""
    for least, flags in ((1, positive), (0, non_negative)):
        for name, flag in flags:
            if getattr(args, name) is not None and getattr(args, name) < least:
                relation = "> 0" if least else ">= 0"
                raise OptionError(f"{flag} must be a whole number {relation}, found {getattr(args, name)}", option=name,
                                  kind="option-value", expected=relation, found=getattr(args, name))
    for least, flags in ((1, positive), (0, non_negative)):
        for name, flag in flags:
            if getattr(args, name) is not None and getattr(args, name) > sys.maxsize:
                raise OptionError(f"{flag} must be a whole number from {least} to {sys.maxsize}, found "
                                  f"{getattr(args, name)}", option=name, kind="option-value",
                                  expected=f"{least} to {sys.maxsize}", found=getattr(args, name))


def _check_validation(value: str | None) -> None:
    if value is None:
        return
    try:
        fraction = float(value)
    except ValueError:
        fraction = None
    if fraction is None:
        refuse_scaled(value, f"--validation {value!r}", "--validation ", "validation")  # Wolfram's Scaled[0.1]
        return  # a validation data file, read (and checked) by load_data
    if not 0 < fraction < 1:
        raise OptionError(f"--validation {value}: a fraction to hold out must lie strictly between 0 and 1 (e.g. "
                          f"0.1), or give a validation data file", option="validation", kind="option-value",
                          expected="a fraction strictly between 0 and 1, or a file", found=value)


def several_processes(args: argparse.Namespace) -> bool:
    """Whether this process is one of several training together: --distributed, or torchrun's WORLD_SIZE over 1."""
    return args.distributed or int(os.environ.get("WORLD_SIZE", "1")) > 1


def check_process_flags(args: argparse.Namespace) -> None:
    """--no-sync-batch-norm or --distributed-timeout in a run of one process, where they would have no effect (they
    say how the processes of --nproc N, or of torchrun's WORLD_SIZE, work together): ``refuse_unused``."""
    if args.nproc > 1 or several_processes(args):
        return
    for name, flag in (("sync_batch_norm", "--no-sync-batch-norm"), ("distributed_timeout", "--distributed-timeout")):
        if (value := getattr(args, name)) is not None:
            refuse_unused(name, flag if isinstance(value, bool) else f"{flag} {typed(value)}", value,
                          "--nproc 2 or more", "it says how the processes of --nproc N work together")


def _check_processes(device: str, nproc: int | None) -> None:
    """OptionError when --nproc starts more processes than there are GPUs for them (each takes its LOCAL_RANK's)."""
    if nproc is not None and nproc > 1 and parse_device(device).type == "cuda":
        count = torch.cuda.device_count()
        if nproc > count:
            raise OptionError(f"--nproc {nproc} with --device {device}: each process takes one GPU, and this machine "
                              f"has {count}; give --nproc {count} or fewer", option="nproc",
                              kind="option-combination", expected=f"at most {count}", found=nproc)


def _check_device(value: str) -> None:
    """net_train's check of target_device (parse_device), worded by the flag."""
    try:
        parse_device(value)
    except OptionError as exc:
        d = exc.diagnostics[0]
        if d.kind == "device-missing":
            raise OptionError(f"--device {value}: {d.detail}", option="device", kind="device-missing",
                              found=value, detail=d.detail) from None
        raise OptionError(f"--device must be cpu or cuda (or cuda:N), found {value!r}"
                          + (f"; {d.hint}" if d.hint else ""), option="device", kind="device-name",
                          expected="cpu or cuda (or cuda:N)", found=value, hint=d.hint) from None
