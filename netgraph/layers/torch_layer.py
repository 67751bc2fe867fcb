"""TorchLayer: any ``nn.Module`` as a layer; ``register_module``: a module class as a YAML layer type.

``TorchLayer(module, inputs=..., outputs=...)`` names the module's positional arguments (``inputs``)
and results (``outputs``) as ports: a list of names, or a dict of name -> shape (batch excluded;
``PortType((5,), "Integer")`` for index inputs). Output shapes and dtypes are inferred by running the
module on meta tensors (no memory, no compute) once the input shapes are known; each variable length
(``"n"``) is probed at sizes of its own, as a Python function's (``function_lengths``). The module must keep the
batch dim first and return a tensor, or a tuple with one tensor per output port.

Its arrays are the module's ``state_dict`` entries (paths ``<layer>.<module's names>``); it holds a copy of the module
given, and ``build`` copies that: a later change to the module given, or to a compiled one, changes no layer.

>>> from torch import nn
>>> layer = TorchLayer(nn.Conv1d(2, 4, 3), inputs={"Input": (2, 10)})
>>> layer.input_ports, sorted(layer.arrays)
(('Input',), ['bias', 'weight'])
"""

from __future__ import annotations

import dataclasses
import inspect
import weakref
from collections.abc import Mapping
from typing import Any, ClassVar

from torch import nn

from netgraph.core.layer import REGISTRY, Layer, _same, frozen_init, register
from netgraph.core.wrapped_modules import GIVEN_MODULES
from netgraph.layers.module_wrapper import _ModuleWrapper
from netgraph.layers._module_values import private_copy, same_module
from netgraph.core.options import Module, Ports
from netgraph.core.errors import OptionError
from netgraph.core.naming_scope import quoted
from netgraph.core.torch_state import forked_generator

__all__ = ["TorchLayer", "register_module"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class TorchLayer(_ModuleWrapper):
    """Wraps an ``nn.Module``: ``TorchLayer(nn.GRU(...), inputs=["Input"], outputs=["Output", "State"])``."""

    module: Module
    inputs: Ports = None
    outputs: Ports = None
    POSITIONAL = "module"
    MODULE_OPTION = "module"
    OUTPUTS_OPTION = True

    def normalize(self) -> dict[str, Any]:
        """Ports and arrays from the layer's own copy of the module given (a layer's own, from ``replace`` or
        ``with_arrays``, is shared as frozen arrays are), the module given recorded in ``GIVEN_MODULES``."""
        if not isinstance(given := self.module, nn.Module):
            return self._setup(given, self.inputs, self.outputs)
        module = given
        if given not in GIVEN_MODULES:
            module = private_copy(given)
            GIVEN_MODULES[module] = weakref.ref(given)
        return {**self._setup(module, self.inputs, self.outputs), "module": module}

    def with_arrays(self, arrays: Mapping[str, Any] | None = None, /, **named: Any) -> Layer:
        module = self._loaded({**(arrays or {}), **named})  # a copy: the new layer's own
        GIVEN_MODULES[module] = weakref.ref(module)
        return dataclasses.replace(self, module=module)

    def __eq__(self, other: object) -> bool:
        """Equal port options and modules alike (``same_module``: class, arrays by value, other attributes), so a
        copy, or ``net.compile().to_net()`` of an untrained net, equals the layer."""
        if type(other) is not type(self):
            return NotImplemented
        return (_same(self.inputs, other.inputs) and _same(self.outputs, other.outputs)
                and same_module(self.module, other.module))

    def __hash__(self) -> int:  # agrees with __eq__: by the module's class
        return hash((type(self), type(self.module)))


class _RegisteredModule(_ModuleWrapper):
    """Base of classes made by ``register_module``: options are the module's constructor arguments."""

    MODULE: ClassVar[type[nn.Module]]
    PORTS: ClassVar[tuple[Any, Any]] = (None, None)

    def normalize(self) -> dict[str, Any]:
        kwargs = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        try:
            with forked_generator(1234):  # the same options give the same initial weights
                module = self.MODULE(**kwargs)
        except Exception as exc:  # a user's constructor rejecting its arguments
            raise OptionError(f"{self.type_name}: {self.MODULE.__name__}({kwargs}) failed: "
                              f"{type(exc).__name__}: {exc}", kind="option-value", found=kwargs) from None
        return self._setup(module, *self.PORTS)

    def with_arrays(self, arrays: Mapping[str, Any] | None = None, /, **named: Any) -> Layer:
        new = dataclasses.replace(self)
        frozen_init(new, _module=self._loaded({**(arrays or {}), **named}))
        return new

    def __eq__(self, other: object) -> bool:
        same = super().__eq__(other)
        if same is not True:
            return same
        mine, theirs = self.arrays, other.arrays  # type: ignore[attr-defined]
        return mine.keys() == theirs.keys() and all(_same(mine[k], theirs[k]) for k in mine)

    __hash__ = Layer.__hash__


def register_module(module_class: type[nn.Module], name: str | None = None, inputs: Any = None,
                    outputs: Any = None, replace: bool = False) -> type[Layer]:
    """Register an ``nn.Module`` class as a layer type (default name: the class name); returns the layer class.
    A name taken by another class raises OptionError naming both, unless ``replace=True`` (as ``register``).

    The layer's options are the constructor's keyword arguments, so YAML can use it:
    ``{type: MyBlock, hidden: 16}``. ``inputs``/``outputs`` name its ports as for TorchLayer.
    """
    if not (isinstance(module_class, type) and issubclass(module_class, nn.Module)):
        raise OptionError(f"register_module needs an nn.Module subclass, found {module_class!r}",
                          kind="option-value", option="module_class", expected="an nn.Module subclass",
                          found=module_class)
    name = name or module_class.__name__
    if not name.isidentifier():
        raise OptionError(f"register_module: the type name must be an identifier, found {quoted(name)}",
                          kind="option-value", option="name", expected="a Python identifier", found=name)
    taken = getattr(REGISTRY[name], "MODULE", REGISTRY[name]) if name in REGISTRY else module_class
    same = (taken.__module__, taken.__qualname__) == (module_class.__module__, module_class.__qualname__)
    if not (replace or same):  # the same class defined again (a notebook cell run twice) is no clash
        raise REGISTRY.clash(name, module_class, taken)
    fields = []
    for p in list(inspect.signature(module_class.__init__).parameters.values())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.kind == p.POSITIONAL_ONLY:
            raise OptionError(f"register_module: {module_class.__name__}.__init__ has positional-only parameter "
                              f"{quoted(p.name)}; options are passed by keyword", kind="layer-contract", option=p.name)
        default = dataclasses.field() if p.default is p.empty else dataclasses.field(default=p.default)
        fields.append((p.name, Any, default))
    namespace = {"MODULE": module_class, "PORTS": (inputs, outputs), "__module__": module_class.__module__}
    REGISTRY.pop(name, None)  # checked above: the class made below registers itself under its name
    cls = dataclasses.make_dataclass(name, fields, bases=(_RegisteredModule,), namespace=namespace,
                                     frozen=True, eq=False, repr=False)
    register(cls, name)
    return cls
