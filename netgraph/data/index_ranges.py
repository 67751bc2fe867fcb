"""Index ranges: the first index of a value outside a span, and the DataError form for one outside a Restricted
port's range (one form for net(x) and net_train)."""

from __future__ import annotations

from typing import Any

import torch

from netgraph.core.coders import Restricted
from netgraph.core.tensors import native_array

__all__ = ["out_of_range", "first_out_of_range", "range_refusal"]


def out_of_range(coder: Restricted, value: Any) -> str:
    """'index 12 is outside the port's range 0..9' for the first index of ``value`` outside ``coder``'s range, or
    ''."""
    found = first_out_of_range(coder.index_span, value)
    return f"index {found[1]!r} is outside the port's range {coder.range_text}" if found else ""


def first_out_of_range(span: tuple[int, int], value: Any) -> tuple[int | None, Any] | None:
    """(its example, or None for one array, and the index) of the first index of ``value`` (a tensor, array, number
    or list of them: a ragged batch, whose items are the examples) outside ``span`` (low, high); None if none is. An
    example that holds no numbers is passed over: the port's own check says what it takes."""
    listed = isinstance(value, (list, tuple))
    for i, part in enumerate(value if listed else [value]):
        try:
            values = torch.as_tensor(native_array(part))
        except (TypeError, ValueError, RuntimeError):
            continue  # no numbers (a label, None): refused by the check of what the port takes
        low, high = span
        bad = values[(values < low) | (values > high) | values.isnan()] if values.is_floating_point() else \
            values[(values < low) | (values > high)]
        if bad.numel():
            return (i if listed else None), bad.flatten()[0].item()
    return None


def range_refusal(coder: Restricted, port: str, value: Any, what: str = "input port",
                  numbers: Any = None) -> tuple[str, dict] | None:
    """(message, DataError fields) for the first index of ``value`` outside a Restricted port's range, naming the
    example where ``value`` lists them (by its number in ``numbers`` where given: a Dataset's); None if all are
    inside. One form for net(x) and net_train."""
    found = first_out_of_range(coder.index_span, value)
    if found is None:
        return None
    example, index = found
    example = numbers[example] if numbers is not None and example is not None else example
    where = "" if example is None else f"example {example}: "
    text = (f"{what} {port!r} ({_range_source(coder)}): {where}index {index!r} is outside the port's range "
            f"{coder.range_text}")
    return text, dict(kind="encoding", layer=(), port=port, expected=coder.range_text, found=index, example=example)


def _range_source(coder: Restricted) -> str:
    """How the port got its range: ``Restricted('Integer', 0..3)`` declared, or ``range 0..3, from layer 'box'``
    inferred from the layers it feeds (``checked_coders``)."""
    layers = getattr(coder, "inferred_from", None)
    if layers is None:
        return f"{coder.type_name}('Integer', {coder.range_text})"
    named = ", ".join(repr(layer) for layer in layers)
    return f"range {coder.range_text}, from layer{'s' if len(layers) > 1 else ''} {named}"
