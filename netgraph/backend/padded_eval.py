"""``net(...)`` on sequences of different lengths as one padded batch (``netgraph.backend.masks``).

``evaluate_padded`` pads the ragged ports (lists of sequences, or ``Padded`` values), runs the net's cached
padded module with the lengths, and gives every output that is a padded sequence back as a list of tensors
cut to their lengths. It returns ``FALLBACK`` when the net must run by length groups instead: a padded value
would reach a layer that does not honour lengths, or the call asks for states or probes.

>>> import torch
>>> from netgraph import NetChain, GatedRecurrentLayer, net_initialize
>>> gru = net_initialize(NetChain([GatedRecurrentLayer(2)], input=["n", 1]), seed=0)
>>> [y.shape for y in gru([torch.ones(2, 1), torch.ones(4, 1)])]
[torch.Size([2, 2]), torch.Size([4, 2])]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from netgraph.backend.derived_lengths import check_input_lengths
from netgraph.backend.eval_options import (EvaluationOptions, call_by_name, evaluation_ready, in_batches,
                                           outside_transforms, seeded)
from netgraph.backend.input_lengths import empty_length_problem
from netgraph.backend.masks import Fallback, Padded, check_padded, compile_padded, output_lengths, pad, unpad
from netgraph.core.errors import DataError, Diagnostic, raise_all
from netgraph.core.naming_scope import quoted
from netgraph.core.types import INTEGER, format_shape
from netgraph.core.wording import counted
from netgraph.layers.random import distribution_checks

__all__ = ["FALLBACK", "evaluate_padded", "padded_module", "examples_of", "beside_ragged"]

FALLBACK = object()


def padded_module(net: Any, ports: tuple[str, ...], options: EvaluationOptions) -> Any:
    """The net's padded module for lengths at ``ports`` (mode, precision as ``options``), cached on the net;
    FALLBACK when the net cannot run padded."""
    key = ("padded", ports, distribution_checks(), options.mode, options.dtype)
    if net._compiled is None:
        net._compiled = {}
    if key not in net._compiled:
        net._compiled[key] = outside_transforms(lambda: _padded_module(net, ports, options))
    return net._compiled[key]


def _padded_module(net: Any, ports: tuple[str, ...], options: EvaluationOptions) -> Any:
    try:
        module = compile_padded(net, ports, distribution_checks()).cached_by_net()
    except Fallback:
        return FALLBACK
    return evaluation_ready(module, options)  # constants, as compiled_module's arrays


def examples_of(net: Any, port: str, values: list, to_tensor: Callable, problems: list[str | Diagnostic]) -> list:
    """The examples of one ragged port as tensors of the port's dtype, each checked against the port's shape: a
    "data-shape" Diagnostic (of the graph's port, its example, the port's shape expected) added to ``problems`` for
    each that does not fit."""
    t = net.port_types[port]
    out = []
    for i, v in enumerate(values):
        x = to_tensor(port, v, t.dtype == INTEGER)
        if x.dim() != len(t.shape) or any(type(d) is int and d != n for d, n in zip(t.shape, x.shape)):
            detail = (f"example {i} has shape {tuple(x.shape)}, expected {format_shape(t.shape)} (one example, "
                      f"without a batch dim)")
            problems.append(Diagnostic(f"input port {quoted(port)}: {detail}", "data-shape", layer=(), port=port,
                                       expected=t.shape, found=tuple(x.shape), example=i, detail=detail))
        elif (empty := empty_length_problem(port, t.shape, x.shape, i)) is not None:
            problems.append(empty)
        out.append(x)
    return out


def _ragged_port(net: Any, port: str, value: Any, to_tensor: Callable) -> tuple[Any, torch.Tensor] | None:
    """One ragged port's value and lengths: a ``Padded`` value's padded tensor (its dtype the port's), or a list's
    examples as tensors, padded later a batch at a time (``_padded``); DataError when its shape does not fit;
    None when its examples differ in a dim past the first (``("n", "m", 3)``), which padding one dim cannot hold."""
    t = net.port_types[port]
    integer = t.dtype == INTEGER
    if not isinstance(value, Padded):
        problems: list[str | Diagnostic] = []
        examples = examples_of(net, port, value, to_tensor, problems)
        raise_all(problems, DataError, "bad ragged input")
        if len({x.shape[1:] for x in examples}) > 1:  # another variable dim differs too: run by shape groups
            return None
        return examples, torch.tensor([x.shape[0] for x in examples], dtype=torch.int64)
    data, lengths = check_padded(port, value)
    data = to_tensor(port, data, integer)
    if data.dim() != len(t.shape) + 1 or any(type(d) is int and d != n for d, n in zip(t.shape, data.shape[1:])):
        raise DataError(f"input port {quoted(port)}: padded data has shape {tuple(data.shape)}, expected (b, "
                        f"{format_shape(t.shape)[1:-1]}) with b the batch size", port=port, layer=(), kind="data-shape",
                        expected=f"(b, {format_shape(t.shape)[1:-1]})", found=tuple(data.shape))
    return data, lengths


def _padded(value: Any) -> torch.Tensor:
    """A batch of a ragged port's value: a list's examples padded to the longest of them alone (here, so that a
    batch's padding, not the whole call's, bounds the memory), a tensor as given."""
    return pad(value)[0] if isinstance(value, list) else value


def evaluate_padded(net: Any, data: dict[str, Any], ragged: list[str], options: EvaluationOptions,
                    to_tensor: Callable, decode: Callable) -> Any:
    """The call's outputs from padded runs, a batch of ``batch_size`` examples at a time (each padded on its own),
    or FALLBACK (see the module doc)."""
    if options.outputs:
        return FALLBACK
    module = padded_module(net, tuple(ragged), options)
    if module is FALLBACK or any(module._netgraph_route.outputs.get(p) for p in net.coders if p in net.output_ports):
        return FALLBACK
    values, lengths = {}, {}
    for port in ragged:
        if (found := _ragged_port(net, port, data[port], to_tensor)) is None:
            return FALLBACK
        values[port], lengths[port] = found
    total = next(iter(lengths.values())).shape[0]
    if any(n.shape[0] != total for n in lengths.values()):
        raise DataError(f"ragged input ports hold different numbers of examples: "
                        f"{ {p: int(n.shape[0]) for p, n in lengths.items()} }; each port needs one per example",
                        kind="data-shape", layer=(), expected="one number of examples",
                        found={p: int(n.shape[0]) for p, n in lengths.items()})
    types = net.port_types
    for port, value in data.items():
        if port not in values:
            values[port] = beside_ragged(port, to_tensor(port, value, types[port].dtype == INTEGER), total)

    def sizes(p: str, axis: int) -> Any:
        return lengths[p] if axis == 0 and p in lengths else values[p][0].shape[axis] if isinstance(
            values[p], list) else values[p].shape[axis + 1]

    check_input_lengths(net, sizes)
    grad = torch.is_grad_enabled() and any(x.requires_grad for v in values.values() for x in
                                           (v if isinstance(v, list) else [v]))
    names = module._netgraph_lengths_arguments

    def run(batch: dict[str, Any]) -> Any:  # the padded module on a batch, its outputs cut to their lengths
        result = call_by_name(module, {p: _padded(v) for p, v in batch.items()})
        cut = output_lengths(module._netgraph_route, {p: batch[names[p]] for p in lengths})
        if not isinstance(result, dict):
            return result if cut[net.output_ports[0]] is None else unpad(result, cut[net.output_ports[0]])
        return {p: x if cut.get(p) is None else unpad(x, cut[p]) for p, x in result.items()}
    with torch.set_grad_enabled(grad), seeded(options.seed):
        result = in_batches(run, {**values, **{names[p]: n for p, n in lengths.items()}}, options.batch_size)
    return decode(net, result, options.decoder)


def beside_ragged(port: str, x: torch.Tensor, total: int) -> torch.Tensor:
    """``x``, given at ``port`` as one batched tensor beside ragged inputs of ``total`` examples; a DataError
    ("data-shape") when it is no batch of that many."""
    if x.dim() == 0 or x.shape[0] != total:
        raise DataError(f"input port {quoted(port)}: beside ragged inputs of {counted(total, 'example')}, expected a "
                        f"batched tensor of {counted(total, 'example')} along dim 0, found shape {tuple(x.shape)}",
                        port=port, layer=(), kind="data-shape", expected=total, found=tuple(x.shape))
    return x
