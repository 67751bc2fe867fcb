"""The one table of named functions, by Wolfram name, for every layer that takes a function by name.

``ElementwiseLayer("GELU")``, ``FunctionLayer("GELU[#x] + Ramp[#y]")`` and ``ThreadingLayer("Plus")``
all look their names up here, and each entry is the single definition of what the name computes:

* a torch function named by its dotted path (``"torch.relu"``, ``"F.gelu"``): the compiled forward
  writes ``path(x)`` and the reference module calls the function that very path resolves to;
* or a Wolfram definition in terms of other entries and the operators ``+ - * / ^ %``
  (``HardSigmoid`` is ``Clip[(x + 1)/2, {0, 1}]``), which expression parsing expands in place,
  so both paths run the expanded expression;
* or neither: Min, Max and If, operators the expression compiler implements itself.

``TWO_ARGUMENT_FORMS`` holds the definitions of ``Log[b, x]``, ``ArcTan[x, y]``, ``Erf[z0, z1]`` and
``Round[x, a]`` (``Floor``, ``Ceiling``), ``OFFSET_FORMS`` those of ``Mod[m, n, d]`` and ``Quotient[m, n, d]``;
``CLIPS`` those of ``Clip[x, {lo, hi}]`` and ``Clip[x, {lo, hi}, {vl, vh}]``.

>>> NAMED_FUNCTIONS["Ramp"].code("x")
'torch.relu(x)'
>>> NAMED_FUNCTIONS["ReLU"] is NAMED_FUNCTIONS["Ramp"]
True
>>> NAMED_FUNCTIONS["HardSigmoid"].definition
'Min[Max[(# + 1) / 2, 0], 1]'
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import torch

from netgraph.core.other_layer_names import elementwise_name_hint

__all__ = ["NamedFunction", "NAMED_FUNCTIONS", "INTERNAL_FUNCTIONS", "LOWERCASE_NAMES", "OPERATORS",
           "TWO_ARGUMENT_FORMS", "OFFSET_FORMS", "OTHER_FORMS_OF", "CLIPS", "NO_REAL_VALUE_AS_NAN", "ZERO_DERIVATIVE",
           "NOT_THREADED_BY_NAME", "TORCH_NAMES", "torch_name_hint"]

_MODULES = {"torch": torch, "F": torch.nn.functional}


@dataclasses.dataclass(frozen=True)
class NamedFunction:
    """A named function: ``arity`` and either a torch ``path`` or a slot-expression ``definition``.

    >>> NamedFunction("Cube", definition="#^3").arity
    1
    """

    name: str
    arity: int = 1
    path: str | None = None
    definition: str | None = None
    numbers: bool = False  # takes its constant arguments as numbers (torch.clamp's bounds), not as tensors

    def code(self, *args: str) -> str:
        """The compiled forward's call: ``torch.tanh(x)``."""
        return f"{self.path}({', '.join(args)})"

    @functools.cached_property
    def function(self) -> Callable[..., Any]:
        """The torch function ``path`` names (what the reference module calls)."""
        module, *attributes = self.path.split(".")
        obj: Any = _MODULES[module]
        for attribute in attributes:
            obj = getattr(obj, attribute)
        return obj


