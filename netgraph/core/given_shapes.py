"""The port shapes a layer had in the net it was taken from, kept on the layer outside its fields.

Wolfram's NetExtract gives a layer with its inferred port types. ``net_extract`` declares them through the layer's
own shape options where it has them (``input=``: ``netgraph.core.extracted_inputs``) and keeps the rest here, as a
layer keeps the net a call made (no field): its value (equality, hash, options, YAML) stays its own; copies and
pickles keep the shapes, an edit (``replace``, new arrays) makes a layer without them. The layer alone declares
them, as ``NetGraph(layer)`` (so ``layer(x)``, ``layer.information()`` and ``net_initialize(layer)``) when no port is
declared there; a net that holds the layer infers its own.

>>> from netgraph import CatenateLayer
>>> cat = with_given_shapes(CatenateLayer(), {"Input1": (2, 3), "Input2": (2, 3)})
>>> cat == CatenateLayer(), given_shapes(cat)
(True, {'Input1': (2, 3), 'Input2': (2, 3)})
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from netgraph.core.layer import Layer, frozen_init

__all__ = ["given_shapes", "with_given_shapes"]

_FIELD = "_given_shapes"  # (port, shape) pairs: a tuple, so the layer still pickles


def given_shapes(layer: Layer) -> dict[str, Any]:
    """The port shapes ``layer`` had where it was taken from (port -> shape); empty for any other layer."""
    return dict(layer.__dict__.get(_FIELD, ()))


def with_given_shapes(layer: Layer, shapes: Mapping[str, Any]) -> Layer:
    """``layer`` holding ``shapes`` as the port shapes it had (a copy, without the net a call made: the next call
    declares them); ``layer`` itself when that changes nothing."""
    if given_shapes(layer) == dict(shapes):
        return layer
    new = copy.copy(layer)  # Layer.__getstate__ leaves the cached one-layer net behind
    new.__dict__.pop(_FIELD, None)
    if shapes:
        frozen_init(new, **{_FIELD: tuple(shapes.items())})
    return new
