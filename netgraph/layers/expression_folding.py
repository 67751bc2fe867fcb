"""Constant folding's rules: a constant that overflows, divides by 0, is at a pole (Gamma[0]) or is not a real number
is refused; one Wolfram evaluates to Indeterminate is NaN, noted for a warning (``expression_indeterminate``)."""

from __future__ import annotations

import math
import re
from typing import Callable

from netgraph.layers.expression_forms import OVERFLOW, children
from netgraph.layers.expression_indeterminate import note, noted
from netgraph.layers.expression_run import evaluate

__all__ = ["fold", "folded", "expanded_constant", "divided_by_constant_0", "special_constant"]

_NOT_REAL = "a constant is not a real number (Wolfram's is complex: Sqrt[-1] is I, Log[-1] is I Pi)"
_DIVIDES_BY_0 = "a constant divides by 0 (Wolfram's ComplexInfinity, no real number); write Infinity"
_QUOTIENT_BY_0 = ("a constant divides by 0 (Wolfram's ComplexInfinity, no real number): Quotient[m, 0] has no value "
                  "whatever m; give Quotient a divisor that is not 0")
_LOG_BASE_1 = ("a port divided by Log[1] = 0: the base 1 makes Log[b, x], Log[x] / Log[b], divide by 0 (Wolfram's "
               "x/0 is x times ComplexInfinity, no real number): give Log a base that is not 1")
_STEP_0 = ("a step 0: {0}[x, a], a {0}[x / a], divides by a = 0 (Wolfram's x/0 is ComplexInfinity, no real "
           "number): give {0} a step that is not 0")
_POLE = ("a constant is at a pole of Gamma, 0 or a negative integer (Wolfram's Gamma is ComplexInfinity there, no real "
         "number; LogGamma is Infinity there: write Infinity if that is meant)")
_NO_SIGN = "a constant is not a real number: infinite of no sign (Wolfram's ComplexInfinity, as (-2)^Infinity)"
#: functions infinite at an end of their real domain, a real limit (Wolfram's Log[0] is -Infinity, ArcTanh[1] and
#: InverseErf[1] Infinity; ArcCoth[1] and InverseErfc[0] through them): folded to that infinity
_REAL_LIMITS = frozenset({"Log", "Log2", "Log10", "ArcTanh", "InverseErf"})


def fold(tree: tuple, divisor: Callable[[], str] | None = None) -> tuple:
    """Replace a node whose children are all constants by its value (float64 torch: no hangs); a port divided by a
    constant 0 is refused as 1/0 is (Wolfram's x/0 is x times ComplexInfinity), naming ``divisor()``, its text."""
    if tree[:2] == ("bin", "/") and tree[3] == ("const", 0.0) and tree[2][0] != "const":
        raise OverflowError(_port_by_0(divisor() if divisor else None))
    return folded(tree) if all(c[0] == "const" for c in tree[2 if tree[0] in ("bin", "cmp", "call") else 1:]) else tree


def _port_by_0(divisor: str | None) -> str:
    """The refusal of a port divided by ``divisor`` (its text; None: not written apart), a constant 0."""
    if divisor is None:
        written = "a constant 0"
    else:
        number = divisor.replace("*^", "e")
        under = re.fullmatch(r"[-+]?[0-9.]*[1-9][0-9.]*[eE][-+]?[0-9]+", number) and float(number) == 0
        written = f"{divisor!r}, which {'underflows to 0 (below 4.9e-324, the smallest float)' if under else 'is 0'}"
    return (f"a port divided by {written} (Wolfram's x/0 is x times ComplexInfinity, no real number; x*Infinity "
            f"is NaN at x = 0): divide by a constant that is not 0")