_PATHS = {
    "Ramp": "torch.relu", "Tanh": "torch.tanh", "LogisticSigmoid": "torch.sigmoid", "Exp": "torch.exp",
    "Log": "torch.log", "Log2": "torch.log2", "Log10": "torch.log10", "Sin": "torch.sin", "Cos": "torch.cos",
    "Tan": "torch.tan", "Abs": "torch.abs",
    "Sqrt": "torch.sqrt", "Erf": "torch.erf", "Erfc": "torch.erfc", "ArcTan": "torch.atan", "ArcSin": "torch.asin",
    "ArcCos": "torch.acos", "Sinh": "torch.sinh", "Cosh": "torch.cosh", "Round": "torch.round",
    "Floor": "torch.floor", "Ceiling": "torch.ceil", "Square": "torch.square",
    "Negative": "torch.neg", "Reciprocal": "torch.reciprocal",
    # Wolfram's named activations (ElementwiseLayer["name"]); torch's defaults match Wolfram's formulas
    "ELU": "F.elu", "SELU": "torch.selu", "GELU": "F.gelu", "SoftPlus": "F.softplus", "Swish": "F.silu",
    "Mish": "F.mish", "SoftSign": "F.softsign", "HardTanh": "F.hardtanh", "HardSwish": "F.hardswish",
    "LogSigmoid": "F.logsigmoid",
    "ArcTanh": "torch.atanh", "ArcSinh": "torch.asinh", "ArcCosh": "torch.acosh", "InverseErf": "torch.erfinv",
    "IntegerPart": "torch.trunc",
}
_TINY_GATE = "Min[Floor[Abs[#] * 10^18], 1]"  # 1 where |#| >= 10^-18, else 0 (ArcCsch's and ArcSech's step)
_ZERO_SIGN = "SignOrZero[-ArcTan2[Ceiling[-#], Ceiling[-#] - 1]]"  # the sign of #, 1 at +0., -1 at -0.
_POLE_OR = "If[# == Min[Floor[#], 0], Floor[#], {}]"  # # at a pole of Gamma (0, -0., -1, ...; -Infinity), else {}
_AT_POLE = _POLE_OR.format(0)
_SURD_SIGN = "SignOrZero[SignOrZero[#1] + 1 / 2]"  # -1 for #1 < 0, else 1 (0 and NaN too)
_SURD_N = "(Round[#2] + If[Mod[#2, 1] == 0, 0, Indeterminate])"  # Surd's n, a step: NaN where no integer
_DEFINITIONS = {  # (arity, Wolfram definition); # is the argument, #1 and #2 the arguments
    "HardSigmoid": (1, "Min[Max[(# + 1) / 2, 0], 1]"),  # Wolfram's Clip[(x+1)/2, {0,1}], not torch's hardsigmoid
    # the rest of Wolfram's ElementwiseLayer functions, by their real-valued definitions; Sech and Csch written so
    # that no step overflows (1 / Cosh[90.] in float32 is 0, but its gradient was NaN), and without comparisons (ONNX).
    # Csch is 1 / Sinh[#] up to |#| = L, Exp[L - |#|] / Sinh[L Sign[#]] beyond (the same to 10^-35), so that Sinh
    # neither overflows (its gradient was 0 * Infinity, NaN) nor its square in the gradient in float32 (0 from
    # |#| = 45): 7 ops; gradient -Infinity at 0 and -0. (Sech / Tanh's was Sech's 0 times 1 / Tanh[0], NaN). Max's
    # clip (hardtanh) has gradient 0 at its bound, Sinh's (torch's clamp) 1, so that the gradient at exactly +-L is
    # -Cosh/Sinh^2 (it was 0 with two hardtanhs): L is 40 + 2^-16, a multiple of 2^-16, so that L - |#| is exact
    "Cot": (1, "1 / Tan[#]"), "Coth": (1, "1 / Tanh[#]"), "Csc": (1, "1 / Sin[#]"), "Sec": (1, "1 / Cos[#]"),
    "Sech": (1, "2 * Exp[-Abs[#]] / (1 + Exp[-2 * Abs[#]])"),
    "Csch": (1, "Exp[40 + 2^-16 - Max[Abs[#], 40 + 2^-16]] / Sinh[ClampInclusive[#, -40 - 2^-16, 40 + 2^-16]]"),
    # ArcCot = ArcTan[1/x] (Wolfram's branch: negative for x < 0, Pi/2 at 0 and -0.) for |x| >= 1 (exact for huge
    # x), s Pi/2 - ArcTan[x] below (s = 1 for x >= 0, else -1), so that the gradient is -1/(1 + x^2) everywhere
    # (ArcTan[1/x]'s was NaN at 0); the branch not taken gets a safe input (a NaN gradient times 0 is NaN), and no
    # comparison (ONNX before opset 11, and import_onnx)
    "ArcCot": (1, "Min[Floor[Abs[#]], 1] * ArcTan[1 / (# + 1 - Min[Floor[Abs[#]], 1])] + (1 - Min[Floor[Abs[#]], 1])"
                  " * ((SignOrZero[#] + 1 - Abs[SignOrZero[#]]) * Pi / 2 - ArcTan[#])"),
    # ArcSech's argument is # with -0. made +0. (Infinity at both, as Wolfram's ArcSech[0]): |#| times 1 for # >= 0,
    # Sqrt[-1] (NaN) below, so that its derivative is NaN where its value is (torch.acosh's is finite at 1/# <= -1,
    # which -1 gave for # in [-1, 0)); not # + 0, which onnxruntime's optimiser drops. ArcCsch and ArcSech take s Log[2
    # / |#|] (s: the sign, -0. kept via 1/(# 10^30)) below |#| = 10^-18, where (1/#)^2 overflows float32 in the gradient
    # (NaN) and 1/# in the value for subnormals (Infinity); the same step and safe inputs as ArcCot. At # = 0 their
    # gradient is the limit -Infinity, not NaN: no Abs (whose gradient at 0 is 0, times Infinity) before the Log, and
    # ArcCsch's sign of zero read as the sign of the angle ArcTan2[Ceiling[-#], Ceiling[-#] - 1], negated (-Pi at # =
    # +0.): Ceiling's gradient is 0 (not 1/# 's 0 * Infinity), and no step divides (-1 / Ceiling[-#] did, by -0. for #
    # in (0, 1), which the constant folder refused); -# first, so that these zero gradients are -0. as Abs made them for
    # # < 0 (gradients elsewhere are the same to the bit). No step multiplies the infinite Log (0 * Infinity is NaN in
    # forward mode, jacfwd): the step and the sign move the Log's argument past 1 instead, where Min clips it
    "ArcCoth": (1, "ArcTanh[1 / #]"), "ArcCsc": (1, "ArcSin[1 / #]"),
    "ArcCsch": (1, f"{_TINY_GATE} * ArcSinh[1 / (# + (1 - {_TINY_GATE}))] + {_ZERO_SIGN} * (1 - {_TINY_GATE}) * Log[2]"
                   f" - (Log[Min[{_ZERO_SIGN} * # + 2 * (1 - {_ZERO_SIGN} + 2 * {_TINY_GATE}), 1]]"
                   f" - Log[Min[{_ZERO_SIGN} * # + 2 * (1 + {_ZERO_SIGN} + 2 * {_TINY_GATE}), 1]])"),
    "ArcSec": (1, "ArcCos[1 / #]"),
    "ArcSech": (1, f"{_TINY_GATE} * ArcCosh[1 / (Abs[#] * Sqrt[SignOrZero[#] + 1 - Abs[SignOrZero[#]]]"
                   f" + (1 - {_TINY_GATE}) / 2)] + (1 - {_TINY_GATE}) * Log[2]"
                   f" - Log[Min[# + (Abs[SignOrZero[#]] - Abs[SignOrZero[#]]) + 2 * {_TINY_GATE}, 1]]"),
    "Haversine": (1, "(1 - Cos[#]) / 2"), "InverseHaversine": (1, "2 * ArcSin[Sqrt[#]]"),
    "Gudermannian": (1, "2 * ArcTan[Tanh[# / 2]]"), "InverseGudermannian": (1, "2 * ArcTanh[Tan[# / 2]]"),
    "Sign": (1, "SignOrZero[#] + 0 * Min[Abs[#], 1]"),  # torch.sign(NaN) is 0: the second term adds the NaN back
    # the real cube root s (s #)^(1/3), s = -1 for # < 0, else 1 (0 and NaN too): its gradient (1/3)|#|^(-2/3) is
    # +Infinity at 0, as the true one (Sign[#] Abs[#]^(1/3)'s was 0 * Infinity, NaN, through Sign and Abs)
    "CubeRoot": (1, "SignOrZero[SignOrZero[#] + 1 / 2] * (SignOrZero[SignOrZero[#] + 1 / 2] * #) ^ (1 / 3)"),
    # the sign Gamma has below 0 times |Gamma|, of # moved to +0. at a pole (-0. too; the move a step, so that the
    # tangent stays 1): torch.digamma is NaN at -1, -2, ... and +Infinity at -0., -Infinity at +0., the limit from
    # the right, so that Gamma's derivative at each pole is its limit from the right, as its value (-Infinity at -1,
    # derivative +Infinity). LogGamma likewise (Infinity, derivative -Infinity)
    "Gamma": (1, f"Exp[LogAbsGamma[# - {_AT_POLE}]] * If[# > 0, 1, 1 - 2 * Mod[Ceiling[-#], 2]]"),
    # Wolfram's LogGamma is complex for x < 0 (even where Gamma > 0), so NaN there, but for the poles (Infinity); its
    # argument less NaN there, so that the derivative is NaN too (the NaN added to log|Gamma| left digamma's); the
    # pole test once, its other branch NaN below 0
    "LogGamma": (1, f"LogAbsGamma[# - {_POLE_OR.format('If[# < 0, Indeterminate, 0]')}]"),
    "InverseErfc": (1, "InverseErf[1 - #]"), "FractionalPart": (1, "# - IntegerPart[#]"),
    "Unitize": (1, "Abs[Sign[#]]"), "KroneckerDelta": (1, "1 - Abs[Sign[#]]"),
    "UnitStep": (1, "(# >= 0) + 0 * Min[Abs[#], 1]"),  # the second term keeps a NaN (Wolfram's Indeterminate)
    "Plus": (2, "#1 + #2"), "Subtract": (2, "#1 - #2"), "Times": (2, "#1 * #2"), "Divide": (2, "#1 / #2"),
    "Power": (2, "#1 ^ #2"),
    # + 0: torch's remainder keeps the dividend's -0. (Mod[-2., 2]), Wolfram's is 0. Mod[m, 0] is Indeterminate (NaN,
    # remainder's): m times NaN there, so that both derivatives are NaN too (remainder's by m was 1); a constant 0
    # divisor gives NaN with an IndeterminateWarning, a constant other one folds the factor to 1. Mod[m, n] of an
    # infinite or NaN m is NaN, but its derivative by m stays remainder's 1 (a factor NaN there, If[Abs[#2] > 0 #1, 1,
    # Indeterminate], made Mod[#x, 2] 2x, Mod[#x, #n] 1.09x as costly forward and backward on 1M elements)
    "Mod": (2, "(#1 * If[#2 == 0, Indeterminate, 1]) % #2 + 0"),
    "Boole": (1, "# != 0"),  # 1 where its argument (a comparison, or any number but 0, as If reads it) is true, else 0
    # Floor[m/n] as Wolfram's for integers, written so that m == n Quotient[m, n] + Mod[m, n] holds for reals too
    # (Quotient[1, 0.1] is 9, as Mod[1, 0.1] is 0.1 less a rounding), as torch's floor division. Quotient[m, 0] is
    # ComplexInfinity, no sign: NaN, added by a step, with 1 for the divisor inside, so that reverse mode's zero
    # gradient meets no 0 / 0 (NaN) there: the derivative is 0 in both modes, as forward mode's was; Mod's own % (its
    # divisor is never 0: no NaN factor to compute)
    "Quotient": (2, "Round[(#1 - (#1 % (#2 + (#2 == 0)) + 0)) / (#2 + (#2 == 0))] + If[#2 == 0, Indeterminate, 0]"),
    # the real n-th root: of an odd n s (s x)^(1/n) as CubeRoot's, of an even one x^(1/n), NaN below 0 (pow's, its
    # derivative NaN too) as Wolfram's Indeterminate, and of an n that is no integer (from a port; a constant one is
    # refused) NaN, added to the base (1^NaN is 1, and the derivative by x NaN) and to n (NaN^0 is 1). n is an integer,
    # a count: Surd is a step in n (Round[n]), its derivative by n 0 in both modes (it was x^(1/n)'s), as Quotient's.
    # The gradient is +Infinity at 0 and -0. (-(Abs[x]^(1/n)) gave 0 * Infinity). For an n given as an input If
    # computes both roots: the one not taken takes s x + 1, so that neither has a NaN or infinite gradient that it
    # would pass on as 0 * NaN; for a constant n each folds to one op but the power (x + 0: -0. is 0, Wolfram's).
    "Surd": (2, f"If[Mod[#2, 2] == 1, {_SURD_SIGN} * ({_SURD_SIGN} * #1 + (Mod[#2, 2] != 1)) ^ (1 / {_SURD_N}),"
                f" If[Mod[#2, 2] == 1, {_SURD_SIGN} * #1 + 1, #1 + If[Mod[#2, 1] == 0, 0, Indeterminate]]"
                f" ^ (1 / {_SURD_N})]"),
}
#: Functions whose derivative is 0 wherever they have one (steps): the expression runner stops their zero tangent
#: where it would meet another part's value (0 * Infinity is NaN in forward mode), as reverse mode does
#: (``expression_steps``).
ZERO_DERIVATIVE = frozenset({"Floor", "Ceiling", "Round", "IntegerPart", "SignOrZero"})
#: Functions whose definition writes Indeterminate where no real number is (Surd[-8, 2], as Sqrt[-8] is complex).
NO_REAL_VALUE_AS_NAN = frozenset({"Surd"})
#: Two-argument forms of one-argument names: Log[b, x] is the logarithm to base b; ArcTan[x, y] the angle of the point
#: (x, y), atan2(y, x), with -0. read as 0 (ArcTan[-1, -0.] is Pi) and Indeterminate (NaN) at the origin, as Wolfram's.
TWO_ARGUMENT_FORMS: dict[str, NamedFunction] = {
    "Log": NamedFunction("Log", 2, definition="Log[#2] / Log[#1]"),
    "ArcTan": NamedFunction("ArcTan", 2, definition="If[Abs[#1] + Abs[#2] == 0, Indeterminate, "
                                                    "ArcTan2[#2 + 0, #1]]"),
    "Erf": NamedFunction("Erf", 2, definition="Erf[#2] - Erf[#1]"),  # Erf[z0, z1]: Erf[z1] - Erf[z0]
    # Round[x, a]: the multiple of a nearest x (Floor's: the greatest not above it, Ceiling's the least not below)
    **{name: NamedFunction(name, 2, definition=f"#2 * {name}[#1 / #2]") for name in ("Round", "Floor", "Ceiling")},
    # KroneckerDelta[a, b]: 1 where a == b (Infinity == Infinity too), else 0; a NaN argument gives NaN, as one's
    "KroneckerDelta": NamedFunction("KroneckerDelta", 2, definition="(#1 == #2) + 0 * (Min[Abs[#1], 1] + "
                                                                    "Min[Abs[#2], 1])"),
}
#: Wolfram's forms with an offset d: Mod[m, n, d] is in [d, d + n) (n < 0: (d + n, d]), m - n Quotient[m, n, d];
#: Quotient[m, n, d] is Quotient[m - d, n]
OFFSET_FORMS = {"Mod": NamedFunction("Mod", 3, definition="Mod[#1 - #3, #2] + #3"),
                "Quotient": NamedFunction("Quotient", 3, definition="Quotient[#1 - #3, #2]")}
