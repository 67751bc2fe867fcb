"""The advice ending a distribution's refusal of bad parameter values at run time (``Distribution.check``)."""

from __future__ import annotations

__all__ = ["INTEGER_HINT", "subnormal_hint", "bad_value_advice"]

#: The hint for a bad integer parameter (a Softplus would not give whole numbers).
INTEGER_HINT = ("An integer parameter takes whole numbers: feed it a constant, counts from the data or rounded "
                "values (a Softplus alone gives no integers); it never gets a gradient")



def subnormal_hint(float64: bool) -> str:
    """The hint for a scale below the dtype's smallest normal number (``dist_limits.below_normal``); ``float64``: the
    run already draws in float64 (so it is not offered).

    >>> subnormal_hint(True).endswith("(e.g. with a clip) in float64"), "precision" in subnormal_hint(False)
    (True, True)
    """
    remedy = "in float64" if float64 else "or draw in float64 (precision=\"float64\")"
    return ("Many draws would be held at the smallest normal number; bound the scale below (e.g. add a small constant "
            f"after a Softplus), a rate above (e.g. with a clip) {remedy}")

_NONFINITE_HINT = ("Infinite values mean the layer feeding it overflowed (an Exp of a large input, say): bound its "
                   "input, or use Softplus, which grows linearly, instead of Exp")

_NAN_HINT = "A NaN parameter comes from the layer feeding it, which went NaN"


def bad_value_advice(of_data: list[str], *, integers: bool, overflow: bool, subnormal: bool, nonfinite: set[str],
                     bad_value_hint: str, float64: bool = False) -> str:
    """The advice for a refusal: about the data at input ports ``of_data`` (the net inputs feeding the bad values),
    an overflow, an integer parameter, a subnormal scale (``float64``: drawn in float64), infinite or NaN values, else
    ``bad_value_hint``."""
    if of_data and not integers:
        return _data_hint(of_data)
    if overflow:
        return "Such a draw would overflow; bound the layer feeding it (e.g. with a Tanh or a clip)"
    if integers:
        return INTEGER_HINT
    if subnormal:
        return subnormal_hint(float64)
    if nonfinite:
        return _NONFINITE_HINT if nonfinite == {"inf"} else _NAN_HINT
    return f"A bad value would make the draw NaN; {bad_value_hint}"


def _data_hint(ports: list[str]) -> str:
    """Advice for bad values given as data at input ``ports`` (no layer computed them)."""
    named = " and ".join(f"{p!r}" for p in dict.fromkeys(ports))
    return f"The data at input port{'s' if ' and ' in named else ''} {named} holds it: fix those values in the data"
