"""Whether a dropped interior layer's producer can feed its consumers (net_drop never rewires ports of other
types): one layer's, or a run's in a row, whose ends alone need to fit (Wolfram's NetDrop[chain, {m, n}])."""

from __future__ import annotations

import contextvars
from contextlib import AbstractContextManager
from typing import Any

from netgraph.core.errors import NetGraphError, ShapeError, WiringError
from netgraph.core.graph import NetGraph
from netgraph.core.names import layer_label
from netgraph.core.scoped_values import scoped
from netgraph.core.types import REAL, format_shape

__all__ = ["check_fit", "fits_are_checked", "fits_checked", "fitting_run"]

_CHECKED = contextvars.ContextVar("fits_checked", default=False)


def fits_are_checked() -> bool:
    """Whether the caller judged the fits already (``fits_checked``)."""
    return _CHECKED.get()


def fits_checked() -> AbstractContextManager:
    """Drops within skip the fit check: the caller judged it with the types an operator gives its inner net."""
    return scoped(_CHECKED, True)


def fitting_run(net: NetGraph, name: str, remaining: set[str]) -> list[str]:
    """``[name]`` when its producer can feed its consumers, else the run of dropped layers it starts, when the run's
    ends fit (Wolfram's NetDrop[chain, {m, n}]); the error of the run, or of ``name`` alone, otherwise."""
    try:
        check_fit(net, name, name)
        return [name]
    except NetGraphError:
        run = _run(net, name, remaining)
        if len(run) == 1:
            raise
    check_fit(net, run[0], run[-1])
    return run


def _run(net: NetGraph, name: str, remaining: set[str]) -> list[str]:
    """``name`` and the dropped layers after it, each the only one its predecessor feeds and of one input."""
    run = [name]
    while len(fed := {e.dst.layer for e in net.edges if e.src.layer == run[-1]}) == 1:
        (nxt,) = fed
        if nxt not in remaining or nxt in run or len(net.layers[nxt].input_ports) != 1:
            break
        run.append(nxt)
    return run


def check_fit(net: NetGraph, name: str, last: str) -> None:
    """Whether the producer of ``name`` can feed the consumers of ``last`` (``name`` itself, or the end of a run)."""
    if _CHECKED.get():
        return
    layer, positions = net.layers[name], net.layer_positions
    where = f"layer {layer_label(positions, net.layers, name)}" if last == name else \
        f"layers {layer_label(positions, net.layers, name)} to {layer_label(positions, net.layers, last)}"
    consumed = sorted({e.src.port for e in net.edges if e.src.layer == last and e.dst.layer is not None})
    if len(layer.input_ports) != 1 or len(consumed) != 1:
        raise WiringError(f"cannot drop {where} from between its neighbours: it has inputs {list(layer.input_ports)} "
                          f"and feeds layers from outputs {consumed}, so no single producer can take its place; "
                          f"drop its consumers too, or rewire with a new NetGraph", layer=(name,), kind="drop-interior")
    given, needed = net.layer_types(name)[layer.input_ports[0]], net.layer_types(last)[consumed[0]]
    if (given.shape, given.dtype or REAL) != (needed.shape, needed.dtype or REAL):
        raise ShapeError(f"cannot drop {where}: its producer gives {_show(given)} but its consumers take "
                         f"{_show(needed)}, so they cannot be connected directly (netgraph never rewires them "
                         f"silently); replace it with net_replace_part, or drop its consumers too",
                         layer=(name,), port=consumed[0], kind="drop-mismatch", expected=needed, found=given)


def _show(t: Any) -> str:
    return f"{format_shape(t.shape)} {t.dtype or REAL}"
