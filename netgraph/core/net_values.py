"""A net's answers to a layer's value methods: ``net.arrays`` is every array of its layers by path (as
``net.information("Arrays")`` and ``net_replace_part`` key them; a shared array once, under its first user, so an
edit passed back cannot be lost to another user's copy); ``with_arrays`` and ``replace``, for which a net
has no arrays or options of its own, are an OptionError saying how a net's arrays and parts change.

>>> from netgraph import NetChain, LinearLayer
>>> list(NetChain({"a": LinearLayer(3)}, input=2).arrays.items())
[(('a', 'Weights'), None), (('a', 'Biases'), None)]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.errors import OptionError
from netgraph.core.information import all_arrays, arrays_once
from netgraph.core.naming_scope import quoted
from netgraph.core.option_problems import ARGUMENT_KIND

__all__ = ["NetValues"]


class NetValues:
    """``arrays``, ``with_arrays`` and ``replace`` of a net (placed before ``Layer`` among a net's bases)."""

    type_name: str

    @property
    def arrays(self) -> dict[tuple, torch.Tensor | None]:
        """Every array of the net's layers by path, ``("enc", "l1", "Weights")``; None for an uninitialised one. A
        shared array is listed once, under its first user (``net_replace_part`` sets it in every user)."""
        return arrays_once(self, all_arrays(self))

    def with_arrays(self, arrays: Mapping[Any, Any] | None = None, /, **named: Any) -> Any:
        """Itself for no arrays; else an OptionError: a net's arrays are its layers', set with ``net_replace_part``."""
        given = {**(arrays or {}), **named}
        if not given:
            return self
        key = next(iter(given))
        given_path = tuple(key.split(".")) if isinstance(key, str) else key if isinstance(key, tuple) else (key,)
        paths = list(self.arrays)  # an array's name alone: the first layer path holding one of that name
        path = next((p for p in paths if p[-len(given_path):] == given_path), paths[0] if paths else given_path)
        raise OptionError(f"{self.type_name} has no arrays of its own (given {quoted(key)}): a net's arrays are its "
                          f"layers', read by path with net.arrays and set with "
                          f"net_replace_part(net, {{{quoted(path)}: value}})",
                          kind=ARGUMENT_KIND, found=key, hint=f"net_replace_part(net, {{{path!r}: value}})")

    def replace(self, **changes: Any) -> Any:
        """Itself for no changes; else an OptionError: a net has no options, its parts change by surgery."""
        if not changes:
            return self
        name = next(iter(changes))
        raise OptionError(f"{self.type_name}.replace: a net has no options (given {quoted(name)}): its layers and port "
                          f"shapes change by surgery, net_replace_part(net, {{'layer': new_layer, 'Input': 3}}) or "
                          f"net.replace_layers(...), which return new nets", option=name, kind=ARGUMENT_KIND,
                          hint="net_replace_part(net, {'layer': new_layer, 'Input': 3})")
