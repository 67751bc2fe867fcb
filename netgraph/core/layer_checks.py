"""Checks of a user's own layer type, each one error naming the class: its definition (``check_class``, when the
class is made) and what its ``infer`` returns (``check_infer_result``, when a net is built)."""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from netgraph.core.errors import Diagnostic, NetGraphError, OptionError, ShapeError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.core.scoped_values import scoped
from netgraph.core.conflicts import Conflict
from netgraph.core.types import PortType

__all__ = ["check_class", "check_infer_result", "check_declared_types", "check_array_shapes", "check_made_arrays",
           "SHAPES_CHECKED", "shapes_checked_elsewhere", "own_array_conflict", "same_shapes", "array_shape_problems",
           "array_misfit", "leave_out_removed", "removed_note"]


def check_class(cls: type) -> None:
    """OptionError, naming the class, for ports given as one string and arrays naming no field."""
    for attr in ("input_ports", "output_ports"):
        ports = cls.__dict__.get(attr)
        if ports is not None and not isinstance(ports, property) and (
                not isinstance(ports, (tuple, list)) or not all(isinstance(p, str) for p in ports)):
            raise OptionError(f"layer type {cls.__name__}: {attr} must be a tuple of port names, found {quoted(ports)}"
                              + (f" (write ({quoted(ports)},))" if isinstance(ports, str) else ""), option=attr,
                              kind="layer-contract")
    ports = [p for attr in ("input_ports", "output_ports") if isinstance(getattr(cls, attr, None), (tuple, list))
             for p in getattr(cls, attr)]  # inherited ones too: a subclass's output_ports may repeat them
    if twice := sorted({p for p in ports if ports.count(p) > 1}):  # each port name one port, as TorchLayer's
        raise OptionError(f"layer type {cls.__name__}: port {twice[0]!r} is named twice in its input_ports and "
                          f"output_ports; give each port its own name", option="input_ports", kind="layer-contract",
                          expected="distinct port names", found=twice[0])
    fields = {f.name for f in dataclasses.fields(cls)}
    missing = [field for field in cls.ARRAYS.values() if field not in fields]
    if missing:
        raise OptionError(f"layer type {cls.__name__}: ARRAYS names field {missing[0]!r}, which the class does not "
                          f"declare{did_you_mean(missing[0], fields)}; add it as an annotated option, such as "
                          f"`{missing[0]}: object = None`", option="ARRAYS", kind="layer-contract", found=missing[0])


def leave_out_removed(layer: Any, removable: frozenset[str]) -> None:
    """A layer just made without some arrays (``biases=False``, a ``RemovableArray``): its ``ARRAYS`` lack them."""
    for field in removable:  # a loop, not a comprehension (a call): most layers keep their arrays
        if getattr(layer, field) is False:
            gone = [field for field in removable if getattr(layer, field) is False]
            object.__setattr__(layer, "ARRAYS", {n: f for n, f in layer.ARRAYS.items() if f not in gone})
            return


def removed_note(layer: Any, name: str) -> str:
    """Why ``layer`` has no array ``name`` when it was made without it (``biases=False``), else ''."""
    field = type(layer).ARRAYS.get(name)
    if field is None or getattr(layer, field, None) is not False:
        return ""
    return (f"; it was made without them ({field}=False, Wolfram's \"{name}\" -> None), so it has none to "
            f"replace: to give it {field}, replace the layer by layer.replace({field}=...)")


def check_infer_result(layer: Any, result: object, current: Mapping[str, PortType], where: str) -> None:
    """ShapeError when ``infer`` returned anything but a dict of its own port names -> PortType."""
    where = f"{where}: {layer.type_name}.infer() must return a dict of port name -> PortType"
    if not isinstance(result, Mapping):
        raise ShapeError(f"{where}, returned {type(result).__name__}",
                         kind="layer-contract", found=type(result).__name__)
    for port, t in result.items():
        if port not in current:
            raise ShapeError(f"{where}; it returned port {quoted(port)}, which the layer does not have"
                             f"{did_you_mean(port, current)} (its ports are {list(current)})",
                             kind="layer-contract", port=port, expected=list(current), found=port)
        if not isinstance(t, PortType):
            raise ShapeError(f"{where}; it returned {type(t).__name__} {t!r} for port {quoted(port)}",
                             kind="layer-contract", port=port, expected="PortType", found=type(t).__name__)


