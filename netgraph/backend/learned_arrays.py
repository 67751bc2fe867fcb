"""The arrays ``module.to_net()`` copies back into a net: each layer's module state, read as the module computes it.

A layer's arrays are entries of its module's ``state_dict`` (``Weights``, or a TorchLayer's ``lin.weight``). A user
may reparametrize one after compiling (``torch.nn.utils.parametrizations.weight_norm(module.fc1, "Weights")``, or
``torch.nn.utils.prune``): the state then holds the parts (``parametrizations.Weights.original0``, ``Weights_orig``)
and no longer the array, which the module computes from them when it is read. Such an array is read as its attribute,
so the net gets the weights the module computes with, never the ones it was compiled from.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from netgraph.core.errors import DataError, NetGraphError, OptionError, at_layer, headed, raise_all
from netgraph.core.layer_checks import array_shape_problems
from netgraph.core.naming_scope import quoted, shown_layer, shown_path

__all__ = ["learned_arrays", "learned_layer", "check_learned_shapes"]


def learned_layer(module: nn.Module, layer: Any, path: tuple[str, ...], working: torch.dtype | None,
                  dtype: torch.dtype | None) -> Any:
    """``layer`` (at ``path``) holding ``module``'s current arrays (see ``learned_arrays``). An array the layer holds
    that the module no longer has (``del module.Weights``) is a DataError of kind "missing-array"; one the layer
    refuses (a shape its options do not make) is that error naming the layer's path."""
    found = learned_arrays(module, layer.ARRAYS, layer.arrays, working, dtype, at=(path, layer.type_name))
    if missing := [name for name in layer.arrays if name not in found]:
        raise DataError(f"{shown_layer(path, layer.type_name)}: to_net() copies its array {missing[0]!r} "
                        f"into the net, but the module no longer holds it (deleted?); give the module that array "
                        f"again, as an nn.Parameter", kind="missing-array",
                        layer=path, option=missing[0], expected=tuple(missing), found=None)
    try:
        return layer.with_arrays(found)
    except NetGraphError as error:
        raise at_layer(headed(error, f"layer {shown_path(path)!r}: "), path) from None


def check_learned_shapes(net: Any, changes: dict[tuple, Any]) -> None:
    """One OptionError (kind "array-shape") listing every array of the layers in ``changes`` (path -> layer, made
    with their shapes unchecked) whose shape differs from the one the net's port types need there."""
    problems = []
    for path, layer in changes.items():
        node = net.ir.node(path)
        if all(t.known for t in node.types.values()):
            problems += array_shape_problems(node, lambda: net.describe((path, None)), layer.arrays)
    raise_all(problems, OptionError, "to_net(): arrays of other shapes than the net needs", kind="array-shape")


def learned_arrays(module: nn.Module, names: Any, given: dict[str, Any], working: torch.dtype | None = None,
                   dtype: torch.dtype | None = None, *, at: tuple[tuple[str, ...], str]) -> dict[str, torch.Tensor]:
    """The current value of each array in ``names`` that ``module`` (a layer's built module) holds, in the dtype of
    the array the layer was given (``given``) while it is still in the precision compile cast it to (``working``),
    else in the module's (moved by ``.double()``, ``.half()``: never rounded back), or, floating ones, in ``dtype``
    when given; an array it holds neither in its state nor as an attribute is left out. An array on the meta device
    (no values) is a DataError naming the layer ``at`` (its path and type), the array and the device."""
    state = module.state_dict()
    found = {}
    for name in names:
        value = state[name] if name in state else _attribute(module, name)
        if isinstance(value, torch.Tensor):
            _check_values(value, name, at)
            value = value.detach().clone()
            if dtype is not None:
                found[name] = value.to(dtype) if value.is_floating_point() else value
                continue
            moved = working is not None and value.is_floating_point() and value.dtype != working
            found[name] = value if moved else _as_given(value, given.get(name))
    return found


def _check_values(value: torch.Tensor, name: str, at: tuple[tuple[str, ...], str]) -> None:
    """A DataError where ``value`` (array ``name`` of the layer at path and of type ``at``) has no values (meta)."""
    if value.is_meta:
        path, type_name = at
        raise DataError(f"{shown_layer(path, type_name)}: to_net() copies its array {quoted(name)} into the net, "
                        f"found it on the meta device (shapes without values); give the module values first: "
                        f"module.to_empty(device='cpu'), then module.load_state_dict(...)", kind="data-device",
                        layer=path, option=name, expected="an array with values", found=value.device)


def _attribute(module: nn.Module, name: str) -> Any:
    """``module``'s array ``name`` (dotted for a submodule's) read as an attribute: a parametrized one is computed."""
    *inner, last = name.split(".")
    for part in inner:
        module = module._modules.get(part) if isinstance(module, nn.Module) else None
    return getattr(module, last, None) if isinstance(module, nn.Module) else None


def _as_given(value: torch.Tensor, given: Any) -> torch.Tensor:
    """``value`` in the dtype of the array the layer was given (the module computes in the working precision); the
    given array itself where ``value`` is its rounding, unmoved (frozen, or trained at rate 0): a float64 array comes
    back bit-identical, not rounded through float32."""
    dtype = getattr(given, "dtype", None)
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        return value
    if dtype != value.dtype and isinstance(given, torch.Tensor) and given.shape == value.shape \
            and torch.equal(given.to(value.device, value.dtype), value):  # on the module's device (moved by .to)
        return given.to(value.device, copy=True)
    return value.to(dtype)
