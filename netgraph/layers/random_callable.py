"""RandomArrayLayer's callable form: ``RandomArrayLayer(lambda mu, sigma: NormalDistribution(mu, sigma))``."""

from __future__ import annotations

from typing import Any

from netgraph.core.errors import OptionError
from netgraph.layers._callable_ports import callable_ports
from netgraph.layers.dist_params import A_SLOT

__all__ = ["call_with_slots"]


def call_with_slots(fn: Any) -> Any:
    """``fn('#a', '#b', ...)``: a callable form's distribution, its arguments passed on as slots.

    Anything else done to an argument (arithmetic, a torch function) meets a slot string, not a value: an
    OptionError saying so, not the TypeError (or the odd slot '#mu#mu') it would give."""
    ports = callable_ports(fn, "RandomArrayLayer", "distribution")
    slots = [f"#{p}" for p in ports]
    try:
        return fn(*slots)
    except Exception as exc:  # noqa: BLE001 - reworded below, or passed on when it is about the constants
        if isinstance(exc, OptionError) and exc.expected != A_SLOT:
            raise  # a bad constant in the function's distribution: already named
        raise OptionError(
            f"RandomArrayLayer's function is called once, with each argument standing for its input port "
            f"({', '.join(map(repr, slots))}), and must pass its arguments to the distribution unchanged, as in "
            f"lambda mu, sigma: NormalDistribution(mu, sigma); calling it failed ({type(exc).__name__}: {exc}). "
            f"Compute values from the inputs in a layer that feeds the port (a FunctionLayer such as "
            f"\"Exp[#x]\")", option="distribution", kind="option-value") from None
