"""``net_port_gradient``: gradients of a net's summed outputs with respect to its inputs (Wolfram's NetPortGradient).

>>> import torch
>>> from netgraph import NetGraph, ElementwiseLayer
>>> net = NetGraph([ElementwiseLayer("Sin")], [], Input=2)
>>> x = torch.tensor([[0.0, 1.0]])
>>> torch.allclose(net_port_gradient(net, x), torch.cos(x))
True
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import torch

from netgraph.backend.eval_options import (OPTION_NAMES, call_by_name, check_port_names, compiled_module, in_batches, seeded,
                                           snake_options, split_call)
from netgraph.backend.gradient_seeds import (batched, dense_seeds, example_seeds,  # (per-example seeds)
                                             group_seeds, seed_misfit)
from netgraph.backend.evaluation import encode_inputs, prepare_inputs, probe_net
from netgraph.backend.port_tensors import as_port_tensor
from netgraph.backend.ragged import dense_groups, ragged_ports, reassemble, stacked_examples
from netgraph.backend.data_shapes import shaped_by_data
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.graph import NetGraph
from netgraph.core.layer import Layer
from netgraph.core.layer_call import on_layer
from netgraph.core.muted_outputs import require_outputs
from netgraph.core.naming_scope import quoted
from netgraph.core.option_checks import true_or_false
from netgraph.core.ports import NetPort
from netgraph.core.types import INTEGER
from netgraph.layers.bad_index import examples_at
from netgraph.layers.estimators import EstimatorWarning, pending_records
from netgraph.layers.score_baselines import example_logp, leave_one_out_term, mixes_examples

__all__ = ["net_port_gradient"]


def net_port_gradient(net: Any, data: Any, wrt: Any = None, of: Any = None, **options: Any) -> Any:
    """The gradient of the sum of the outputs with respect to input port ``wrt`` (a name, or a list for a dict).

    ``net`` is a net or a layer (its one-layer net, ``NetGraph(layer)``). ``data`` is what ``net(data)`` takes: one
    tensor for a one-input net, or a dict by port name (at a port of unknown shape, one example or a list). ``wrt``
    defaults to every real input port (one gives a tensor, several a dict; ``"All"``, Wolfram's
    ``NetPortGradient[All]``, gives them as a dict). ``of`` picks the outputs summed (a name or a list; default
    every real one; a layer's port too, ``NetPort("lin", "Output")``, as ``net(x, outputs=...)`` takes it), or seeds
    each output's gradient (a dict ``{port: tensor}``,
    the tensor of the port's shape, applied to every example, or with a row per example: a vector-Jacobian
    product, Wolfram's ``NetPortGradient["Output"] -> g``). Options are those of ``net(...)``: ``batch_size``, ``mode``,
    ``seed``, ``precision``; ``score_whole_batch=True`` scores every discrete draw by the batch's summed outputs, as
    ``surrogate_loss``'s (unbiased where outputs mix examples in Python code netgraph cannot see). The net's arrays
    are unchanged and no gradient is left on them. A variable-length port takes ragged data as ``net(...)`` does (a
    list of per-example sequences, or Padded): each length group runs as a dense batch, and the gradient at such a
    port is a list of per-example tensors, each of its length; a sequence output's seeds are then per example too
    (a list of tensors, or Padded).

    >>> import torch
    >>> from netgraph import ElementwiseLayer
    >>> x = torch.tensor([[0.0, 1.0, -2.0]])
    >>> net_port_gradient(ElementwiseLayer("Tanh", input=3), x)  # d tanh(x) / dx = 1 - tanh(x)^2
    tensor([[1.0000, 0.4200, 0.0707]])
    """
    if isinstance(net, Layer) and not isinstance(net, NetGraph):  # Wolfram's NetGraph[layer]
        return on_layer(net, lambda one: net_port_gradient(one, data, wrt, of, **options))
    if not isinstance(net, NetGraph):
        raise OptionError(f"net_port_gradient takes a net or a layer as its first argument, found "
                          f"{type(net).__name__}", option="net", kind="not-a-net",
                          expected="a NetGraph, a NetChain or a layer", found=type(net).__name__)
    options, wrt, of = _checked_options(net, options), _named(wrt), _named(of)
    whole_batch = true_or_false(options.pop("score_whole_batch", False), "score_whole_batch", "net_port_gradient")
    net, of = _probed(net, of)
    require_outputs(net, "net_port_gradient", "to differentiate", "of")  # (a layer's port of= names is one by now)
    call, parsed = split_call(net.input_ports, (data,), options)
    encoded = encode_inputs(net, call["args"], call["inputs"], ragged=False)  # files, labels ... (texts padded)
    net, encoded = shaped_by_data(net, encoded)  # ports of unknown shape: as net(x), one example or a list of them
    types = net.port_types
    real = tuple(p for p in net.input_ports if types[p].dtype != INTEGER)
    every = isinstance(wrt, str) and wrt == "All" and wrt not in net.input_ports  # Wolfram's NetPortGradient[All]
    if (wrt is None or every) and not real:
        raise OptionError(f"net_port_gradient: every input port of this net takes integers (dtype Integer: "
                          f"{', '.join(net.input_ports)}), so there is nothing to differentiate by", option="wrt",
                          kind="no-gradient", expected="a Real input port", found=tuple(net.input_ports))
    encoded = stacked_examples(net, encoded)  # a list of examples of a fixed-shape port: one batch
    ragged = ragged_ports(net, encoded)
    tensors, single = (None, False) if ragged else prepare_inputs(net, (), encoded, parsed.precision)
    wrt = list(real) if every else wrt  # every real input port, as a dict
    ports = check_port_names(real if wrt is None else wrt, net.input_ports, "an input port", "wrt")
    integer = [p for p in ports if p not in real]
    if integer:
        raise OptionError(f"wrt=: input port {integer[0]!r} takes integers (dtype Integer) and has no gradient",
                          option="wrt", port=integer[0], layer=(), kind="no-gradient", expected="a Real input port",
                          found=integer[0])
    if ragged:
        result = _by_length(net, encoded, ragged, ports, of, {**options, "score_whole_batch": whole_batch},
                            parsed.precision)
        return _picked(result, ports, wrt)
    total = next(iter(tensors.values())).shape[0] if tensors else 1
    seeds = _output_seeds(net, dense_seeds(net, of, total), parsed.precision)  # per-example seeds: one batch
    module = compiled_module(net, parsed)
    tensors = {**tensors, **_per_example(net, seeds, total)}  # sliced with the examples by batch_size
    gradients = functools.partial(_batch_gradients, module, seeds, ports, types, net.output_ports[0], of is not None,
                                  whole_batch)
    with seeded(parsed.seed):
        result = in_batches(gradients, tensors, parsed.batch_size)
    if single:
        result = {p: g[0] for p, g in result.items()}
    return _picked(result, ports, wrt)


def _named(ports: Any) -> Any:
    """``wrt`` or ``of`` with each graph port's ``NetPort("x")`` as its name ``"x"`` (alone, in a list, a dict's key),
    as ``net(x, outputs=NetPort("Output"))`` takes it."""
    return _each_port(ports, lambda p: p.port if isinstance(p, NetPort) and p.layer is None else p)


def _probed(net: NetGraph, of: Any) -> tuple[NetGraph, Any]:
    """``net`` with each layer port that ``of`` names (``NetPort("lin", "Output")``) a graph output, as
    ``net(x, outputs=...)`` makes it (``probe_net``), and ``of`` naming those outputs."""
    listed = list(of) if isinstance(of, (Mapping, list, tuple)) else [of]
    inner = tuple(dict.fromkeys(p for p in listed if isinstance(p, NetPort)))  # a graph port is its name by now
    if not inner:
        return net, of
    net, names = probe_net(net, inner)
    name = dict(zip(inner, names))
    return net, _each_port(of, lambda p: name.get(p, p))


def _each_port(ports: Any, rename: Callable[[Any], Any]) -> Any:
    """``ports`` (one port, a list of them or a dict keyed by them: ``wrt`` or ``of``) with ``rename`` of each."""
    if isinstance(ports, Mapping):
        return {rename(k): v for k, v in ports.items()}
    return [rename(p) for p in ports] if isinstance(ports, (list, tuple)) else rename(ports)


def _checked_options(net: NetGraph, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` by their snake_case names (Wolfram's names too: ``RandomSeeding=...``); OptionError for one
    ``net(...)`` takes that a gradient has no use for, an unknown one, or a net without inputs."""
    names = (*(n for n in OPTION_NAMES if n not in ("decoder", "outputs")), "score_whole_batch")  # nothing to decode
    options = dict(snake_options((), options))
    if "outputs" in options:
        raise OptionError("net_port_gradient: outputs= is an option of net(...); name the outputs to "
                          "differentiate with of= (e.g. of='Output')", option="outputs", kind="unknown-option",
                          expected=("wrt", "of", *names), found="outputs")
    unknown = [k for k in options if k not in names]
    if unknown:
        raise OptionError(f"net_port_gradient: unknown option {unknown[0]!r}{did_you_mean(unknown[0], names)}; "
                          f"options are wrt, of, {', '.join(names)}", option=unknown[0], kind="unknown-option",
                          expected=("wrt", "of", *names), found=unknown[0])
    if not net.input_ports:
        raise OptionError("net_port_gradient: this net has no input ports, so there is nothing to differentiate by",
                          option="wrt", kind="no-gradient", expected="an input port", found=())
    return options