def folded(tree: tuple) -> tuple:
    """("const", value) of constant ``tree``; OverflowError (ExpressionError) if infinite from finite constants
    (10^400; not Infinity * 2), from a 0 (1/0), or not real (Sqrt[-1], Log[-Infinity]). A NaN from no NaN written
    (Infinity - Infinity, 0*Infinity, Sin[Infinity]: Wolfram's Indeterminate) is noted for a warning; one from
    Indeterminate written is not."""
    if tree[0] == "const":  # a definition's tree its arguments folded already
        return tree
    value = float(evaluate(tree, {}, fold=True))
    if tree[:2] == ("bin", "**") and (power := _wolfram_power(tree[2], tree[3], value)) is not None:
        return power
    if math.isnan(value):
        return _nan_folded(tree)
    if tree[:2] == ("call", "LogAbsGamma") and _at_pole(tree[2][1]):  # Gamma[0], Gamma[-1]
        raise OverflowError(_POLE)
    if math.isinf(value) and tree[:2] == ("bin", "/") and tree[3] == ("const", 0.0):  # Infinity/0 too
        raise OverflowError(_DIVIDES_BY_0)
    if math.isinf(value) and not _infinity_written(tree):
        if tree[0] == "call" and tree[1] in _REAL_LIMITS:  # Log[0], ArcTanh[1], InverseErf[-1]
            return ("const", value)
        if any(c[0] == "const" and c[1] == 0 for c in children(tree)):
            raise OverflowError(_DIVIDES_BY_0)
        raise OverflowError(f"a constant {OVERFLOW} (an enormous number or exponent)")
    return ("const", value)


def special_constant(name: str, args: list[tuple]) -> tuple | None:
    """Wolfram's value of LogGamma (``name``) at constant ``args`` where its definition's parts would be refused: NaN
    from a NaN argument (LogGamma[Indeterminate] is Indeterminate, as Sin[Indeterminate]; noted as a noted one's);
    LogGamma at a pole of Gamma is Infinity, a real limit (log|Gamma| grows without bound on both sides, as Log at 0
    is -Infinity, folded), where Gamma's is ComplexInfinity (refused); LogGamma[-Infinity] is indeterminate (noted
    NaN), as Gamma[-Infinity] and a port's -inf are; else None. ArcCsch at 0 (-0. too) is refused as Csch[0] and 1/0
    are: Wolfram's ArcCsch[0] is ComplexInfinity (its definition's Log[0] would fold it to a signed infinity); ArcCoth
    at 0 is refused as not real: Wolfram's ArcCoth[0] is I Pi/2 (its definition's 1/0 would call it a division by 0);
    Quotient and Mod at a constant 0 divisor are ``divided_by_constant_0``'s."""
    if name == "ArcCsch" and args[0][1] == 0:
        raise OverflowError(_DIVIDES_BY_0)
    if name == "ArcCoth" and args[0][1] == 0:
        raise OverflowError(_NOT_REAL)
    if name != "LogGamma":  # other functions' definitions decide (Surd[Indeterminate, 0] divides by 0)
        return None
    if (nan := _nan_from(args, ("const", math.nan))) is not None:
        return nan
    x = args[0][1]
    return ("const", math.inf) if _at_pole(x) else note(("const", math.nan)) if x == -math.inf else None


def divided_by_constant_0(name: str, args: list[tuple]) -> tuple | None:
    """Log[1, x] of an x from a port (refused, naming the base), Round[x, 0] (Floor's, Ceiling's: refused, naming
    the step), or Quotient[m, 0] or Mod[m, 0] at a constant 0 divisor, whatever m: Quotient's refused (Wolfram's
    ComplexInfinity, as 1/0 is; its definition's NaN would be silent for an m from a port); Mod's Wolfram's
    Indeterminate, so NaN noted as indeterminate (warned of, as 0/0 is), times m where m is not constant (NaN of
    m's shape, NaN derivatives); else None. A divisor from a port that is 0 at run time gives NaN."""
    if name == "Log" and len(args) == 2 and args[0] == ("const", 1.0) and args[1][0] != "const":
        raise OverflowError(_LOG_BASE_1)  # Log[1, x]: its definition's divisor Log[1] is 0
    if name in ("Round", "Floor", "Ceiling") and len(args) == 2 and args[1][0] == "const" and args[1][1] == 0:
        raise OverflowError(_STEP_0.format(name))  # Round[x, 0]: its definition's x / 0
    if name not in ("Quotient", "Mod") or args[1][0] != "const" or args[1][1] != 0:
        return None
    if name == "Quotient":
        raise OverflowError(_QUOTIENT_BY_0)
    nan = note(("const", math.nan))
    return nan if args[0][0] == "const" else ("bin", "*", args[0], nan)


