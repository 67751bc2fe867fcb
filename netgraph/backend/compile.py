"""compile(): a NetGraph -> a plain ``nn.Module`` with a generated, straight-line ``forward``.

Each leaf layer is built once (its parameters named ``<path>.<Array>``) and placed in a module tree
that mirrors the nesting. The forward is one line per layer in topological order, written from the
validated graph only (sanitised identifiers and numeric literals), registered with ``linecache`` so
tracebacks show it, and exposed as ``module.code``.
"""

from __future__ import annotations

import builtins
import keyword
import linecache
import math
import re
from itertools import count
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from netgraph.core.layer import EmitContext
from netgraph.core.errors import MSG_UNKNOWN_INPUT_SHAPE, ShapeError, UninitializedError, raise_all
from netgraph.layers.estimators import surrogate_loss
from netgraph.core.graph import gc_paused

__all__ = ["CompiledNet", "compile_net", "module_expr", "check_ready"]

_counter = count()
_RESERVED = {"self", "torch", "F", "math"} | set(dir(builtins))


class CompiledNet(nn.Module):
    """The compiled form of a NetGraph: submodules by layer path, and a generated ``forward``.

    ``code`` is the forward's source, ``to_net()`` gives the NetGraph back with the learned arrays.
    """

    def __init__(self, net: Any, code: str):
        super().__init__()
        object.__setattr__(self, "_net", net)
        object.__setattr__(self, "code", code)

    @property
    def net(self) -> Any:
        """The NetGraph this module was compiled from (with its original arrays)."""
        return self._net

    def surrogate_loss(self, loss: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        """The score-function term for this module's discrete random draws since the last call.

        ``(losses.mean() + module.surrogate_loss(losses)).backward()``: ``losses`` per example (B,) gives
        leave-one-out baselines, a scalar a running-mean baseline; the value is 0 (see netgraph.layers.estimators).
        """
        return surrogate_loss(self, loss, reduction)

    def to_net(self) -> Any:
        """The NetGraph with this module's current arrays (parameters and buffers) copied in."""
        changes = {}
        for path, layer in self._net.leaves():
            if layer.ARRAYS:
                state = self.get_submodule(".".join(path)).state_dict()
                changes[path] = layer.with_arrays({n: state[n].detach().clone() for n in layer.ARRAYS if n in state})
        return self._net.replace_layers(changes) if changes else self._net


def module_expr(path: tuple[str, ...], base: str = "self") -> str:
    """Python code reaching the submodule at ``path``: ``self.enc.lin`` or ``getattr(self, '1')``."""
    expr = base
    for part in path:
        ok = part.isidentifier() and not keyword.iskeyword(part)
        expr = f"{expr}.{part}" if ok else f"getattr({expr}, {part!r})"
    return expr


def check_ready(net: Any) -> None:
    """Raise ShapeError for any unknown shape and UninitializedError for missing arrays, listing all."""
    unknown, reported = [], set()
    for name in net.input_ports:
        t = net.port_types[name]
        if not t.known:
            fed = [net.describe((path, p)) for path, layer in net.leaves() for p in layer.input_ports
                   if net.producer((path, p)) == ((), name)]
            unknown.append(f"graph input {name!r} (feeding {', '.join(fed) or 'nothing'}) has unknown shape "
                           f"{t}: " + MSG_UNKNOWN_INPUT_SHAPE.format(port=name, example=3))
            reported.add(net.producer(((), name)))
    for path, layer in net.leaves():
        for port, t in net.layer_types(path).items():
            source = net.producer((path, port))
            if not t.known and source not in reported:
                reported.add(source)
                unknown.append(f"{net.describe((path, port))} has unknown shape {t}")
    raise_all(unknown[:10], ShapeError, "the net is not fully specified")
    missing = [f"{net.describe((path, None))} array {name!r}" for path, layer in net.leaves()
               for name, value in layer.arrays.items() if value is None]
    raise_all(missing, UninitializedError, "the net has uninitialised arrays; call net_initialize(net) first")


class _Names:
    """Unique, legal local variable names."""

    def __init__(self, taken: set[str]):
        self.taken = set(taken) | _RESERVED

    def new(self, hint: str) -> str:
        base = re.sub(r"\W", "_", hint) or "v"
        if base[0].isdigit():
            base = f"x{base}"
        if keyword.iskeyword(base):
            base += "_"
        name, i = base, 1
        while name in self.taken:
            i += 1
            name = f"{base}_{i}"
        self.taken.add(name)
        return name


def _generate(net: Any) -> str:
    names = _Names(set(net.input_ports))
    var: dict[tuple, str] = {((), p): p for p in net.input_ports}
    lines = []
    leaves = list(net.leaves())
    batched = bool(net.input_ports)
    batch = names.new("batch_size")
    size = batch if batched else names.new("size")
    if not batched:  # no inputs: forward(batch_size=None) gives one unbatched draw, or a batch of that size
        lines.append(f"{size} = 1 if {batch} is None else {batch}")
    elif any(not layer.input_ports for _, layer in leaves):
        lines.append(f"{batch} = {net.input_ports[0]}.shape[0]")
    for path, layer in leaves:
        types = net.layer_types(path)
        args = tuple(var[net.producer((path, p))] for p in layer.input_ports)
        outs = [names.new("_".join(path) if len(layer.output_ports) == 1 else "_".join((*path, p)))
                for p in layer.output_ports]
        module = module_expr(path)
        code = layer.emit(EmitContext(module, args, size, types))
        if "getattr(" in module and code.count(module) > 1:  # look the submodule up once, not per use
            local = names.new(f"{'_'.join(path)}_module")
            lines.append(f"{local} = {module}")
            code = layer.emit(EmitContext(local, args, size, types))
        lines.append(f"{', '.join(outs)} = {code}")
        var.update({(path, p): v for p, v in zip(layer.output_ports, outs)})
    results = {p: var[net.producer(((), p))] for p in net.output_ports}

    def returned(suffix: str) -> str:
        if len(results) == 1:
            return f"return {next(iter(results.values()))}{suffix}"
        return "return {" + ", ".join(f"{p!r}: {v}{suffix}" for p, v in results.items()) + "}"
    if not batched:
        lines += [f"if {batch} is None:", f"    {returned('[0]')}"]
    lines.append(returned(""))
    signature = ", ".join(["self", *net.input_ports] if batched else ["self", f"{batch}=None"])
    return f"def forward({signature}):\n" + "".join(f"    {line}\n" for line in lines)


def compile_net(net: Any) -> CompiledNet:
    """Build every layer and generate the forward; the result is independent of ``net``."""
    with gc_paused():
        return _compile(net)


def _compile(net: Any) -> CompiledNet:
    check_ready(net)
    code = _generate(net)
    filename = f"<netgraph-compiled-{next(_counter)}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace: dict[str, Any] = {"torch": torch, "F": F, "math": math}
    exec(compile(code, filename, "exec"), namespace)  # code generated from the validated graph only
    cls = type("CompiledNet", (CompiledNet,), {"forward": namespace["forward"], "__module__": __name__})
    module = cls(net, code)
    for path, layer in net.leaves():
        parent = module
        for part in path[:-1]:
            if part not in parent._modules:
                parent.add_module(part, nn.Module())
            parent = parent._modules[part]
        parent.add_module(path[-1], layer.build(net.layer_types(path)))
    return module
