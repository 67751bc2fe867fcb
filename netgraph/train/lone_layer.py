"""``net_train`` of a layer alone, as Wolfram's ``NetTrain[LinearLayer[], data]``: the net of that layer is trained,
and the trained layer comes back wherever that net would (the result, the results' nets, a property picked)."""

from __future__ import annotations

import dataclasses
from typing import Any

from netgraph.core.extracted_inputs import with_input_shapes
from netgraph.core.graph import NetGraph
from netgraph.core.layer import Layer
from netgraph.core.multipliers import carry_into
from netgraph.train.results import NetTrainResults

__all__ = ["as_trained_layer"]


def as_trained_layer(value: Any, layer: Layer) -> Any:
    """``value`` (what net_train gave for ``alone(layer)``) with each net of that layer alone as the trained layer,
    its input shapes declared as they were trained."""
    if isinstance(value, NetGraph) and list(value.layers) == [layer.type_name]:
        path = (layer.type_name,)  # net_extract(value, path) gives the same, but its module loads networkx (0.4 s)
        return with_input_shapes(carry_into(value, path, value.layers[path[0]]), lambda: value.layer_types(path))
    if isinstance(value, NetTrainResults):
        return dataclasses.replace(value, trained_net=as_trained_layer(value.trained_net, layer),
                                   training_net=as_trained_layer(value.training_net, layer))
    if isinstance(value, list):
        return [as_trained_layer(v, layer) for v in value]
    return value
