"""What training prints as it goes: the progress bar's figures, a round's line and its loss terms.

>>> from types import SimpleNamespace
>>> state = SimpleNamespace(term_round_losses={"Reconstruction": [12.3], "KL": [4.5]},
...                         term_weights={"Reconstruction": [1.0], "KL": [0.25]})
>>> terms_text(state)
'  (Reconstruction 12.3, KL 4.5 × 0.25)'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from netgraph.train.metric_history import latest_values

__all__ = ["bar_postfix", "terms_text", "round_line", "seconds_text"]


def bar_postfix(state: Any, last_terms: dict, value: float, measured: Sequence[str] = ()) -> dict[str, str]:
    """The progress bar's figures: the batch loss, each loss term when there are several, validation, metrics (each
    ``measured`` label's, "nan" where undefined)."""
    out = {"loss": f"{value:.4g}"}
    if len(last_terms) > 1:
        out.update({label: f"{float(v):.4g}" for label, v in last_terms.items()})
    if state.validation_losses:
        out["val"] = f"{state.validation_losses[-1]:.4g}"
    out.update({label: f"{v:.4g}" for label, v in latest_values(state.round_metrics, measured).items()})
    out.update({f"val {label}": f"{v:.4g}" for label, v in latest_values(state.validation_metrics, measured).items()})
    return out


def terms_text(state: Any) -> str:
    """The last round's loss terms, when there are several (see the module example)."""
    terms = latest_values(state.term_round_losses)  # (not a term of a resumed run's loss that this one has not)
    if len(terms) < 2:
        return ""
    parts = [f"{label} {value:.5g}" + ("" if state.term_weights[label][-1] == 1 else
                                       f" × {state.term_weights[label][-1]:.3g}") for label, value in terms.items()]
    return f"  ({', '.join(parts)})"


def seconds_text(seconds: float) -> str:
    """Time so far as a round line shows it: tenths from a second on, two significant digits below, where tenths
    would show a run of fast rounds (a small net, or ``--nproc``'s one-thread processes) as ``0.0 s`` each.

    >>> seconds_text(4.14), seconds_text(0.0432), seconds_text(0.999)
    ('4.1 s', '0.043 s', '1.0 s')
    """
    return f"{seconds:.1f} s" if seconds >= 0.995 else f"{seconds:.2g} s"


def round_line(state: Any, r: int, rounds: float, elapsed: float, measured: Sequence[str] = ()) -> str:
    """The line progress='print' prints for round ``r``: its loss and terms, validation, metrics (as
    ``bar_postfix``), time so far."""
    val = f"  validation {state.validation_losses[-1]:.5g}" if state.validation_losses else ""
    metrics = "".join(f"  {k} {v:.4g}" for k, v in latest_values(state.round_metrics, measured).items())
    validated = latest_values(state.validation_metrics, measured)
    metrics += "".join(f"  validation {k} {v:.4g}" for k, v in validated.items())
    of = f"/{rounds}" if math.isfinite(rounds) else ""  # max_training_time alone sets no round limit
    return f"round {r}{of}  loss {state.round_losses[-1]:.5g}{terms_text(state)}{val}{metrics}  {seconds_text(elapsed)}"