#: name -> its forms of another arity than its table entry's
OTHER_FORMS_OF = {name: tuple(forms[name] for forms in (TWO_ARGUMENT_FORMS, OFFSET_FORMS) if name in forms)
                  for name in {**TWO_ARGUMENT_FORMS, **OFFSET_FORMS}}  # in a fixed order (a test's sweep)
#: Clip[x, {lo, hi}] (a tree of 4: "Clip", x, lo, hi) and Clip[x, {lo, hi}, {vl, vh}] (6): vl below lo, vh above hi,
#: else x clipped: the value x, but the gradient 0 at a bound, as README documents for Clip (not #1's 1)
CLIPS = {4: NamedFunction("Clip", 3, definition="Min[Max[#1, #2], #3]"),
         6: NamedFunction("Clip", 5, definition="If[#1 < #2, #4, If[#1 > #3, #5, Min[Max[#1, #2], #3]]]")}
#: Min, Max and If: implemented by the expression compiler itself (clamp against constants, where); Max and Min of
#: one argument are its largest and smallest element (whole-array functions, in expression_shapes).
OPERATORS = {"Min": 2, "Max": 2, "If": 3}
_SYNONYMS = {"ReLU": "Ramp", "Sigmoid": "LogisticSigmoid", "Softplus": "SoftPlus", "RectifiedLinearUnit": "Ramp",
             "ExponentialLinearUnit": "ELU", "ScaledExponentialLinearUnit": "SELU", "GaussianErrorLinearUnit": "GELU",
             "Minus": "Negative"}  # Wolfram's Minus[x] is -x (its Negative[x] is the test x < 0: -x for old specs)

