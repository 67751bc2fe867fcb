"""The two dicts a ``loss_function`` of one's own is called with, ``outputs`` (by output port) and ``batch`` (by data
key): a key one lacks is a KeyError (and an OptionError) naming the keys it has, and the other dict when the key is
there, not a bare ``KeyError: 'Output'`` from inside the training step.

>>> outputs, batch = loss_inputs({"Mean": 1}, {"Input": 2, "y": 3}, "f(outputs, batch)")
>>> try:  # doctest: +NORMALIZE_WHITESPACE
...     outputs["y"]
... except KeyError as e:
...     print(e)
loss_function f(outputs, batch): outputs has no key 'y' (a key of batch: batch['y']); its keys are the net's output
    ports, ['Mean']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.key_errors import MessageKeyError

__all__ = ["LossKeyError", "loss_inputs"]


class LossKeyError(OptionError, MessageKeyError):
    """A key a loss function reads from its ``outputs`` or ``batch`` that is not there."""


class _Keyed(dict):
    """A dict whose missing key says which keys it has (``what``), and where the key is instead (``other``)."""

    def __init__(self, items: Mapping, name: str, what: str, function: str):
        super().__init__(items)
        self.name, self.what, self.function = name, what, function
        self.other: _Keyed | None = None

    def __reduce__(self) -> tuple:  # a copy or pickle of it is a plain dict (its own __init__ takes more)
        return dict, (dict(self),)

    def __missing__(self, key: Any) -> Any:
        keys = list(self)
        elsewhere = self.other is not None and dict.__contains__(self.other, key)
        hint = (f" ({_AS[self.other.name]}: {self.other.name}[{key!r}])" if elsewhere
                else did_you_mean(key, keys))
        raise LossKeyError(f"loss_function {self.function}: {self.name} has no key {key!r}{hint}; its keys are "
                           f"{self.what}, {keys}", kind="unknown-key", option="loss_function", found=key)


#: how the other dict's key is called, in the hint
_AS = {"outputs": "an output port", "batch": "a key of batch"}


def loss_inputs(outputs: Mapping, batch: Mapping, function: str) -> tuple[dict, dict]:
    """``outputs`` and ``batch`` as dicts whose missing keys are explained (``function``: the loss, for messages)."""
    keyed_outputs = _Keyed(outputs, "outputs", "the net's output ports", function)
    keyed_batch = _Keyed(batch, "batch", "the batch's data keys", function)
    keyed_outputs.other, keyed_batch.other = keyed_batch, keyed_outputs
    return keyed_outputs, keyed_batch
