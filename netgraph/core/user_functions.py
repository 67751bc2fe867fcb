"""Calling a user's function for one layer (net_replace's rule, net_rename's renaming): where it raises, one error
that names that layer and the surgery's option, whatever the function's own error named.

>>> from netgraph.core.errors import WiringError
>>> def rename(name):
...     raise WiringError("no layer 'zz'", kind="unknown-layer", layer=("q",), option="zz")
>>> try:
...     called_for_layer(rename, "a", ("a",), "net_rename: the renaming function", "rename")
... except WiringError as error:
...     d = error.diagnostics[0]
>>> d.kind, d.layer, d.option, d.message
('unknown-layer', ('a',), 'rename', "net_rename: the renaming function failed on layer 'a': no layer 'zz'")
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from netgraph.core.errors import NetGraphError, OptionError, plain_class
from netgraph.core.naming_scope import shown_path
from netgraph.core.option_problems import VALUE_KIND

__all__ = ["called_for_layer"]


def called_for_layer(function: Callable[[Any], Any], argument: Any, path: tuple, who: str, option: str,
                     type_name: str | None = None) -> Any:
    """``function(argument)``: the user's function called for the layer at ``path``; where it raised, an error saying
    first "``who`` failed on layer 'path'" (and `` (type_name)``), each problem at that layer and ``option`` (the
    surgery's, as ``"rename"``): a NetGraphError of its class and kind (``LinearLayer(-1)``'s OptionError), anything
    else an OptionError of kind ``"option-value"``. The places the function's own error named (a layer, port or edge of a
    net it made) are not this net's: they are said in the message only."""
    try:
        return function(argument)
    except NetGraphError as error:
        raise _at_call(error, f"{_failed(who, path, type_name)}: ", path, option) from error
    except Exception as error:  # the user's function: its error, named by the layer it failed on
        raise OptionError(f"{_failed(who, path, type_name)}: {type(error).__name__}: {error}", layer=path,
                          option=option, kind=VALUE_KIND) from error


def _failed(who: str, path: tuple, type_name: str | None) -> str:
    """The failure's header, as "net_rename: the renaming function failed on layer 'a'": built only on a failure."""
    return f"{who} failed on layer {shown_path(path)!r}" + ("" if type_name is None else f" ({type_name})")


def _at_call(error: NetGraphError, header: str, path: tuple, option: str) -> NetGraphError:
    """An error of ``error``'s class (see ``plain_class``) saying ``header`` before its message, each Diagnostic (its
    kind kept) at the layer ``path`` and the surgery's ``option``, no other place kept."""
    diagnostics = [dataclasses.replace(d.prefixed(header), layer=path, option=option, port=None, edge=None, graph=(),
                                       hop=None, declared=None) for d in error.diagnostics]
    return plain_class(error)(header + str(error), diagnostics=diagnostics)
