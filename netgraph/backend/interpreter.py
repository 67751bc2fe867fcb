"""A small reference interpreter: runs a NetGraph layer by layer, calling each built module.

It walks the graph IR (not the generated code) with the core's GraphWalker, so tests can check that
``compiled(x) == interpret(net, compiled, x)``; both share the same modules and weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from netgraph.backend.batch_sizes import checked_batch_size, largest_batch
from netgraph.backend.compile import submodule
from netgraph.backend.derived_lengths import check_input_lengths
from netgraph.backend.input_lengths import empty_length_problem
from netgraph.backend.module_errors import blames_module, layer_module_error, runs_user_code
from netgraph.backend.module_inputs import missing_port, module_input_problem, own_layer_error, unknown_port
from netgraph.core.errors import DataError, OptionError, did_you_mean
from netgraph.core.wording import type_label
from netgraph.core.ir import Node
from netgraph.core.naming_scope import shown_path
from netgraph.core.walk import GraphWalker
from netgraph.backend.output_lengths import check_layer_output_lengths
from netgraph.layers.given_outputs import INFER, checked_outputs, first_real, outputs_to_recast
from netgraph.layers.kl_divergence import KLModule
from netgraph.layers.random import _label
from netgraph.layers.random_module import RandomModule

__all__ = ["interpret", "ModuleRunner"]


class ModuleRunner(GraphWalker):
    """Runs each node's submodule of ``module`` (a compiled ``net``) on the tensors walked to it; a draw the compiled
    forward makes inline (``computed_inline``: a pathwise Normal or Uniform under checks="auto") unchecked, as there,
    unless ``checks_inline_draws``."""

    checks_inline_draws = False

    def __init__(self, net: Any, module: torch.nn.Module, batch_size: int | None):
        super().__init__(net)
        self.module, self.batch_size = module, batch_size

    def visit_node(self, node: Node, inputs: Sequence[torch.Tensor]) -> Sequence[torch.Tensor]:
        sub = submodule(self.module, node.path)
        mutated = node.layer.mutated_inputs(node.types) if hasattr(node.layer, "mutated_inputs") else ()
        if mutated:  # a module that changes an input in place gets a copy, as the compiled forward gives it
            inputs = [x.clone() if i in mutated else x for i, x in enumerate(inputs)]
        told = _call_site(node, sub)
        if isinstance(sub, RandomModule) and sub._netgraph_computed_inline is not None and not self.checks_inline_draws:
            told["unchecked"] = True
        if runs_user_code(node.layer):
            return _own_module_outputs(node, sub, inputs, self.batch_size, told,
                                       self.module.__dict__.get("_netgraph_own_output_dtypes", {}).get(node.path, ()))
        result = sub(*inputs, **told) if node.input_ports else sub(self.batch_size, **told)
        return result if len(node.output_ports) > 1 else (result,)


def _own_module_outputs(node: Node, sub: torch.nn.Module, inputs: Sequence[torch.Tensor], batch: int | None,
                        told: dict[str, Any], probed: tuple | None = ()) -> tuple:
    """The outputs of a layer running its author's code (``runs_user_code``) as the compiled forward gives them:
    those the meta probe found floating in another dtype than the working one cast (``recast_call``), or checked
    (``checked_outputs``) where ``probed`` is None (a user's own module that could not run on meta tensors); an error
    raised inside the module as the "module-error" DataError naming the layer."""
    try:
        result = sub(*inputs, **told) if node.input_ports else sub(batch, **told)
    except Exception as exc:
        if not blames_module(exc):
            raise
        error = layer_module_error(node.layer, node.path, exc)
    else:
        real = first_real(node.input_ports, node.types)
        to = inputs[real].dtype if real is not None else torch.get_default_dtype()
        if probed is None:
            result, probed = checked_outputs(result, tuple(tuple(node.types[p].shape) for p in node.output_ports),
                                             node.path, tuple(node.output_ports), node.layer.type_name, INFER, to), ()
        outputs = tuple(result) if len(node.output_ports) > 1 else (result,)
        if hasattr(type(node.layer), "probed_dtypes"):  # else ``probed``: a user's own module's, found when compiled
            probed = node.layer.probed_dtypes(node.types)
        recast = outputs_to_recast(probed, node.types, node.output_ports)
        check_layer_output_lengths(node.layer, node.path, node.types, inputs, outputs)
        return tuple(o.to(to) if i < len(recast) and recast[i] else o for i, o in enumerate(outputs))
    raise error  # outside the except: in place of the module's error, as the compiled module raises it


def _call_site(node: Node, sub: torch.nn.Module) -> dict[str, Any]:
    """What the compiled forward tells a random layer's module at its call (its label, path, the ports the data feeds),
    so that its messages are the same layer by layer."""
    if isinstance(sub, (RandomModule, KLModule)):
        return {"label": _label(node.path), "path": node.path, "given": node.given}
    return {}


def interpret(net: Any, module: torch.nn.Module, /, *data: torch.Tensor, **inputs: torch.Tensor) -> Any:
    """Run ``net`` with the submodules of ``module`` (a compiled ``net``) on batched ``inputs`` (or, for a net with
    one input, one positional tensor, as ``net(x)``); a net without inputs takes ``batch_size=n`` (n examples; none:
    one without the batch dim), as ``module(batch_size=n)``. ``net`` and ``module`` are positional only, so that
    input ports may have those names.

    >>> import torch
    >>> from netgraph import NetChain, LinearLayer, net_initialize
    >>> net = net_initialize(NetChain([LinearLayer(2), "Tanh"], input=3), seed=0)
    >>> module, x = net.compile(), torch.ones(4, 3)
    >>> torch.equal(interpret(net, module, x), module(x))
    True
    """
    _check_module(net, module)  # first: a tensor given in its place (the module forgotten) is no missing port
    ports = tuple(net.input_ports)
    if data:
        inputs = _positional_input(ports, data, inputs)
    size = inputs.pop("batch_size", None) if not ports else None  # with inputs, a port may be named batch_size
    if set(inputs) != set(ports):  # a misnamed port once reached a layer as None (a TypeError inside torch)
        _refuse_ports(net, ports, inputs)
    batch = _batch_size(net, module, inputs, size)
    try:
        if ports:  # lengths of 0, differing shared lengths, too short for a layer: the compiled forward's DataError
            _check_lengths(net, inputs)
        outputs = ModuleRunner(net, module, batch).run(inputs)
    except Exception as exc:  # torch's (or Python's) error inside a layer: blame the input that explains it, if any
        if own_layer_error(exc):  # (not a fixed-length fold's blame of its inputs: the input's, as compiled)
            raise  # a layer's own DataError (not an operator's inner net's blame of its own inputs)
        error = _input_error(net, module, inputs)
        if error is None:  # the inputs fit: the error itself (torch's, not an operator's inner net's blame of its own)
            raise getattr(exc, "replaced_error", None) or exc
        raise error from exc
    if not inputs and size is None:
        outputs = {p: v[0] for p, v in outputs.items()}
    return next(iter(outputs.values())) if len(outputs) == 1 else outputs


def _check_lengths(net: Any, inputs: dict[str, torch.Tensor]) -> None:
    """The compiled forward's checks of the inputs' variable lengths (``length_check_lines``): a length of 0, ports
    sharing a length ("n") given different ones, a length too short for a layer (a kernel of 3); a DataError as
    net(x)'s, not torch's error from inside a layer (or a value where the compiled module refuses the inputs)."""
    for port, x in inputs.items():
        shape = getattr(net.port_types[port], "shape", None)
        lengths = (x.shape[a + 1] for a, d in enumerate(shape or ()) if isinstance(d, str))  # read as the compiled
        # forward's ``or`` chain reads them (``length_check_lines``), stopping at the first 0: an input lacking a
        # later dim (one example) fails here as there, and ``interpret`` raises the module's DataError
        if 0 in lengths and (problem := empty_length_problem(port, shape, tuple(x.shape))):
            raise DataError(problem.message, diagnostics=[problem])
    check_input_lengths(net, lambda port, axis: inputs[port].shape[axis + 1])


def _positional_input(ports: tuple[str, ...], data: tuple, inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs of ``interpret(net, module, x)``: one tensor for a net with one input and no keywords, as net(x)."""
    if len(data) == 1 and len(ports) == 1 and not inputs:
        return {ports[0]: data[0]}
    keywords = ", ".join(f"{p}=..." for p in ports) or "batch_size=..."
    raise DataError(f"interpret: pass a single positional tensor only to a net with one input and no keyword inputs; "
                    f"this net's inputs are {list(ports)}: call interpret(net, module, {keywords})",
                    kind="positional-data", expected="one positional tensor for a net with one input", found=len(data))


def _refuse_ports(net: Any, ports: tuple[str, ...], inputs: dict[str, Any]) -> None:
    """One DataError with an "input-port" Diagnostic for each unknown and each missing port, as net(x)'s."""
    wrong = [unknown_port(k, ports, did_you_mean(k, ports), listed=False) for k in inputs if k not in ports]
    wrong += [missing_port(p, net.port_types[p].shape, shown=False) for p in ports if p not in inputs]
    raise DataError(f"interpret: {'; '.join(d.message for d in wrong)}; the net's inputs are {list(ports)}",
                    diagnostics=wrong)


def _batch_size(net: Any, module: Any, inputs: dict[str, Any], size: Any) -> int | None:
    """The leading size of the net's first input (with none: ``size``, checked, else 1); None for a 0-d one, run as
    the compiled module runs it (a layer that reads the batch size fails then, and the module's DataError is raised);
    a DataError if an input is no tensor."""
    no_tensors = [(p, x) for p, x in inputs.items() if not isinstance(x, torch.Tensor)]
    if no_tensors:
        port, x = no_tensors[0]
        raise _input_error(net, module, inputs) or DataError(
            "interpret: inputs must be batched tensors", kind="data-shape", layer=(), port=port,
            expected="a batched tensor", found=type_label(x))
    if not inputs:
        return 1 if size is None else checked_batch_size(size, largest_batch(net), module)
    first = inputs[next(iter(net.input_ports))]  # the compiled forward's batch_size = <first port>.shape[0]
    return first.shape[0] if first.dim() else None


def _input_error(net: Any, module: Any, inputs: dict[str, Any]) -> DataError | None:
    """The DataError naming the first input that does not fit its port, as the compiled module gives, else None."""
    problem = module_input_problem(net, module, inputs, who="interpret")
    return None if problem is None else DataError(problem.message, diagnostics=[problem])


def _check_module(net: Any, module: Any) -> None:
    """OptionError unless ``module`` has a submodule for every layer of ``net`` (a KeyError or AttributeError from
    inside the walk once said no more than a layer's name)."""
    if not isinstance(module, torch.nn.Module):
        raise OptionError(f"interpret: module must be the nn.Module net.compile() made, found {type(module).__name__}",
                          option="module", kind="option-value", expected="the nn.Module net.compile() made",
                          found=type_label(module))
    for node in net.ir.nodes:
        try:
            submodule(module, node.path)
        except (KeyError, AttributeError):
            have = list(getattr(module, "_modules", {}))
            raise OptionError(f"interpret: module is not a compiled form of this net: it has no submodule for layer "
                              f"{shown_path(node.path)!r} (its submodules are {have[:10]}"
                              f"{', ...' if len(have) > 10 else ''}); pass net.compile()", option="module",
                              kind="module-mismatch", layer=node.path, found=tuple(have),
                              expected=f"a submodule for layer {shown_path(node.path)!r}") from None
