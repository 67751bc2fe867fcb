"""``net_train`` of a layer alone, as Wolfram's ``NetTrain[LinearLayer[], data]``: the net of that layer is trained,
and the trained layer comes back wherever that net would (the result, the results' nets, a property picked)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from typing import Any

from netgraph.core.extracted_inputs import with_input_shapes
from netgraph.core.graph import NetGraph
from netgraph.core.layer import Layer
from netgraph.core.multipliers import carry_into
from netgraph.train.progress_info import ProgressInfo
from netgraph.train.results import NetTrainResults

__all__ = ["as_trained_layer", "with_layer_infos"]

#: the options whose functions get the training state, ``info["Net"]`` the net trained so far
_INFO_OPTIONS = ("progress", "training_stopping_criterion")


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


class _LayerInfo(ProgressInfo):
    """A progress function's ``info`` where the net of ``layer`` alone trains: ``info["Net"]`` is the layer."""

    def __init__(self, info: dict, layer: Layer):
        super().__init__(info)
        self.layer = layer

    def __missing__(self, key: Any) -> Any:
        value = super().__missing__(key)
        return as_trained_layer(value, self.layer) if key == "Net" else value


def _given_layer_infos(fn: Callable, layer: Layer) -> Callable:
    @functools.wraps(fn)  # its signature too: a function that cannot take info is refused as it is
    def called(info: dict) -> Any:
        return fn(_LayerInfo(info, layer))
    return called


def _given_layer(value: Any, layer: Layer) -> Any:
    """``value`` of a progress or stopping option with each function in it (alone, or under a key of its dict form,
    such as {"criterion": f}) given ``layer`` as ``info["Net"]``."""
    if isinstance(value, Mapping):
        return {key: _given_layer_infos(v, layer) if callable(v) else v for key, v in value.items()}
    return _given_layer_infos(value, layer) if callable(value) else value


def with_layer_infos(options: dict, layer: Layer) -> dict:
    """``options`` with a progress or stopping function given ``layer`` as ``info["Net"]``, as net_train gives it
    back."""
    return {key: _given_layer(value, layer) if key in _INFO_OPTIONS else value for key, value in options.items()}
