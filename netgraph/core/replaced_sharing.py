"""``dataclasses.replace`` of a layer that shares arrays keeps the sharing, as ``layer.replace`` does (a shared
array's name is no dataclass field, which ``dataclasses.replace`` alone copies): the layer being made finds the one
replaced in the frame of ``dataclasses.replace`` (its ``obj``), and a shared array kept or given a new value keeps
its name, one given None (or False: left out) is no longer shared (``replaced_markers``). An array shared without a
value, given None again, cannot be told from one left as it was (``dataclasses.replace`` copies the fields into the
changes given): it stays shared (``layer.replace(weights=None)`` ends the sharing).
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from netgraph.core.options import removable_fields
from netgraph.core.shared import replaced_markers

__all__ = ["kept_sharing"]

_REPLACE = dataclasses.replace.__code__
_FRAMES = 6  # from Layer.__post_init__ up to dataclasses.replace: a subclass's __post_init__, __init__, its checks


def kept_sharing(layer: Any, layer_replace: Any) -> bool:
    """Whether ``layer``, being made by ``dataclasses.replace`` of a layer that shares arrays, shares some: their
    fields are set to the ``NetSharedArray`` they are (for ``Layer``'s ``_take_shared``). ``layer_replace``
    (``Layer.replace``) gives the markers itself: one it calls shares none that it left out."""
    frame = sys._getframe(1)
    for _ in range(_FRAMES):
        frame = frame.f_back
        if frame is None:
            return False
        if frame.f_code is _REPLACE:
            break
    else:
        return False
    if frame.f_back is not None and frame.f_back.f_code is layer_replace.__code__:
        return False
    source = frame.f_locals.get("obj")
    if type(source) is not type(layer) or not source._shared:
        return False
    markers = source._shared_markers()
    changes = {field: value for field in markers if (value := getattr(layer, field)) is not getattr(source, field)}
    markers = replaced_markers(markers, changes, removable_fields(type(layer)))
    for field, marker in markers.items():
        object.__setattr__(layer, field, marker)
    return bool(markers)
