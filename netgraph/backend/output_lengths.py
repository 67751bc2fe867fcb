"""The check at each call that a user-code layer's output lengths are the lengths their names say.

An output dim of a layer running its author's code (``runs_user_code``: a FunctionLayer's Python function, a
TorchLayer's module, a layer class of one's own) named by an input's length or one derived from it (``"n"``,
``"n_times_2"``, ``"n_over_2"``) was read off a few probe sizes or given by the user: a function outside the forms
probing names (``x[:, :512]``, ``min(n, 20000)``) reads as ``n`` there. So each such dim is compared with that length
computed from the input's size (``length_code``, ``lengths_along``): in the compiled forward one integer comparison
per dim after the call (``output_length_lines``), in the interpreter the same (``check_output_lengths``); a dim that
differs is a DataError naming the layer, the port, the dim, the length expected and the size found. Built-in layers
get no check. Dims of a length no input has (``output=("m", 3)``) are not checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from netgraph.backend.input_lengths import first_places, length_code
from netgraph.backend.module_errors import runs_user_code
from netgraph.core.errors import DataError
from netgraph.core.length_names import length_steps, lengths_along
from netgraph.core.naming_scope import quoted, shown_layer
from netgraph.core.types import PortType
from netgraph.layers.function import FunctionLayer
from netgraph.layers.given_outputs import INFER
from netgraph.layers.module_wrapper import _ModuleWrapper

__all__ = ["output_length_plan", "output_length_lines", "check_output_lengths", "check_layer_output_lengths"]

Steps = tuple[tuple[str, int], ...]
Plan = tuple[tuple[int, int, int, int, str, str, Steps], ...]  # (output, dim, input, dim, name, its base, steps)


def output_length_plan(layer: Any, types: Mapping[str, Any]) -> Plan:
    """Each named output dim of ``layer`` (a user-code one; none for a built-in layer) that an input's length gives:
    (output position, dim, input position, dim, the name, the input's length, the steps from it).

    >>> types = {"x": PortType(("n", 3)), "Output": PortType(("n_over_2", 3))}
    >>> output_length_plan(FunctionLayer(lambda x: x[:, ::2], input=("n", 3)), types)
    ((0, 0, 0, 0, 'n_over_2', 'n', (('over', 2),)),)
    """
    if not runs_user_code(layer):
        return ()
    places = first_places((k, types[port]) for k, port in enumerate(layer.input_ports))
    plan = []
    for i, port in enumerate(layer.output_ports):
        for j, d in enumerate(_shape(types[port])):
            found = (d, ()) if d in places else length_steps(d, set(places)) if isinstance(d, str) else None
            if found:
                plan.append((i, j, *places[found[0]], d, *found))
    return tuple(plan)


def _shape(t: Any) -> tuple:
    return tuple(t.shape or ()) if isinstance(t, PortType) else ()


def output_length_lines(layer: Any, path: tuple[str, ...], types: Mapping[str, Any], ins: Sequence[Any],
                        outs: Sequence[str]) -> list[str]:
    """The compiled forward's check after ``layer``'s statement (its inputs' and outputs' variables ``ins`` and
    ``outs``): one comparison per planned dim, calling ``check_output_lengths`` (which raises) where one differs."""
    plan = tuple(p for p in output_length_plan(layer, types) if isinstance(ins[p[2]], str))
    if not plan:
        return []
    tests = " or ".join(f"{outs[i]}.shape[{j + 1}] != {length_code(f'{ins[k]}.shape[{a + 1}]', steps)}"
                        for i, j, k, a, _, _, steps in plan)
    args = ", ".join(a if isinstance(a, str) else "None" for a in ins)
    told = (tuple(path), layer.type_name, tuple(layer.input_ports), tuple(layer.output_ports), plan, _option(layer),
            _probed_to(layer, types, plan))
    return [f"if not symbolic_tracing() and ({tests}):",
            f"    check_output_lengths(({args},), ({', '.join(outs)},), {', '.join(map(repr, told))})"]


def check_output_lengths(ins: Sequence[Any], outs: Sequence[Any], path: tuple[str, ...], type_name: str,
                         inputs: Sequence[str], outputs: Sequence[str], plan: Plan, option: str,
                         probed_to: Sequence[int | None] | Callable[[], Sequence[int | None]] = ()) -> None:
    """A DataError for the first output dim of ``plan`` whose size is not its length computed from the inputs'
    (``probed_to``: the largest size its input dim was probed at, per item of ``plan``, where known; or a function
    giving them, asked only for the error)."""
    for place, (i, j, k, a, name, base, steps) in enumerate(plan):
        size = int(ins[k].shape[a + 1])
        expected, found = (lengths_along(size, steps)[-1] if steps else size), int(outs[i].shape[j + 1])
        if found != expected:
            tops = probed_to() if callable(probed_to) else probed_to
            top = tops[place] if place < len(tops) else None
            given = f"{base} = {size}, " if steps else ""
            source = "came from its infer()" if option == INFER else \
                f"was read off probe sizes of {base} up to {top}" if top else "was read off probe sizes or given"
            raise DataError(f"{shown_layer(path, type_name)} port {quoted(outputs[i])}: dim {j + 1} of its output is "
                            f"{found}, where its length {name} = {expected} (from {given}dim {a + 1} of its port "
                            f"{quoted(inputs[k])}); the output shape {source}: declare the "
                            f"sizes it returns with {option} (a length name of its own where it is no {name})",
                            kind="data-shape", layer=tuple(path), port=outputs[i], expected=expected, found=found)


def check_layer_output_lengths(layer: Any, path: tuple[str, ...], types: Mapping[str, Any], ins: Sequence[Any],
                               outs: Sequence[Any]) -> None:
    """The interpreter's ``check_output_lengths`` of ``layer``'s outputs ``outs`` from its inputs ``ins``."""
    if plan := output_length_plan(layer, types):
        check_output_lengths(ins, outs, path, layer.type_name, layer.input_ports, layer.output_ports, plan,
                             _option(layer), lambda: _probed_to(layer, types, plan))


def _probed_to(layer: Any, types: Mapping[str, Any], plan: Plan) -> tuple[int | None, ...]:
    """The largest size each input dim of ``plan`` was probed at (its length was read off sizes up to it); None
    where the layer was not probed (its ``infer()``, an expression)."""
    largest = layer.probed_largest(types) if isinstance(layer, (FunctionLayer, _ModuleWrapper)) else ()
    return tuple(largest[k][a] if largest else None for _, _, k, a, *_ in plan)


def _option(layer: Any) -> str:
    """What gives the layer's output shapes: ``output=``, ``outputs=`` or its ``infer()``."""
    return "output=" if isinstance(layer, FunctionLayer) else "outputs=" if isinstance(layer, _ModuleWrapper) \
        else INFER
