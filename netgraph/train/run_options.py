"""net_train's options read before any data (``run_options``): the device, method, stopping, progress, metrics,
batch size, time limit, checkpoint folder, log folder, the checkpoint to resume from and the seed."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import torch

from netgraph.backend.devices import parse_device
from netgraph.core.errors import OptionError
from netgraph.core.output_paths import usable_folder
from netgraph.core.options import random_seeding
from netgraph.train.checkpoint import folders_in_the_way, latest_checkpoint, read_checkpoint, resolve
from netgraph.train.checkpoint_checks import check_layout, resumed_seed
from netgraph.train.metrics import parse_metrics
from netgraph.train.option_keys import snake_keys
from netgraph.train.options import check_number, parse_method, parse_progress
from netgraph.train.precision import WorkingPrecision
from netgraph.train.stopping import parse_stopping
from netgraph.train.tensorboard import parse_reporting

__all__ = ["RunOptions", "run_options", "refuse_occupied", "DEFAULT_BATCH_SIZE"]

DEFAULT_BATCH_SIZE = 64


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """net_train's options as read: ``resume`` is (the checkpoint's path, what it holds), or None."""

    device: torch.device
    method: Any
    stopping: Any
    progress: Any
    metrics: Any
    batch_size: int
    max_time: float | None
    checkpoint: dict | None
    log_dir: Any
    resume: tuple[Path, dict] | None
    seed: int | None
    seed_text: str | None = None  # the string seed given (or the resumed run's), which checkpoints and messages name


def run_options(o: dict[str, Any], precision: WorkingPrecision, made: list[Path]) -> RunOptions:
    """The options of ``o`` (net_train's, defaults filled) read, in the order their errors are reported."""
    device = parse_device(o["target_device"])
    precision.check_device(device)
    method = parse_method(o["method"], o["learning_rate"])
    stopping, progress = parse_stopping(o["training_stopping_criterion"]), parse_progress(o["progress"])
    metrics = parse_metrics(o["metrics"])
    batch_size = check_number(DEFAULT_BATCH_SIZE if o["batch_size"] is None else o["batch_size"], "batch_size",
                              integer=True)
    max_time = None if o["max_training_time"] is None else check_number(o["max_training_time"], "max_training_time")
    checkpoint = _checkpoint(o["checkpoint"], made)
    log_dir = parse_reporting(o["progress_reporting"], o["log_dir"], made)
    path = _resume(o["resume"], checkpoint)
    seed = random_seeding(o["random_seed"], "random_seed")  # Wolfram's 'Inherited' (None) and 'Automatic' too
    if path is None and checkpoint is not None:
        refuse_occupied(checkpoint["directory"])
    resume, given = None, o["random_seed"]
    text = given if isinstance(given, str) and given not in ("Automatic", "Inherited") else None
    if path is not None:
        resume = (path, read_checkpoint(path))
        check_layout(resume[1], path, resume=True)
        saved = (int(resume[1]["seed"]), resume[1].get("seed_text"))  # older checkpoints have no seed_text
        seed = resumed_seed(seed, saved[0], given, saved[1])
        text = saved[1]
    if checkpoint is not None:
        last = o["max_training_rounds"] if isinstance(o["max_training_rounds"], int) else None
        _refuse_folders_in_the_way(checkpoint["directory"], resume[1]["round"] if resume else 0, last)
    return RunOptions(device, method, stopping, progress, metrics, batch_size, max_time, checkpoint, log_dir, resume,
                      seed, text)


def refuse_occupied(directory: Path) -> None:
    """A new run refuses a folder of an earlier run's checkpoints."""
    if found := latest_checkpoint(directory):
        raise OptionError(f"checkpoint directory {str(directory)!r} already holds an earlier run's "
                          f"checkpoints ({found.name}): a new run there would mix with them (and its own files could "
                          f"be removed as older); pass resume=True to continue that run, or give an empty folder",
                          kind="occupied-folder", option="checkpoint", expected="an empty folder, or resume=True",
                          found=str(found))


def _refuse_folders_in_the_way(directory: Path, after: int, through: int | None) -> None:
    """Refuse, before training, a checkpoint folder holding a folder named as a checkpoint file the run (of rounds
    ``after`` + 1 to ``through``) may write: writing it would fail mid-run."""
    if found := folders_in_the_way(directory, after, through):
        raise OptionError(f"checkpoint directory {str(directory)!r} holds a folder named as a checkpoint file "
                          f"({found[0].name}): a checkpoint cannot be written in its place; remove or rename it, or "
                          f"give another folder", kind="occupied-folder", option="checkpoint",
                          expected="no folder named round-*.pt", found=str(found[0]))


def _checkpoint(spec: Any, made: list[Path]) -> dict | None:
    if spec is None or spec is False:
        return None
    if isinstance(spec, (tuple, list)) and len(spec) == 2 and spec[0] in ("Directory", "File"):
        spec = _wolfram_checkpointing(*spec)
    if isinstance(spec, (str, os.PathLike)):
        spec = {"directory": spec}
    given, spec = spec, snake_keys(spec, "checkpoint", ["directory", "interval", "keep"])[0] \
        if isinstance(spec, dict) else spec
    if not isinstance(spec, dict) or not isinstance(spec.get("directory"), (str, os.PathLike)):
        expected = "a directory or a dict with 'directory' (and optional 'interval' in rounds, 'keep' files)"
        raise OptionError(f"checkpoint must be {expected}; found {given!r}", option="checkpoint", kind="option-value",
                          expected=expected, found=given)
    return {"directory": usable_folder(spec["directory"], "checkpoint directory", made, option="checkpoint"),
            "interval": check_number(spec.get("interval", 1), "checkpoint interval", integer=True,
                                     keyword="checkpoint"),
            "keep": check_number(spec.get("keep", 3), "checkpoint keep", integer=True, keyword="checkpoint")}


def _wolfram_checkpointing(kind: str, path: Any) -> Any:
    """Wolfram's TrainingProgressCheckpointing {"Directory", dir}: the directory; {"File", path}: OptionError."""
    if kind == "Directory":
        return path
    folder = str(Path(path).parent)
    raise OptionError(f"checkpoint=('File', {str(path)!r}) (Wolfram's one file, rewritten every round) is not "
                      f"written: each checkpoint is a file of its own in a folder; give checkpoint={{'directory': "
                      f"{folder!r}, 'keep': 1}} to keep only the newest", option="checkpoint", kind="option-value",
                      found=(kind, path))


#: words meant as a flag (from a config file or an environment variable), not a checkpoint's path
_WORDS = ("true", "false", "yes", "no", "on", "off", "none", "1", "0")


def _resume(spec: Any, checkpoint: dict | None) -> Path | None:
    if spec is None or spec is False:
        return None
    if spec is True:
        if checkpoint is None:
            raise OptionError("resume=True continues from the newest file in the checkpoint directory; give "
                              "checkpoint='dir' too (or resume='path/to/round-000003.pt')", option="resume",
                              kind="option-combination", found=True)
        return latest_checkpoint(checkpoint["directory"])
    if isinstance(spec, str) and spec.strip().lower() in _WORDS and not os.path.lexists(spec):
        raise OptionError(f"resume={spec!r} is text naming no checkpoint file or folder: give resume=True (not a "
                          f"string) for the newest checkpoint in checkpoint=, False to start fresh, or a checkpoint "
                          f"path", option="resume", kind="option-value", expected="True, False or a checkpoint path",
                          found=spec)
    if isinstance(spec, (str, os.PathLike)):
        return resolve(spec)
    raise OptionError(f"resume must be True, False or a checkpoint path, found {spec!r}", option="resume",
                      kind="option-value", expected="True, False or a checkpoint path", found=spec)
