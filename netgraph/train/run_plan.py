"""What the training loop carries (``Progress``, saved in checkpoints), the options it runs by (``Plan``), and
``mix_seed``, from which it seeds each round."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

__all__ = ["Progress", "Plan", "mix_seed"]


def mix_seed(*parts: int) -> int:
    """A 63-bit seed from integers (stable across processes and Python runs)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & (2**63 - 1)


@dataclasses.dataclass
class Progress:
    """What a checkpoint carries besides arrays and optimizer state."""

    rounds: int = 0
    batches: int = 0
    examples: int = 0
    elapsed: float = 0.0
    round_losses: list = dataclasses.field(default_factory=list)
    batch_losses: list = dataclasses.field(default_factory=list)
    validation_losses: list = dataclasses.field(default_factory=list)
    best_round: int | None = None
    best_loss: float | None = None
    stale: int = 0  # rounds since the watched value last beat ``patience_loss`` by the improvement asked for
    patience_loss: float | None = None  # that value (best_loss, the best net's, counts any improvement)
    watched: str | None = None  # the metric label best_loss and patience_loss are values of (None: the loss)
    term_round_losses: dict = dataclasses.field(default_factory=dict)  # label -> per-round unweighted means
    term_weights: dict = dataclasses.field(default_factory=dict)  # label -> the weight at each round's end
    round_metrics: dict = dataclasses.field(default_factory=dict)  # metric label -> per-round training values
    validation_metrics: dict = dataclasses.field(default_factory=dict)  # metric label -> per-round validation values
    first_round_batches: int | None = None  # round 1's batches: a round's, for data without a length
    validation_fraction: float | None = None  # validation_set's fraction held out (None: none, or data given)
    criterion_stopped: int = 0  # the round after which training_stopping_criterion ended the run (0: it did not)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Plan:
    """The parsed options the loop needs."""
    batch_size: int
    max_rounds: int | float  # math.inf: no round limit (max_training_time alone)
    max_time: float | None
    seed: int
    method: Any
    stopping: Any
    progress: Any
    checkpoint: dict | None
    resume: Any
    batches_per_round: int | None
    log: Any = None  # a TensorBoardLog (rank 0 only), or None
    logged: bool = False  # progress_reporting='tensorboard' (every process: each takes part in rank 0's logging)
    meter: Any = None  # a metrics.Meter when metrics= asked for any, or None
    mixed: bool = False  # working_precision='mixed': forwards under bfloat16 autocast
    score_whole_batch: bool = False  # every discrete draw scored by the batch's loss (net_train's option)
    batch_stats: Any = None  # the BatchStatsSync batch norms share across processes (sync_batch_norm), or None
    seed_text: str | None = None  # the string seed given (checkpoints keep it, to name it on resuming)
    held_out: float | None = None  # validation_set=<fraction>: the fraction of the data held out, else None
    given: Any = None  # (port, example) -> the training data's example as given, or None (``walk.run_model``)
    validation_given: Any = None  # the same, of the validation data given (validation_set=<data>)
    unsized_default_rounds: bool = False  # max_rounds is the default for data without a length (api.UNSIZED_ROUNDS)

    def rounds_given(self) -> str:
        """Where the round limit comes from: the option given, or the default for data without a length."""
        return ("the default for data without a length" if self.unsized_default_rounds else
                f"max_training_rounds={self.max_rounds}")