#: Wolfram name -> its one definition (synonyms share the entry).
NAMED_FUNCTIONS: dict[str, NamedFunction] = {
    **{name: NamedFunction(name, 1, path=path) for name, path in _PATHS.items()},
    **{name: NamedFunction(name, arity, definition=text) for name, (arity, text) in _DEFINITIONS.items()},
    **{name: NamedFunction(name, arity) for name, arity in OPERATORS.items()},
}
NAMED_FUNCTIONS.update({alias: NAMED_FUNCTIONS[name] for alias, name in _SYNONYMS.items()})

#: Entries only the definitions above may use (an expression cannot name them): log|Gamma|, which Gamma needs,
#: torch's sign, which is 0 at NaN, torch's atan2(y, x), which ArcTan[x, y] needs, and torch's clamp of constant
#: bounds, whose gradient is 1 at a bound (Min and Max compile to hardtanh's 0 there), which Csch needs.
INTERNAL_FUNCTIONS: dict[str, NamedFunction] = {"LogAbsGamma": NamedFunction("LogAbsGamma", 1, path="torch.lgamma"),
                                                "SignOrZero": NamedFunction("SignOrZero", 1, path="torch.sign"),
                                                "ArcTan2": NamedFunction("ArcTan2", 2, path="torch.atan2"),
                                                "ClampInclusive": NamedFunction("ClampInclusive", 3, path="torch.clamp",
                                                                                numbers=True)}

