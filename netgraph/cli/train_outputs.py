"""What ``netgraph train -o folder`` writes: the trained spec, loss.svg and results.json, none unless all can be."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from netgraph.cli import INTERRUPTED_STATUS
from netgraph.cli.train_summary import losses_text, rounds_text, written_net_text
from netgraph.core.errors import OptionError
from netgraph.core.files import atomic_write, replaceable_target
from netgraph.spec import save
from netgraph.train import NetTrainResults

__all__ = ["check_outputs_replaceable", "write_outputs"]


def check_outputs_replaceable(out: Path, spec: str, advice: str = "or give another folder") -> None:
    """OptionError naming the first of the files ``-o`` gets that cannot be replaced (read-only, a folder), ending
    with ``advice``: checked before training, and again before writing, so that none is written unless all can be
    (not the weights file, named by its digest: one the same arrays left there is checked by ``save``, before it
    writes anything)."""
    for path in (out / name for name in (f"{Path(spec).stem}.yaml", "loss.svg", "results.json")):
        try:
            replaceable_target(path)  # as atomic_write checks it: a folder, a link to nothing, a read-only file
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise OptionError(f"-o (the output folder) {str(out)!r}: {path.name} in it cannot be replaced: {reason}; "
                              f"{advice}", kind="unwritable-file", option="output", found=str(path),
                              detail=reason) from None


def _json_ready(value: Any) -> Any:
    """``value`` with every NaN/Inf float as None (JSON has neither; a metric not measured in a round is NaN).

    >>> _json_ready({"a": [1.0, float("nan")], "b": (float("inf"),)})
    {'a': [1.0, None], 'b': [None]}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value


def write_outputs(results: NetTrainResults, spec: str, out: Path, name: str | None, description: str | None,
                  resumed_at: tuple[int, int] = (0, 0), checkpoint: str | None = None) -> int:
    """The trained spec, loss.svg and results.json, and a line saying so (a resumed run that had ended already
    trained no round: said so); INTERRUPTED_STATUS after Ctrl-C or SIGTERM (``ManualStop``), else 0. A file made
    unreplaceable while training: none is written, and the error says how to get the training back (``checkpoint``)."""
    out.mkdir(parents=True, exist_ok=True)
    check_outputs_replaceable(out, spec, _not_written(checkpoint))
    target = out / f"{Path(spec).stem}.yaml"
    save(results.trained_net, target, name=name, description=description)
    results.plot_losses(out / "loss.svg")
    summary = {k: getattr(results, k) for k in (
        "round_losses", "validation_losses", "batch_losses", "best_validation_round", "total_rounds",
        "total_batches", "batch_size", "examples_processed", "total_training_time", "reason_training_stopped",
        "optimization_method", "initial_learning_rate", "final_learning_rate", "loss_function", "term_losses",
        "loss_weights", "round_metrics", "validation_metrics", "target_device")}
    text = json.dumps(_json_ready(summary), indent=1, allow_nan=False)
    atomic_write(out / "results.json", (text + "\n").encode("utf-8"))
    print(f"{rounds_text(results, resumed_at)}: {losses_text(results)}; wrote {written_net_text(results, target)}, "
          f"{out / 'loss.svg'}, {out / 'results.json'}")
    # the command passes no progress function: only Ctrl-C (or SIGTERM) stops so; as an interrupted Unix tool ends
    return INTERRUPTED_STATUS if results.reason_training_stopped == "ManualStop" else 0


def _not_written(checkpoint: str | None) -> str:
    """What to do when the trained net could not be written: resume from ``checkpoint``'s, or train again."""
    if checkpoint is None:
        return "the trained net was not written (the folder is as it was): make it replaceable and train again"
    return (f"the trained net was not written (the folder is as it was): make it replaceable and run again with "
            f"--resume, which continues from the checkpoints in {checkpoint!r}")
