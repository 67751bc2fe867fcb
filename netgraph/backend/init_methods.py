"""net_initialize's ``method=``: Xavier/Glorot, Kaiming/He, Orthogonal, Identity, Random or a constant, per layer or array.

A method is a name (any case), a name with options ``("Kaiming", {"distribution": "normal",
"mode": "fan_out"})`` (names and values in any case, Wolfram's ``"Distribution" -> "Normal"`` too), or a number (a
constant). ``("Random", {"weights": sd})`` draws weights from Normal(0, sd), sd 1 by default (Wolfram's "Random";
``"weights"`` may be a NormalDistribution or UniformDistribution too, and ``"biases"`` None, as Wolfram's).
``method=`` is one method for every array, or rules ``{key: method}`` (or a list of ``(key, method)`` pairs) whose
keys pick layers or arrays as in ``netgraph.core.array_rules``; the first matching rule wins. A rule given by layer
(or 'All') skips the 1-dimensional arrays (biases) a matrix method cannot fill, which keep the layer's default; any
other array it picks must fit, or a ShapeError names the layer and the array.

>>> parse_method("glorot normal", "method")
Method(name='Xavier', options={'distribution': 'normal'})
>>> parse_method(("Kaiming", {"mode": "fan_out"}), "method")
Method(name='Kaiming', options={'mode': 'fan_out'})
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.array_rules import RuleIndex, matches, refuse_unmatched, rule_pattern
from netgraph.core.multiplier_rates import names_array, shared_aliases, unreached_shared
from netgraph.core.errors import OptionError, ShapeError, did_you_mean, raise_all
from netgraph.core.naming_scope import quoted, shown_path
from netgraph.core.option_problems import VALUE_KIND
from netgraph.layers.dist_continuous import NormalDistribution, UniformDistribution

__all__ = ["Method", "parse_method", "parse_rules", "pick_methods"]

#: canonical names, their options with allowed values (None: any number), and aliases with preset options.
OPTIONS: dict[str, dict[str, tuple | None]] = {
    "Xavier": {"distribution": ("uniform", "normal"), "gain": None},
    "Kaiming": {"distribution": ("uniform", "normal"), "mode": ("fan_in", "fan_out"),
                "nonlinearity": ("relu", "leaky_relu", "linear", "tanh", "sigmoid", "selu")},
    "Orthogonal": {"gain": None},
    "Identity": {},
    "Random": {"weights": None, "biases": None},
    "Constant": {"value": None},
}
ALIASES: dict[str, tuple[str, dict]] = {
    **{f"{alias}{d}": (name, {"distribution": d} if d else {}) for alias, name in
       (("xavier", "Xavier"), ("glorot", "Xavier"), ("kaiming", "Kaiming"), ("he", "Kaiming"))
       for d in ("", "uniform", "normal")},
    "orthogonal": ("Orthogonal", {}), "identity": ("Identity", {}), "constant": ("Constant", {}),
    "random": ("Random", {}),
}


@dataclasses.dataclass(frozen=True)
class Method:
    """One initialisation method and its options."""

    name: str
    options: dict

    def fits(self, shape: tuple) -> str | None:
        """Why the method cannot fill an array of this shape, or None when it can."""
        if self.name == "Constant":
            return None
        if len(shape) < 2:
            return f"{self.name} needs an array of at least 2 dimensions (a weight matrix or kernel)"
        if self.name == "Identity" and shape[0] != shape[1]:
            return "Identity needs as many outputs as inputs (the first two dimensions equal)"
        return None

    def fill(self, shape: tuple, generator: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
        """A fresh array of ``shape`` and ``dtype`` drawn by the method (torch.nn.init)."""
        t, o, init = torch.empty(shape, dtype=dtype, device="cpu"), self.options, torch.nn.init
        normal = o.get("distribution") == "normal"
        if self.name == "Constant":
            return init.constant_(t, o["value"])
        if self.name == "Xavier":
            draw = init.xavier_normal_ if normal else init.xavier_uniform_
            return draw(t, gain=o.get("gain", 1.0), generator=generator)
        if self.name == "Kaiming":
            draw = init.kaiming_normal_ if normal else init.kaiming_uniform_
            return draw(t, mode=o.get("mode", "fan_in"), nonlinearity=o.get("nonlinearity", "relu"),
                        generator=generator)
        if self.name == "Orthogonal":
            return init.orthogonal_(t, gain=o.get("gain", 1.0), generator=generator)
        if self.name == "Random":  # weights: ("normal", mean, sd) or ("uniform", low, high)
            form, a, b = o.get("weights", ("normal", 0.0, 1.0))
            draw = init.normal_ if form == "normal" else init.uniform_
            return draw(t, a, b, generator=generator)
        return init.eye_(t) if len(shape) == 2 else init.dirac_(t)


def parse_method(spec: Any, where: str) -> Method:
    """A Method from a name, ``(name, {options})`` or a number; OptionError naming ``where`` otherwise."""
    if isinstance(spec, Method):
        return spec
    if isinstance(spec, numbers.Real) and not isinstance(spec, bool):  # numpy's numbers too
        return Method("Constant", _options("Constant", {"value": float(spec)}, where))
    name, options = (spec[0], spec[1]) if isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(
        spec[1], Mapping) else (spec, {})
    if not isinstance(name, str):
        raise OptionError(f"{where}: a method is a name such as 'Kaiming', (name, {{options}}) or a number; "
                          f"found {spec!r}", option="method", kind="option-value",
                          expected="a name, (name, {options}) or a number", found=spec)
    key = re.sub(r"[\s_-]", "", name).lower()
    if key not in ALIASES:
        raise OptionError(f"{where}: unknown initialisation method {quoted(name)}"
                          f"{did_you_mean(name, [*OPTIONS, 'Glorot', 'He'])}; known: {', '.join(OPTIONS)}, "
                          f"Glorot and He (with Uniform or Normal), or a number", option="method", kind="unknown-method",
                          expected=tuple(OPTIONS), found=name)
    canonical, preset = ALIASES[key]
    return Method(canonical, {**preset, **_options(canonical, options, where)})


def _random_option(key: str, value: Any, where: str) -> Any:
    """Wolfram's "Random" suboptions: "Weights" a standard deviation sd (Normal(0, sd)), a NormalDistribution or a
    UniformDistribution of numbers, as ("normal", mean, sd) or ("uniform", low, high); "Biases" None (they stay 0)."""
    if key == "biases":
        if value is not None:
            raise OptionError(f"{where}: Random option 'biases' takes None (biases stay 0, Wolfram's \"Biases\" -> "
                              f"None), found {value!r}; set biases with their own rule, {{('layer', 'Biases'): 0.1}}",
                              option="method", kind="method-suboption", expected="None", found=value)
        return None
    form = "normal" if isinstance(value, NormalDistribution) else "uniform" \
        if isinstance(value, UniformDistribution) else None
    params = getattr(value, "params", None) if form else (0.0, value)
    ok = all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) for v in params or ("?",))
    if not ok or (form != "uniform" and params[1] < 0) or (form == "uniform" and params[0] > params[1]):
        raise OptionError(f"{where}: Random option 'weights' must be a standard deviation >= 0, or a "
                          f"NormalDistribution(mean, sd) or UniformDistribution((low, high)) of numbers, found "
                          f"{value!r}", option="method", kind="method-suboption",
                          expected="a number >= 0, NormalDistribution or UniformDistribution", found=value)
    return (form or "normal", float(params[0]), float(params[1]))


def _options(name: str, options: Mapping, where: str) -> dict:
    allowed, out = OPTIONS[name], {}
    for key, value in options.items():
        key = next((k for k in allowed if isinstance(key, str) and k == key.lower()), key)  # Wolfram's "Distribution"
        if isinstance(value, str) and allowed.get(key):
            value = next((c for c in allowed[key] if c == value.lower()), value)  # and "Normal"
        if key not in allowed:
            raise OptionError(f"{where}: {name} has no option {quoted(key)}{did_you_mean(key, allowed)}; "
                              f"options: {', '.join(allowed) or 'none'}", option="method", kind="method-suboption",
                              expected=tuple(allowed), found=key)
        if name == "Random":
            out[key] = _random_option(key, value, where)
            continue
        choices = allowed[key]
        if choices is None and not (isinstance(value, numbers.Real) and not isinstance(value, bool)
                                    and math.isfinite(value)):  # a NaN or infinite constant fills nothing useful
            raise OptionError(f"{where}: {name} option {quoted(key)} must be a finite number, found {value!r}",
                              option="method", kind="method-suboption", expected="a finite number", found=value)
        if choices is not None and value not in choices:
            raise OptionError(f"{where}: {name} option {quoted(key)} must be one of {choices}, found {value!r}"
                              f"{did_you_mean(value, choices)}", option="method", kind="method-suboption",
                              expected=tuple(choices), found=value)
        out[key] = value
    if name == "Constant" and "value" not in out:
        raise OptionError(f"{where}: Constant needs a value, e.g. ('Constant', {{'value': 0.1}}) or just 0.1",
                          option="method", kind="method-suboption", expected=("value",), found=tuple(out))
    return out


def parse_rules(spec: Any) -> list[tuple[Any, Method]]:
    """``method=`` as (key, Method) rules; a single method is the rule ('All', method)."""
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        items = list(spec.items())
    elif isinstance(spec, list) and all(isinstance(i, (tuple, list)) and len(i) == 2 for i in spec):
        items = [tuple(i) for i in spec]
    else:
        items = [("All", spec)]
    return [(key, parse_method(m, f"method[{quoted(key)}]" if key != "All" or len(items) > 1 else "method"))
            for key, m in items]


def pick_methods(rules: list[tuple[Any, Method]], top: Mapping[str, Any], names: dict[str, tuple | None],
                 net: Any = None) -> dict[str, Method]:
    """The method of each array (dotted name -> shape, None when not to be filled) that some rule picks; with the
    ``net``, a shared array's by its first user's name, picked as learning-rate rules pick it: by any user's array
    path, by a layer rule only through its first user.

    OptionError for a key that matches no array; ShapeError for a rule naming an array it cannot fill.
    """
    patterns = [(key, rule_pattern(key, top), m) for key, m in rules]
    used, out, misfits, index = set(), {}, [], RuleIndex([pattern for _, pattern, _ in patterns])
    aliases = shared_aliases(net) if net is not None else {}
    later = {".".join(parts) for others in aliases.values() for parts in others}
    for name, shape in names.items():
        if name in later:  # drawn once, by its first user
            continue
        parts, others = name.split("."), aliases.get(name, ())
        matching = index.matching(parts) if not others else [
            i for i, (_, pattern, _) in enumerate(patterns)
            if matches(pattern, parts) or any(names_array(pattern, other) for other in others)]
        for i in matching:  # the rules that match, in order
            key, pattern, method = patterns[i]
            used.add(i)
            why = None if shape is None else method.fits(shape)
            if why is None:
                out[name] = method
                break
            if len(pattern) == len(parts) or len(shape) >= 2:  # named, or a weight array: it must fit
                misfits.append(f"layer {shown_path(parts[:-1])!r} array {parts[-1]!r} of shape {shape}: {why}")
                break
    raise_all(misfits, ShapeError, "net_initialize: the method does not fit")
    own = [name.split(".") for name in names if name not in later]
    for i, (key, pattern, _) in enumerate(patterns):
        if i not in used and net is not None and (problem := unreached_shared(net, key, pattern, own)):
            raise OptionError(f"net_initialize: method {problem}", option="method", kind="shared-array-rule",
                              found=key)
    if net is not None and len(used) < len(patterns):
        _refuse_statistics_rules(patterns, used, names, net)
    refuse_unmatched("net_initialize: method", [(key, pattern) for key, pattern, _ in patterns], used, top, names,
                     "method")
    return {n: m for n, m in out.items() if names[n] is not None}



def _refuse_statistics_rules(patterns: list[tuple], used: set[int], names: dict[str, Any], net: Any) -> None:
    """OptionError for a rule that picks no array (``names``) but a layer's running statistics (a batch norm's
    MovingVariance), which no method fills."""
    statistics = [[*path, *name.split(".")] for path, layer in net._leaf_layers() for name in layer.BUFFERS]
    for i, (key, pattern, _) in enumerate(patterns):
        hit = next((s for s in statistics if matches(pattern, s)), None) if i not in used and statistics else None
        if hit is not None and not any(matches(pattern, n.split(".")) for n in names):
            raise OptionError(f"net_initialize: method key {quoted(key)} names {quoted(hit[-1])} of layer "
                              f"{shown_path(hit[:-1])!r}, "
                              f"a running statistic, which no method fills: it starts at the layer's default (a batch "
                              f"norm's MovingMean 0, MovingVariance 1)", option="method", kind=VALUE_KIND, found=key)