def check_declared_types(layer: Any, path: tuple, describe: Callable) -> None:
    """ShapeError naming ``layer`` (at ``path``) where its ``declared_types()`` gave anything but port name -> PortType
    (a ``"Integer"`` where ``PortType(None, "Integer")`` is meant); ``describe((path, None))`` names it."""
    declared = layer.declared_types() if hasattr(layer, "declared_types") else {}
    found = next((t for t in declared.values() if not isinstance(t, PortType)), declared) \
        if isinstance(declared, Mapping) else declared
    if found is not declared or not isinstance(declared, Mapping):
        raise ShapeError(f"{describe((path, None))}: {layer.type_name}.declared_types() must return a dict of "
                         f"port name -> PortType, returned {type(found).__name__} {found!r}"[:400]
                         + (f" (write PortType(None, {found!r}))" if isinstance(found, str) else ""),
                         kind="layer-contract", layer=path, expected="PortType", found=type(found).__name__)


#: True while layers are made whose arrays' shapes are checked elsewhere (``shapes_checked_elsewhere``)
SHAPES_CHECKED = contextvars.ContextVar("netgraph_array_shapes_checked", default=False)


def shapes_checked_elsewhere(checked: bool = True) -> AbstractContextManager:
    """Layers made inside skip ``check_array_shapes`` (when ``checked``): ``with_arrays`` for arrays of the shapes
    the layer had, and the spec loader, whose ``array_checks`` checks every array against the net's shapes."""
    return scoped(SHAPES_CHECKED, checked)


def check_made_arrays(layer: Any, base_with_arrays: Any) -> None:
    """A layer just made: its given arrays checked (``check_array_shapes``), unless its class has a ``with_arrays``
    of its own (TorchLayer) or they were checked elsewhere (``shapes_checked_elsewhere``)."""
    given = []  # TorchLayer: no fields
    for name, field in layer.ARRAYS.items():  # a loop, not a comprehension (a call): most layers come without arrays
        if getattr(layer, field, None) is not None:
            given.append(name)
    if given and type(layer).with_arrays is base_with_arrays and not SHAPES_CHECKED.get():
        check_array_shapes(layer, given, layer.type_name)


def same_shapes(mine: dict[str, Any], arrays: Any) -> bool:
    """Whether every array of ``arrays`` has the shape of the layer's own (``mine``): to_net's learned arrays."""
    return all(mine.get(n) is not None and getattr(v, "shape", None) == mine[n].shape for n, v in arrays.items())


def check_array_shapes(layer: Any, names: Any, where: str) -> None:
    """OptionError (``where``: the layer) for the first ``own_array_conflict`` of ``layer``'s arrays in ``names``."""
    conflict = own_array_conflict(layer, names)
    if conflict is not None:
        raise OptionError(f"{where}: {conflict}", option=conflict.option, kind="array-shape",
                          expected=conflict.expected, found=conflict.found)


def own_array_conflict(layer: Any, names: Any, known: Mapping[str, PortType] | None = None) -> Conflict | None:
    """A Conflict for the first array of ``layer`` named in ``names`` with another shape than its options (and other
    arrays) fix: the shapes its own ports take, alone, with those arrays left out, a port they leave unknown taking
    its ``known`` type (the net's) where given; a dim only the arrays themselves would size is unknown (shown '·').
    Sizes still unknown pass."""
    arrays = layer.arrays
    given = {n: arrays[n] for n in names if arrays[n] is not None}
    if not given:
        return None
    try:
        base = layer.replace(**{layer.ARRAYS[n]: None for n in given})
        types = _settle(base, base.declared_types())
        if known:
            types = _settle(base, {p: t if t.known or p not in known else known[p] for p, t in types.items()})
        expected = base.array_shapes(types) if all(t.known for t in types.values()) else _implied_shapes(
            layer, base, types)
    except (NetGraphError, Conflict, TypeError, ValueError, KeyError, IndexError):
        return None  # its options alone do not size the arrays: the net it joins will
    shared = layer.shared
    for name, array in given.items():
        want = expected.get(name)
        if want is None or any(type(d) is not int for d in want if d is not None):
            continue
        if len(want) != array.ndim or any(d is not None and d != f for d, f in zip(want, array.shape)):
            which = f" (shared array {shared[name]!r})" if name in shared else ""
            text = array_misfit(name, want, array.shape, which, _FROM_OPTIONS)
            return Conflict(f"array {text}", option=layer.ARRAYS[name], expected=tuple(want),
                            found=tuple(array.shape), kind="array-shape")
    return None