def _batch_gradients(module: torch.nn.Module, seeds: dict[str, Any], ports: tuple, types: Mapping, sole: str,
                     chosen: bool, whole_batch: bool, batch: dict[Any, torch.Tensor]) -> dict[str, torch.Tensor]:
    """One batch's gradients at the input ``ports`` (of a net with port ``types``, compiled: ``module``, whose
    output is ``sole`` when it returns one tensor) of the outputs summed with their ``seeds`` (an output's row
    ``("of", port)`` in the batch when given per example); ``chosen``: the outputs were named (else the real ones
    are summed); ``whole_batch``: every discrete draw scored by the batch's summed outputs (``_score_term``)."""
    given = {p: batch.get(("of", p), seed) for p, seed in seeds.items()}
    batch = {p: x.detach().requires_grad_(True) if p in ports else x for p, x in batch.items() if p in types}
    with torch.enable_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimatorWarning)  # its advice, module.surrogate_loss, is not for here
        out = call_by_name(module, batch)
        out = out if isinstance(out, dict) else {sole: out}
        summed = [p for p in seeds if chosen or out[p].is_floating_point()]  # default: real outputs
        parts = [_summed(out[p], given[p], p) for p in summed]
        total = sum(part.sum() for part in parts) + _score_term(module, sum(parts), whole_batch)
        wanted = [batch[p] for p in ports]
        differentiable = isinstance(total, torch.Tensor) and total.requires_grad
        found = torch.autograd.grad(total, wanted, allow_unused=True) if differentiable else [None] * len(wanted)
    return {p: torch.zeros_like(x) if g is None else g for p, x, g in zip(ports, wanted, found)}


