"""Every registered layer type made with random option values, drawn by each option's annotation or hostile, then,
when it is made, built on a random small input shape and called: only a NetGraphError escapes, and one refusing the
options names the option (or the layer type) with a kind of its family (not the default "error")."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
import torch
from hypothesis import given, settings, strategies as st
from torch import nn

from netgraph import (BernoulliDistribution, LinearLayer, NetGraph, NetGraphError, NormalDistribution,
                      OptionError, UniformDistribution, net_initialize)
from netgraph.layers import REGISTRY
from tests.fuzz._oracle import Escape, event, random_inputs
from tests.fuzz._strategies import HOSTILE

pytestmark = pytest.mark.fuzz

#: every library layer type made of options (NetGraph and NetChain construct themselves: test_fuzz_api's); not the
#: types test modules register, which pytest may import first when files are named in another order
TYPES = sorted(name for name, kind in REGISTRY.items()
               if dataclasses.is_dataclass(kind) and kind.__module__.startswith("netgraph."))

_SIZES = st.integers(1, 4)
_SHAPES = st.one_of(st.none(), _SIZES, st.lists(_SIZES, max_size=3))
_FLOATS = st.floats(0, 1)
_ARRAYS = st.one_of(st.none(), st.lists(_SIZES, max_size=3).map(lambda s: torch.rand(s)), st.lists(_FLOATS, max_size=3))
_LEVELS = st.one_of(st.integers(-3, 3), st.lists(st.integers(-3, 3), max_size=3),
                    st.sampled_from(["All", ";;", "2;;", "1;;-1", [1, ";;"]]))
_NAMES = st.sampled_from(["a", "b", "Input", "x"])

#: a valid-looking value per option annotation (as the dataclass field's string)
BY_ANNOTATION: dict[str, st.SearchStrategy] = {
    "Shape": _SHAPES, "OutputShape": _SHAPES, "ElementwiseOutputShape": _SHAPES, "ElementwiseInputShape": _SHAPES,
    "SequenceShape": st.one_of(_SHAPES, st.lists(st.one_of(_SIZES, st.just("Varying")), max_size=3)),
    "Array": _ARRAYS, "RemovableArray": st.one_of(_ARRAYS, st.just(False)),
    "IntOrInts": st.one_of(_SIZES, st.lists(st.integers(0, 3), max_size=3)),
    "Counts": st.one_of(st.integers(-1, 4), st.lists(st.integers(-1, 4), max_size=3)),  # ReplicateLayer's n
    "bool": st.booleans(), "Optional[int]": st.one_of(st.none(), _SIZES), "int": st.integers(-3, 4),
    "float": _FLOATS, "Optional[float]": st.one_of(st.none(), _FLOATS), "Levels": _LEVELS,
    "Ports": st.one_of(_SIZES, st.lists(_NAMES, max_size=3), st.dictionaries(_NAMES, _SHAPES, max_size=2)),
    "PortNames": st.one_of(_SIZES, st.lists(_NAMES, max_size=3)),
    "PortShapes": st.one_of(_SHAPES, st.dictionaries(_NAMES, _SHAPES, max_size=2)),
    "Net": st.sampled_from([LinearLayer(2), "Tanh", "Ramp", LinearLayer(3, input=2)]),
    "Function": st.sampled_from(["Tanh", "Ramp", "Plus", "Times", "#a + #b", "# * 2", "Max", "1/#", "#a +", "Index",
                                 "foo(#a)", "Tanhh"]),
    "DistributionOption": st.sampled_from([NormalDistribution(0, 1), UniformDistribution(), BernoulliDistribution(0.5),
                                           NormalDistribution(), "Normal"]),
    # modules that run on any shape: one that refuses the input runs unprobed when outputs= gives its shapes, as
    # README says for data-dependent ones (torch's error is then the module's own, at the call)
    "Module": st.sampled_from([nn.Identity(), nn.PReLU(), nn.ReLU(), nn.Softmax(-1)]),
    "Dims": st.lists(st.one_of(_SIZES, st.just("Inherited"), st.just(-1)), max_size=3),
    "Scales": st.one_of(_FLOATS, st.lists(st.floats(0.5, 3), max_size=3)),
    "Permutation": st.lists(st.integers(0, 3), max_size=4),
    "PaddingSizes": st.one_of(_SIZES, st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), max_size=3)),
    "BroadcastSpec": st.one_of(st.booleans(), _LEVELS),
    "ElementwiseFunction": st.sampled_from(["Tanh", "Ramp", "# * 2", "1/#", "Tanhh", "Plus", "#a + #b"]),
    "ThreadedFunction": st.sampled_from(["Plus", "Times", "Max", "#a + #b", "# * 2", "Tanh", "Plux"]),
    "Level": st.one_of(st.integers(-3, 3), st.just("2;;")),
    "Optional[Level]": st.one_of(st.none(), st.integers(-3, 3)),
    "Parts": st.one_of(_LEVELS, st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["All", "1;;2"])), max_size=3)),
    "RampLevels": st.one_of(_LEVELS, st.just([])),
    "ScalingLevels": st.one_of(_LEVELS, st.sampled_from(["Complement", "Same", "Complment"])),
}


def _typed(annotation: str) -> st.SearchStrategy:
    """Values of ``annotation``: its Literal's words, else BY_ANNOTATION's (unknown ones: hostile values alone)."""
    words = [w for w in annotation.replace("]", "[").split("'")[1::2]]
    strategies = [st.sampled_from(words)] if words else []
    if "float" in annotation:
        strategies.append(_FLOATS)
    strategies.append(BY_ANNOTATION.get(annotation, HOSTILE))
    return st.one_of(*strategies)


_EXTREME = st.sampled_from([-1, 0, -(2**40), 2**40, float("nan"), float("inf"), -float("inf"), "", "x" * 10_000,
                            [[[[1]]]], [[]], None, True, False, object(), b"1", 1.5, {1, 2}, (1, (2, (3,))),
                            [0], [-1, 2], [2, "n"], ("Varying", 3), [True, 2], -0.5, 1e308, 2.0, [2**40, 2**40]])


@st.composite
def layer_options(draw: Any) -> tuple[str, dict]:
    """A layer type and options for it: each option left out, valid-looking by its annotation, or hostile."""
    name = draw(st.sampled_from(TYPES))
    options = {}
    for field in dataclasses.fields(REGISTRY[name]):
        if not field.init:
            continue
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        choice = draw(st.sampled_from(["typed", "typed", "hostile", "extreme"] + ([] if required else ["out"] * 3)))
        if choice != "out":
            strategy = {"typed": _typed(str(field.type)), "hostile": HOSTILE, "extreme": _EXTREME}[choice]
            options[field.name] = draw(strategy)
    return name, options


def _option_refusal_names_its_option(error: OptionError, name: str, options: dict) -> None:
    for diagnostic in error.diagnostics:
        assert diagnostic.kind != "error", f"{name}: {diagnostic.message!r} has the default kind"
        assert diagnostic.option in options or name in diagnostic.message, \
            f"{name}({options}): {diagnostic.message!r} names no option given (option={diagnostic.option!r})"


def _made(name: str, options: dict) -> Any:
    try:
        return REGISTRY[name](**options)
    except OptionError as error:
        event(f"refused when made: {name}")
        _option_refusal_names_its_option(error, name, options)
    except NetGraphError as error:
        raise Escape(f"{name}({options}) raised {type(error).__name__}, not OptionError: {error}") from error
    except (KeyboardInterrupt, Escape):
        raise
    except BaseException as error:  # noqa: BLE001 - the point is to catch everything else
        raise Escape(f"{name}({options}): {type(error).__name__} escaped: {error}") from error
    return None


def _placed(action: Any) -> Any:
    """``action()``, or None when it raised a NetGraphError each of whose Diagnostics says where (a layer, port or
    option); any other exception fails the test as an Escape."""
    try:
        return action()
    except NetGraphError as error:
        event(f"refused: {type(error).__name__}")
        for diagnostic in error.diagnostics:
            assert diagnostic.layer is not None or diagnostic.port or diagnostic.option, \
                f"{diagnostic.message!r} names no layer, port or option"
        return None
    except (KeyboardInterrupt, Escape):
        raise
    except BaseException as error:  # noqa: BLE001 - the point is to catch everything else
        raise Escape(f"{type(error).__name__} escaped: {error}") from error


def _run(layer: Any, shapes: dict, seed: int) -> None:
    net = _placed(lambda: NetGraph([layer], [], **shapes))
    if net is None:
        return
    initialized = _placed(lambda: net_initialize(net, seed=seed))
    if initialized is None:
        return
    inputs = random_inputs(initialized, seed)
    if initialized.input_ports and not inputs:
        event("called: inputs of unknown shape")
        return
    torch.manual_seed(seed)
    result = _placed(lambda: initialized(**inputs))
    if result is not None:
        event("called")
        _of_the_inferred_shapes(initialized, result)


def _of_the_inferred_shapes(net: Any, result: Any) -> None:
    """Each output of a call is a batch of 2 of its port's inferred shape (one example of a net without inputs,
    called plainly), where that is fully known."""
    outputs = result if isinstance(result, dict) else {net.output_ports[0]: result}
    batch = (2,) if net.input_ports else ()
    for port, value in outputs.items():
        shape = net.output_shapes[port]
        if isinstance(value, torch.Tensor) and shape is not None and all(isinstance(d, int) for d in shape):
            assert tuple(value.shape) == (*batch, *shape), f"port {port!r}: {tuple(value.shape)}, inferred {shape}"


#: the "ci" profile's dozen cases would reach a fifth of the layer types; a case takes a few milliseconds
CASES = max(2000, settings.default.max_examples)


@settings(max_examples=CASES)
@given(layer_options(), st.lists(st.lists(_SIZES, max_size=3), min_size=3, max_size=3), st.integers(0, 3))
def test_every_layer_type_with_random_options_refuses_only_with_our_errors(made, input_shapes, seed):
    name, options = made
    start = time.monotonic()
    layer = _made(name, options)
    if layer is not None:
        shapes = dict(zip(layer.input_ports, input_shapes)) if len(layer.input_ports) <= 3 else {}
        _run(layer, shapes, seed)
    assert time.monotonic() - start < 10, f"{name}({options}) took {time.monotonic() - start:.1f} s"


def test_every_registered_layer_types_options_have_a_strategy():
    """An option type added later gets values of its own here, not only hostile ones."""
    annotations = {str(f.type) for name in TYPES for f in dataclasses.fields(REGISTRY[name]) if f.init}
    unknown = {a for a in annotations if a not in BY_ANNOTATION and "Literal" not in a}
    assert not unknown