_FROM_OPTIONS = " (from the layer's options)"  # where a layer alone takes an array's expected shape from


def _implied_shapes(layer: Any, base: Any, types: dict) -> dict:
    """``base``'s array shapes where its ports unknown take the sizes ``layer``'s arrays imply, each dim that
    changes with those sizes (one the options leave open) None."""
    implied = _settle(layer, {p: PortType(None, t.dtype) for p, t in types.items()})
    implied.update(getattr(layer, "default_types", lambda _: {})(implied))
    guessed = {p: t if t.known else implied.get(p, t) for p, t in types.items()}
    expected = base.array_shapes(_settle(base, guessed))
    try:  # the same with each guessed size one more: the dims that follow the guess
        moved = base.array_shapes(_settle(base, {p: t if types[p].known or t.shape is None else PortType(
            tuple(d + 1 if type(d) is int else d for d in t.shape), t.dtype) for p, t in guessed.items()}))
    except (NetGraphError, Conflict, TypeError, ValueError, KeyError, IndexError):
        return expected
    return {n: tuple(None if n in moved and i < len(moved[n]) and moved[n][i] != d else d for i, d in enumerate(w))
            for n, w in expected.items()}


def array_misfit(name: str, want: Any, found: Any, which: str = "", source: str = "") -> str:
    """``'Weights': expected shape (3, ·), found (2, 5)``: an array (``which``: the shared array it is) of another
    shape than its layer needs (``source``: from what; '·' a dim left open), as a layer, a net and a replacing of
    arrays say it; a Keras layout's hint where ``found`` is one.

    >>> array_misfit("Biases", (4,), (7,))
    "'Biases': expected shape (4,), found (7,)"
    """
    shown = "(" + ", ".join("·" if d is None else str(d) for d in want) + ("," if len(want) == 1 else "") + ")"
    return f"{quoted(name)}{which}: expected shape {shown}{source}, found {tuple(found)}{layout_hint(want, found)}"


def layout_hint(expected: Any, found: Any) -> str:
    """'; Keras's or TensorFlow's layout ...? give w.permute(...)' when ``found`` is ``expected`` (torch's layout:
    outputs, inputs, kernel...) in Keras's (kernel..., inputs, outputs), as a Dense or Conv2D kernel is; else ''.

    >>> layout_hint((8, 2, 3, 3), (3, 3, 2, 8))
    "; Keras's or TensorFlow's layout (..., inputs, outputs)? give w.permute(3, 2, 0, 1)"
    """
    expected, found = tuple(expected), tuple(found)
    n = len(found)
    if n < 2 or len(expected) != n or expected == found:
        return ""
    order = (n - 1, n - 2, *range(n - 2))
    if any(e is not None and found[i] != e for i, e in zip(order, expected)):  # None: a dim the options leave open
        return ""
    return f"; Keras's or TensorFlow's layout (..., inputs, outputs)? give w.permute({', '.join(map(str, order))})"


def array_shape_problems(node: Any, where: Callable[[], str],
                         arrays: Mapping[str, Any] | None = None) -> list[Diagnostic]:
    """A Diagnostic ("array-shape", at the layer and the array's option, with the expected and found shapes) for each
    array of ``node``'s layer (``arrays``: its ``layer.arrays`` when at hand) whose shape differs from the one its
    (known) port types need; ``where()`` describes the layer (called only when there is a problem)."""
    layer = node.layer
    expected = layer.array_shapes(node.types)
    problems = []
    for name, value in (layer.arrays if arrays is None else arrays).items():
        if value is not None and name in expected and value.shape != tuple(expected[name]):
            want, found = tuple(expected[name]), tuple(value.shape)
            detail = f"array {array_misfit(name, want, found)}"
            problems.append(Diagnostic(f"{where()} {detail}", "array-shape", layer=node.path, option=layer.ARRAYS[name],
                                       detail=detail, expected=want, found=found))
    return problems


def _settle(layer: Any, types: dict) -> dict:
    """``layer.infer`` run to a fixed point (a layer's own ports settle within a step or two)."""
    for _ in range(4):
        refined = layer.infer(types)
        if refined == types:
            break
        types = refined
    if not all(isinstance(t, PortType) for t in types.values()):
        raise TypeError("infer gave no port types")
    return types