def _score_term(module: torch.nn.Module, losses: Any, whole_batch: bool = False) -> Any:
    """The score-function term (value 0) of the discrete draws of this batch, whose per-example ``losses`` (the
    outputs summed per example) it scores: each example's draws by its loss less the mean loss of the others
    (leave-one-out, ``leave_one_out_term``), else every draw by the batch's summed loss (one example, draws that are
    not one per example, a layer mixing examples: batch norm in mode="train", or ``whole_batch``, as surrogate_loss's
    ``score_whole_batch``). No running mean: a call leaves no state behind."""
    terms, mixed = [], True if whole_batch else None
    n = losses.shape[0] if isinstance(losses, torch.Tensor) and losses.dim() == 1 else 0
    for record in pending_records(module):
        record.used = True
        logp = example_logp(record, n)
        if n and mixed is None:  # without per-example losses every draw is scored by the sum: mixing is moot
            mixed = mixes_examples(module.modules())
        term = leave_one_out_term(logp, losses if n else None, bool(mixed))
        terms.append(term if term is not None else torch.as_tensor(losses).sum().detach().to(logp.dtype) *
                     (logp - logp.detach()).sum())
    return sum(terms)


def _picked(result: dict[str, Any], ports: list[str], wrt: Any) -> Any:
    """The one port's gradient when ``wrt`` names one (or, None, the net has one real input), else all by port."""
    return result[ports[0]] if isinstance(wrt, str) or (wrt is None and len(ports) == 1) else result


