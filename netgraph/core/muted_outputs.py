"""One refusal for a net whose outputs are all muted (every output wired to ``None``): training, exporting and
differentiating each need an output, and each says so in the same words.

>>> from netgraph import NetGraph, NetPort, LinearLayer
>>> net = NetGraph({"a": LinearLayer(3)}, [(NetPort("x"), "a"), ("a", None)], x=2)
>>> require_outputs(net, "export_onnx", "to export")  # doctest: +ELLIPSIS
Traceback (most recent call last):
netgraph.core.errors.OptionError: export_onnx: the net has no output port to export (its outputs are all muted); ...
"""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import OptionError

__all__ = ["require_outputs"]


def require_outputs(net: Any, who: str, purpose: str, option: str | None = None) -> None:
    """OptionError ``port-count`` from ``who`` (the function or option refusing) unless ``net`` has an output port;
    ``purpose`` says what the output was for ("to attach a loss to")."""
    if not net.output_ports:
        raise OptionError(f"{who}: the net has no output port {purpose} (its outputs are all muted); leave one "
                          f"unmuted or wire one to NetPort(\"Output\")", option=option, kind="port-count",
                          expected="an output port", found=())
