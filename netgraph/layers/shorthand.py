"""Wolfram's layer shorthands in a NetGraph or NetChain layer list.

* an int ``n`` -> ``LinearLayer(n)``;
* an elementwise function name (``"Ramp"``, ``"Tanh"``, ``"LogisticSigmoid"``, …) -> ``ElementwiseLayer``;
* a threading function name (``"Plus"``, ``"Times"``, ``"Subtract"``, ``"Divide"``, ``"Max"``, …) ->
  ``ThreadingLayer``;
* a registered layer type name whose options all have defaults (``"SoftmaxLayer"``) -> that layer, as in YAML;
* a list -> a nested ``NetChain``;
* a compiled netgraph module (``net.compile()``) -> its net, ``module.to_net()`` (with the module's arrays);
* another ``torch.nn.Module`` -> ``TorchLayer(module)``.

>>> from_shorthand(3).output, from_shorthand("Plus"), from_shorthand("Tanh")
((3,), ThreadingLayer('Plus'), ElementwiseLayer('Tanh'))
"""

from __future__ import annotations

import contextvars
import numbers
from typing import Any

from torch import nn

from netgraph.core.chain import NetChain
from netgraph.core.errors import OptionError
from netgraph.core.layer import REGISTRY, Layer
from netgraph.core.net_arguments import is_compiled_module
from netgraph.core.scoped_values import scoped
from netgraph.core.value_extent import value_extent
from netgraph.layers.function import ELEMENTWISE, ElementwiseLayer
from netgraph.layers.linear import LinearLayer
from netgraph.layers.merge import THREADING, ThreadingLayer
from netgraph.layers.torch_layer import TorchLayer

__all__ = ["from_shorthand", "known_names", "MAX_CHAIN_NESTING"]

MAX_CHAIN_NESTING = 100
"""Lists nested deeper than this are refused (each level is a NetChain; Python's recursion would give out)."""

_MADE_CHAINS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("made_chains", default=None)


def known_names() -> list[str]:
    """Every name a string shorthand or a layer type may take (for "did you mean" hints)."""
    return [*ELEMENTWISE, *THREADING, *REGISTRY]


def from_shorthand(value: Any) -> Layer | None:
    """The layer a shorthand stands for, the value itself if it is a layer, else None."""
    if isinstance(value, Layer):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):  # numpy's integers too
        return LinearLayer(int(value))
    if isinstance(value, str) and value in ELEMENTWISE:
        return ElementwiseLayer(value)
    if isinstance(value, str) and value in THREADING:
        return ThreadingLayer(value)
    if isinstance(value, str) and value in REGISTRY:
        return _bare_type(value)
    if isinstance(value, list):
        return _chain(value)
    if is_compiled_module(value):  # a net's own module: its net, not an opaque TorchLayer
        return value.to_net()
    if isinstance(value, nn.Module):
        return TorchLayer(value)
    return None


def _chain(value: list) -> NetChain:
    """``NetChain(value)``, each distinct list inside it made once while it is made (``_MADE_CHAINS``: id -> (list,
    chain)): a list held many times (``x = [x, x]`` thirty times) is 31 chains, as ``c = NetChain([c, c])`` is,
    not 2**30."""
    made = _MADE_CHAINS.get()
    if made is None:  # the outermost list: measured once, the lists inside it with it
        _check_nesting(value)
        with scoped(_MADE_CHAINS, {}):
            return _chain(value)
    if id(value) not in made:
        made[id(value)] = (value, NetChain(value))
    return made[id(value)][1]


def _check_nesting(value: list) -> None:
    """Refuse lists nested more than MAX_CHAIN_NESTING deep, or holding themselves (measured without recursion, each
    distinct list once: ``value_extent``).

    >>> _check_nesting([[[3]]])
    >>> deep = 3
    >>> for _ in range(MAX_CHAIN_NESTING + 1): deep = [deep]
    >>> _check_nesting(deep)
    Traceback (most recent call last):
    ...
    netgraph.core.errors.OptionError: a layer list (a NetChain shorthand) is nested more than 100 deep
    """
    extent = value_extent(value, (list,))
    if extent.cyclic or extent.depth > MAX_CHAIN_NESTING:
        raise OptionError(f"a layer list (a NetChain shorthand) is nested more than {MAX_CHAIN_NESTING} deep"
                          f"{': it holds itself' if extent.cyclic else ''}", kind="nesting-depth",
                          expected=MAX_CHAIN_NESTING)


def _bare_type(name: str) -> Layer | None:
    """``"SoftmaxLayer"`` -> ``SoftmaxLayer()`` when the type needs no options (None when it does)."""
    cls = REGISTRY[name]
    try:
        return cls()
    except TypeError:  # the type has required options: not a shorthand
        return None
