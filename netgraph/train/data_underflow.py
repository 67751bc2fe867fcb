"""Training data whose nonzero values the cast to the working precision made 0 (1e-300 in float32), where a layer
refused the 0 (a distribution's rate): named with the value fed, as ``net(x)`` names it (``underflow_error``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from netgraph.backend.port_tensors import as_port_tensor, underflow_error
from netgraph.core.errors import DataError, NetGraphError, TrainingError
from netgraph.train.data_columns import columns_from
from netgraph.train.data_sets import TRAINING

__all__ = ["training_underflow"]


def training_underflow(error: TrainingError, net: Any, data: Any) -> TrainingError | None:
    """For ``error``, training stopped by a layer's refusal of a 0 at a port fed by ``data`` (a dict of columns or a
    list of examples) where the cast to the working precision made nonzero values 0: the TrainingError naming the
    layer, the port and such a value; else None. Read only once training stopped."""
    if not isinstance(error.__cause__, DataError) or not isinstance(data, (Mapping, list, tuple)):
        return None
    try:
        fed = {k: v for k, v in columns_from(data, TRAINING).items() if isinstance(v, torch.Tensor)}
        casts = {k: as_port_tensor(k, v, integer=False) for k, v in fed.items()}
        underflow = underflow_error(error.__cause__, net, fed, casts, training=True)
    except (NetGraphError, TypeError, RuntimeError):  # data read otherwise (a loader, files): the error stands
        return None
    return None if underflow is None else TrainingError(f"training stopped: {underflow}",
                                                       diagnostics=underflow.diagnostics)