def _at_pole(x: float) -> bool:
    """Whether ``x`` is a pole of Gamma: 0 (-0.0 too) or a negative integer."""
    return x <= 0 and x.is_integer()


def _wolfram_power(base: tuple, exponent: tuple, value: float) -> tuple | None:
    """The constant ``base ^ exponent`` where Wolfram's Power and IEEE's pow (torch's) differ, else None: NaN from an
    Indeterminate (Indeterminate^0 and 1^Indeterminate are Indeterminate, not 1); 0^0, Infinity^0 and 1^Infinity
    Indeterminate (Power::indet: NaN, noted); 0 to a negative power, 0^(-Infinity) too, divides by 0 (refused as 1/0
    is); a negative base to an infinite power is ComplexInfinity where its value is infinite ((-2)^Infinity,
    (-1/2)^(-Infinity): refused), and to another power that is not an integer complex ((-Infinity)^(1/2) is
    I Infinity: refused as (-1)^(1/2) is) where its value is infinite (where it is 0, as (-Infinity)^(-1/2) or
    (-2)^(-Infinity), Wolfram's is 0 too)."""
    b, e = base[1], exponent[1]
    if math.isnan(b) or math.isnan(e):
        return _nan_from((base, exponent), ("const", math.nan))
    if (e == 0 and (b == 0 or math.isinf(b))) or (abs(b) == 1 and math.isinf(e)):
        return note(("const", math.nan))
    if b == 0 and e < 0:
        raise OverflowError(_DIVIDES_BY_0)
    if b < 0 and not e.is_integer() and math.isinf(value):
        raise OverflowError(_NO_SIGN if math.isinf(e) else _NOT_REAL)
    return None


def expanded_constant(tree: tuple, args: list[tuple], no_real_value: bool) -> tuple:
    """``folded`` for a named function's definition ``tree`` of constant ``args`` (all of it folded): NaN from a NaN
    argument (Sech[Indeterminate]) as Sin[Indeterminate]'s (noted as a noted one's); else, where the function has
    ``no_real_value`` (Surd[-8, 2]), not real as Sqrt[-8]; else one its definition writes (ArcTan[0, 0]) noted as
    indeterminate."""
    if tree[0] != "const" or not math.isnan(tree[1]):
        return folded(tree)
    if (nan := _nan_from(args, tree)) is not None:
        return nan
    if no_real_value:
        raise OverflowError(_NOT_REAL)
    return note(("const", math.nan))


def _nan_folded(tree: tuple) -> tuple:
    """The NaN constant of ``tree``: noted as its noted child's, plain from a NaN written, refused if not real (NaN
    also with each infinity a large finite number: Sqrt[-Infinity]; Sin[Infinity] is indeterminate), else noted."""
    if (nan := _nan_from(children(tree), ("const", math.nan))) is not None:
        return nan
    if tree[0] == "call" or tree[:2] == ("bin", "**"):
        finite = tuple(("const", math.copysign(1e300, c[1])) if c[0] == "const" and math.isinf(c[1]) else c
                       for c in tree)
        if math.isnan(float(evaluate(finite, {}, fold=True))):
            raise OverflowError(_NOT_REAL)
    return note(("const", math.nan))


def _nan_from(parts: tuple | list, plain: tuple) -> tuple | None:
    """The NaN constant a NaN among ``parts`` makes: noted as the first noted one's; ``plain`` from a NaN written
    (Indeterminate); None if no part is a NaN constant."""
    if (inherited := next((n for p in parts if (n := noted(p)) is not None), None)) is not None:
        return note(("const", math.nan), inherited[0])
    return plain if any(p[0] == "const" and math.isnan(p[1]) for p in parts) else None


def _infinity_written(tree: tuple) -> bool:
    stack = [tree]
    while stack:
        node = stack.pop()
        if node[0] == "const" and math.isinf(node[1]):
            return True
        stack.extend(children(node))
    return False
