"""net_initialize's memory budget: the arrays planned are refused, before anything is allocated, when they need more
elements than ``max_elements`` or the ``init_elements`` limit; weights are drawn in parts of a bounded size."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from netgraph.core.errors import ShapeError
from netgraph.core.limits import current_limits, default_init_elements, raise_hint
from netgraph.core.naming_scope import quoted, shown_path
from netgraph.core.wording import byte_size

__all__ = ["check_budget", "draw_parts"]


def check_budget(paths: list[tuple], leaves: list[Any], plans: list[dict[str, tuple]], total: int,
                 given: int | None) -> None:
    """ShapeError when the planned arrays (``plans``, those of the layers ``leaves`` at ``paths``), ``total``
    elements, are more than ``given`` (None: the init_elements limit), naming the largest."""
    budget = given if given is not None else current_limits().init_elements or default_init_elements()
    if total <= budget:
        return
    sizes = {(i, name): math.prod(shape) for i, plan in enumerate(plans) for name, shape in plan.items()}
    (i, name), largest = max(sizes.items(), key=lambda item: item[1])
    path, layer, shape = paths[i], leaves[i], plans[i][name]
    if given is not None:
        over = f"more than max_elements={budget:.3g} ({byte_size(4 * budget)})"
    else:
        machine = "" if current_limits().init_elements else ", a quarter of this machine's memory"
        over = (f"more than the init_elements limit, {budget:.3g} elements ({byte_size(4 * budget)}{machine}; "
                f"{raise_hint('init_elements')}, or net_initialize(..., max_elements=N) for one call)")
    raise ShapeError(f"net_initialize: the arrays to fill need {byte_size(4 * total)} ({total:.3g} float32 elements), "
                     f"{over}; the largest is layer {shown_path(path)!r} "
                     f"({layer.type_name}) array {quoted(name)} of shape {shape}, {byte_size(4 * largest)}",
                     kind="memory-limit", layer=path, option="max_elements" if given is not None else None,
                     expected=budget, found=total)


def draw_parts(pending: list[tuple[int, tuple]], most: int) -> Iterator[list[tuple[int, tuple]]]:
    """``pending``'s (index, shape) items in consecutive parts of at most ``most`` elements, or of one item.

    >>> [[i for i, _ in part] for part in draw_parts([(0, (2, 3)), (1, (2, 2)), (2, (4, 4)), (3, (1, 2))], 10)]
    [[0, 1], [2], [3]]
    """
    part, size = [], 0
    for item in pending:
        if part and size + math.prod(item[1]) > most:
            yield part
            part, size = [], 0
        part.append(item)
        size += math.prod(item[1])
    if part:
        yield part