def _by_length(net: Any, data: dict[str, Any], ragged: list[str], ports: list[str], of: Any, options: dict,
               dtype: torch.dtype | None) -> dict[str, Any]:
    """``net_port_gradient`` of ragged data by port, as ``net(list)`` runs it by length groups: the gradients of each
    group's dense batch, in the original order; a ragged port's are a list of per-example tensors of each one's
    length."""
    groups, total, batches = dense_groups(net, data, ragged, lambda p, v, i: as_port_tensor(p, v, i, dtype))
    of, parts = example_seeds(of, total), []
    for idx, dense in zip(groups, batches):
        with examples_at(idx):  # an error naming an example in the group names the user's
            try:
                parts.append(net_port_gradient(net, dense, wrt=list(ports), of=group_seeds(net, of, idx, total),
                                               **options))
            except OptionError as error:
                if error.option != "of" or error.kind != "data-shape":
                    raise
                raise seed_misfit(net, error, of, idx, total) from None
    return reassemble(parts, groups, total, lambda port: port in ragged)


def _per_example(net: Any, seeds: dict[str, torch.Tensor | None], total: int) -> dict:
    """The seeds with a batch dim (a row per example of the ``total``), keyed ``("of", port)`` beside the batch's
    inputs."""
    return {("of", p): seed for p, seed in seeds.items() if batched(net, p, seed, total)}


def _output_seeds(net: Any, of: Any, dtype: torch.dtype | None) -> dict[str, torch.Tensor | None]:
    """Output port -> the gradient it is seeded with (None: ones, i.e. the output is summed)."""
    if isinstance(of, Mapping):
        names = check_port_names(list(of), net.output_ports, "an output port", "of")
        return {p: as_port_tensor(p, of[p], integer=False, dtype=dtype) for p in names}
    names = check_port_names(list(net.output_ports) if of is None else of, net.output_ports, "an output port", "of")
    return dict.fromkeys(names)


def _summed(output: torch.Tensor, seed: torch.Tensor | None, port: str) -> torch.Tensor:
    """The output (times its seed) summed over each example's dims: one value per example."""
    if not output.is_floating_point():
        raise OptionError(f"of=: output port {quoted(port)} gives integers ({output.dtype}) and has no gradient; "
                          f"name the real outputs with of=", option="of", port=port, layer=(), kind="no-gradient",
                          expected="a Real output port", found=output.dtype)
    if seed is not None and (seed.dim() > output.dim() or seed.shape != output.shape[output.dim() - seed.dim():]):
        raise OptionError(f"of=: the gradient given for output port {quoted(port)} has shape {tuple(seed.shape)}, "
                          f"the output has shape {tuple(output.shape)}", option="of", port=port, layer=(), kind="data-shape",
                          expected=tuple(output.shape), found=tuple(seed.shape))
    seeded_output = output if seed is None else output * seed.to(output.device)
    return seeded_output.flatten(1).sum(1) if seeded_output.dim() > 1 else seeded_output