#: Lower-case names of other libraries -> the function here, for the message on one: Wolfram's names are
#: case-sensitive (its exp is an unknown symbol), so ``exp[#x]`` is an unknown function, as ElementwiseLayer("exp") is.
LOWERCASE_NAMES = {"exp": "Exp", "log": "Log", "sqrt": "Sqrt", "abs": "Abs", "sin": "Sin", "cos": "Cos",
                   "tan": "Tan", "tanh": "Tanh", "relu": "Ramp", "sigmoid": "LogisticSigmoid", "min": "Min",
                   "max": "Max", "softplus": "SoftPlus", "floor": "Floor", "round": "Round"}

#: torch's (and numpy's) names of whole-array functions -> the function here and its arguments, for the message on
#: an unknown name (not read as aliases: sum[#x] is refused, saying Total[#x])
TORCH_NAMES = {"sum": "Total[#x]", "mean": "Mean[#x]", "std": "StandardDeviation[#x]", "var": "Variance[#x]",
               "matmul": "Dot[#x, #y]", "dot": "Dot[#x, #y]", "mm": "Dot[#x, #y]", "norm": "Norm[#x]",
               "transpose": "Transpose[#x]", "clamp": "Clip[#x, {lo, hi}]", "clip": "Clip[#x, {lo, hi}]",
               "flip": "Reverse[#x]", "trace": "Tr[#x]"}


def torch_name_hint(name: str, argument: str | None = None) -> str:
    """' (torch's sum is Total here: Total[#x])' for another library's name of a function here (and Wolfram's Sum,
    an iterated sum; the layer table's expression for an element-wise layer such as ReLU6, on ``argument`` when it
    is called on one), else ''."""
    if hint := elementwise_name_hint(name, argument):
        return hint
    if name == "Sum":
        return " (the sum of an array's elements is Total here: Total[#x])"
    form = TORCH_NAMES.get(name)
    return f" (torch's {name} is {form.split('[')[0]} here: {form})" if form else ""


#: Wolfram functions its ThreadingLayer page lists that name no function of n inputs -> how to write them
NOT_THREADED_BY_NAME = {"Clip": "Wolfram's Clip[x, {min, max}] takes its bounds as a list; clip between inputs with "
                                "ThreadingLayer('Min[Max[#x, #lo], #hi]'), to constants with 'Clip[#x, {0, 1}]'"}
