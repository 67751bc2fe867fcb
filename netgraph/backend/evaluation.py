"""Calling a NetGraph: check the data against the input ports, run the cached compiled module.

``net(x, batch_size=..., mode=..., seed=..., precision=...)`` takes the evaluation options of
``netgraph.backend.eval_options``; the data may also be one dict by port name (``net({"x": a, "y": b})``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from netgraph.backend.data_shapes import shaped_by_data
from netgraph.backend.derived_lengths import check_input_lengths
from netgraph.backend.eval_options import (CALL_KEYWORDS, OTHER_KEYWORDS, EvaluationOptions, call_by_name, working_dtype,
                                           compiled_module, in_batches, seeded, snake_options, split_call)
from netgraph.backend.input_lengths import empty_length_problem
from netgraph.backend.module_inputs import missing_port, unknown_port
from netgraph.backend.plain_call import plain_call
from netgraph.backend.port_tensors import as_port_tensor, cast_underflow
from netgraph.backend.shape_hints import layout_hint
from netgraph.backend.masks import Padded, as_lists
from netgraph.backend.ragged import Calls, evaluate_ragged, is_ragged, ragged_ports, stacked_examples
from netgraph.backend.states import split_state_keywords, states_need_grad, with_states
from netgraph.core.coders import Decoder, Encoder, TokensEncoder
from netgraph.core.errors import DataError, OptionError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.data import decode, decode_where_fits, encode
from netgraph.core.port_coders import checked_coders
from netgraph.core.ports import NetPort
from netgraph.core.torch_state import cpu_tensors
from netgraph.core.types import INTEGER, format_shape
from netgraph.layers.random import distribution_checks

__all__ = ["evaluate", "prepare_inputs", "compiled_for_evaluation", "run_module", "probe_net"]


def by_port(ports: tuple[str, ...], args: tuple, inputs: dict[str, Any]) -> dict[str, Any]:
    """The call's data by port name: one positional value is the only input port's."""
    if not args:
        return inputs
    if len(args) != 1 or len(ports) != 1 or inputs:
        raise DataError(f"pass a single positional tensor only to a net with one input; this net's inputs "
                        f"are {list(ports)}: call net({', '.join(f'{p}=...' for p in ports)})",
                        kind="positional-data", layer=(), expected=ports, found=len(args))
    return {ports[0]: args[0]}


def prepare_inputs(net: Any, args: tuple, inputs: dict[str, Any],
                   dtype: torch.dtype | None = None) -> tuple[dict[str, torch.Tensor], bool]:
    """Tensors by port name with a batch dim, and whether the caller gave one unbatched example.

    Raises one DataError naming each missing, unknown or mis-shaped port. A tensor already of the port's
    dtype and rank (plus batch) goes straight through; anything else takes ``as_port_tensor``.

    >>> import torch
    >>> from netgraph import NetChain, LinearLayer
    >>> net = NetChain([LinearLayer(2)], input=3)
    >>> prepare_inputs(net, (torch.zeros(3),), {})  # one example: given a batch dim, and said to be unbatched
    ({'Input': tensor([[0., 0., 0.]])}, True)
    """
    ports = net.input_ports
    inputs = by_port(ports, args, inputs)
    if len(inputs) != len(ports) or any(p not in inputs for p in ports):
        _wrong_ports(net, ports, inputs)
    empty = [p for p, v in inputs.items() if isinstance(v, (list, tuple)) and not v]
    if empty:
        raise DataError(f"input port {empty[0]!r}: no examples (an empty list); give one example or more",
                        kind="missing-data", layer=(), port=empty[0], expected="one example or more", found=0)
    types, tensors, unbatched, single = net.port_types, {}, [], []
    for p in ports:
        t = types[p]
        x = _ready(inputs[p], t.dtype == INTEGER, dtype or working_dtype())
        if x is None:
            x = as_port_tensor(p, inputs[p], integer=t.dtype == INTEGER, dtype=dtype, net=net, shape=t.shape)
        if t.shape is None:  # rank unknown: compiling reports the missing shape
            tensors[p] = x
            continue
        tensors[p] = x = _batched(p, x, t.shape, unbatched, t.dtype == INTEGER)
        if unbatched[-1]:
            single.append(p)
    if len(tensors) > 1 and len({x.shape[0] for x in tensors.values()}) > 1:
        hint = (f"; {single} got one example without a batch dim, the others a batch: give every input a batch dim, "
                f"or none" if single and len(single) < len(tensors) else "")
        sizes = {p: 'no batch dim' if p in single else x.shape[0] for p, x in tensors.items()}
        raise DataError(f"input ports have different batch sizes: {sizes}{hint}", kind="data-shape", layer=(),
                        port=next(iter(sizes)), found=sizes)  # as the compiled module's (module_inputs)
    check_input_lengths(net, lambda p, axis: tensors[p].shape[axis + 1])
    return tensors, bool(unbatched) and all(unbatched)


def _wrong_ports(net: Any, ports: tuple[str, ...], inputs: dict[str, Any]) -> None:
    """One DataError with an "input-port" Diagnostic for each unknown and each missing port, as the compiled
    module's (``module_inputs``)."""
    problems = [unknown_port(k, ports, _suggestion(k, ports)) for k in inputs if k not in ports]
    problems += [missing_port(p, net.port_types[p].shape) for p in ports if p not in inputs]
    raise DataError("; ".join(d.message for d in problems), diagnostics=problems)


def _suggestion(key: str, ports: tuple[str, ...]) -> str:
    """A close port name, else a close keyword of net(...) (a misspelt option reads as a port)."""
    close = did_you_mean(key, ports)
    if not close and key in OTHER_KEYWORDS:
        return OTHER_KEYWORDS[key]
    if close or not (option := did_you_mean(key, CALL_KEYWORDS)):
        return close
    return option.replace("did you mean ", "did you mean the option ")


def _ready(value: Any, integer: bool, real: torch.dtype) -> torch.Tensor | None:
    """``value`` itself when it is a dense CPU tensor of the port's dtype already (the fast path), else None."""
    if type(value) is not torch.Tensor or value.layout != torch.strided or value.is_nested or not value.is_cpu:
        return None
    return value if value.dtype == (torch.int64 if integer else real) else None


def _batched(port: str, x: torch.Tensor, shape: tuple, unbatched: list[bool], integer: bool) -> torch.Tensor:
    """``x`` with a leading batch dim (added to one example); a DataError when its shape does not fit (``integer``:
    the port takes indices)."""
    rank, given = len(shape), tuple(x.shape)
    unbatched.append(x.dim() == rank)
    if x.dim() == rank:
        x = x.unsqueeze(0)
    if x.dim() != rank + 1 or any(d is not None and not isinstance(d, str) and d != n
                                  for d, n in zip(shape, x.shape[1:])):
        batch = f"(b, {format_shape(shape)[1:-1]})" if shape else "(b)"
        expected = f"one example of shape {format_shape(shape)} or a batch {batch}" if unbatched[-1] else \
            f"shape {batch}"  # the shape as given, never with the batch dim added to one example
        raise DataError(f"input port {quoted(port)}: expected {expected} with b the batch size, found {given}"
                        f"{_hint(shape, given, unbatched[-1], integer)}", kind="data-shape", layer=(), port=port,
                        expected=shape, found=given)  # the facts of the compiled module's (module_inputs._problem)
    if (empty := empty_length_problem(port, shape, *((x.shape[1:], 0) if unbatched[-1] else (x.shape,)))):
        raise DataError(empty.message, diagnostics=[empty])
    return x


def _hint(shape: tuple, given: tuple, unbatched: bool, integer: bool) -> str:
    """The layout hint for ``given``, read as one example first when it has the port's rank; one more dim given to
    an index port is also read as one example of one-hot rows."""
    hint = layout_hint(shape, given, integer, batched=False) if unbatched else ""
    hint = hint or layout_hint(shape, given, integer)
    return hint or (layout_hint(shape, given, integer, batched=False) if integer else "")


def compiled_for_evaluation(net: Any, options: EvaluationOptions | None = None) -> torch.nn.Module:
    """The net's compiled module (test mode, working precision, unless ``options`` say otherwise), cached."""
    return compiled_module(net, options or EvaluationOptions())


def evaluate(net: Any, args: tuple, keywords: dict[str, Any]) -> Any:
    """``net(...)``: run the cached module, under ``torch.no_grad()`` unless an input tensor requires grad
    (then gradients reach the inputs and the arrays, as in ``net.compile()(...)``). ``states=`` and
    ``return_states=True`` carry recurrent states across calls (``netgraph.backend.states``). On the CPU, where the
    arrays are, whatever torch's default device.

    >>> import torch
    >>> from netgraph import NetChain, LinearLayer, net_initialize
    >>> net, x = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0), torch.ones(4, 3)
    >>> torch.equal(evaluate(net, (x,), {}), net(x))
    True
    """
    with cpu_tensors():
        return _evaluate(net, args, keywords)


def _evaluate(net: Any, args: tuple, keywords: dict[str, Any]) -> Any:
    if len(args) == 1 and not keywords and (call := _plain_call(net)) is not None:
        result = call(args[0])  # the common call: from now on the net's __call__ runs this closure first
        if result is not None:
            return result
    keywords = snake_options(net.input_ports, keywords, draws=not net.input_ports)
    keywords, states, return_states = split_state_keywords(net, keywords)
    data, options = split_call(net.input_ports, args, keywords, net.output_ports)
    data = encode_inputs(net, data["args"], data["inputs"])
    net, data = shaped_by_data(net, data)  # ports of unknown shape: one example (or a list of them) fixes it
    data = stacked_examples(net, data)  # a list of examples of a fixed-shape port: one batch
    ragged = ragged_ports(net, data)
    if ragged:  # sequences of different lengths: one dense run per length (``netgraph.backend.ragged``)
        calls = Calls(evaluate, lambda p, v, integer: as_port_tensor(p, v, integer, options.precision, net), probe_net,
                      decode_outputs)
        try:
            return evaluate_ragged(net, data, ragged, keywords, states, return_states, calls)
        except DataError as exc:
            _refuse_underflow(exc, net, lambda port, i: _given_example(data[port], port, i, calls))
            raise
    tensors, single = prepare_inputs(net, (), data, options.precision)
    try:
        return _run(net, tensors, single, options, states, return_states)
    except DataError as exc:
        _refuse_underflow(exc, net, lambda port, i: (data[port] if single else data[port][i], tensors[port][i]))
        raise


def _refuse_underflow(exc: DataError, net: Any, example: Callable[[str, int], tuple[Any, torch.Tensor]]) -> None:
    """Where a layer refused a value the cast to the net's dtype made 0 (1e-300 in float32): say so. ``example(port,
    i)``: example ``i`` at ``port`` as given and as cast, read only for the port and example refused."""
    underflow = cast_underflow(exc, net, example)
    if underflow is not None:
        raise underflow from None


def _given_example(value: Any, port: str, i: int, calls: Calls) -> tuple[Any, torch.Tensor]:
    """Example ``i`` of variable-length ``value`` at ``port``, as given and as cast (only the refused port's data is
    unpadded, and only once a layer refused a 0: ``_refuse_underflow``)."""
    given = (as_lists(value, port) if isinstance(value, Padded) else value)[i]
    return given, calls.to_tensor(port, given, False)


def _run(net: Any, tensors: dict[str, torch.Tensor], single: bool, options: EvaluationOptions, states: Any,
         return_states: bool) -> Any:
    """``net(...)`` on its inputs as tensors (``single``: one example given unbatched), with its options."""
    grad = torch.is_grad_enabled() and any(x.requires_grad for x in tensors.values())
    if states is not None or return_states:
        if options.outputs:  # the states run returns the net's own outputs: a probe would be silently dropped
            raise OptionError("outputs= cannot be combined with states= or return_states=True: call the net once "
                              "with outputs= to probe and once with the states", option="outputs",
                              kind="option-combination", found=("outputs", "states" if states is not None else
                                                                "return_states"))
        with torch.set_grad_enabled(grad or (torch.is_grad_enabled() and states_need_grad(states))):
            outputs, finals = with_states(net, lambda n, t: run_module(n, t, options), tensors, single, states,
                                         options.dtype)
        outputs = decode_outputs(net, outputs, options.decoder)
        return (outputs, finals) if return_states else outputs
    if options.outputs:
        result = _probe(net, tensors, options, grad)
    else:
        with torch.set_grad_enabled(grad):
            result = decode_outputs(net, run_module(net, tensors, options), options.decoder)
    if single:
        return {k: v[0] for k, v in result.items()} if isinstance(result, dict) else result[0]
    return result


def encode_inputs(net: Any, args: tuple, inputs: dict[str, Any], ragged: bool = True) -> dict[str, Any]:
    """The call's data by port name, each encoded port's values encoded (``netgraph.data.encode``); texts of
    different lengths in the ragged form (``ragged``), so each sequence is read to its own length."""
    inputs = by_port(net.input_ports, args, inputs)
    coders = checked_coders(net)
    return {p: encode(coders[p], p, v, ragged=ragged) if _encodes(coders.get(p), v) else v for p, v in inputs.items()}


def _encodes(coder: Any, value: Any) -> bool:
    """Whether ``value`` goes through the port's encoder: not when it is token indices as a ragged list."""
    return isinstance(coder, Encoder) and not (isinstance(coder, TokensEncoder) and is_ragged(value))


def decode_outputs(net: Any, result: Any, prop: Any) -> Any:
    """Outputs with a decoder decoded (labels ...) as ``prop`` says; None leaves every tensor as it is."""
    decoders = {p: c for p, c in net.coders.items() if isinstance(c, Decoder)}
    if prop is None or not decoders:
        if prop is not None and prop[0] != "Decision":  # asked for probabilities or a top-k: never a silent tensor
            raise OptionError(f"decoder={prop[0]!r} needs an output with a decoder (ClassDecoder or BooleanDecoder); "
                              f"this net's outputs {list(net.output_ports)} have none, so it returns tensors",
                              option="decoder", kind="option-combination", expected="an output with a decoder",
                              found=prop[0])
        return result
    if not isinstance(result, dict):
        return decode(decoders[net.output_ports[0]], net.output_ports[0], result, prop)
    return decode_where_fits(decoders, result, prop)


def _probe(net: Any, tensors: dict[str, torch.Tensor], options: EvaluationOptions, grad: bool) -> Any:
    """``net(x, outputs=...)``: the values of the asked ports (tensors: decoders do not apply to probes)."""
    if options.decoder is not None and options.decoder[0] != "Decision":
        raise OptionError(f"decoder={options.decoder[0]!r} applies to the net's outputs; outputs= returns the asked "
                          f"ports' tensors, undecoded: call the net without outputs= for decoded values",
                          option="decoder", kind="option-combination", found=options.decoder[0])
    probed, names = probe_net(net, options.outputs)
    with torch.set_grad_enabled(grad):
        result = run_module(probed, tensors, options)
    result = result if isinstance(result, dict) else {probed.output_ports[0]: result}
    return result[names[0]] if options.one_output else {k: result[n] for k, n in zip(options.outputs, names)}


def probe_net(net: Any, ports: tuple) -> tuple[Any, tuple[str, ...]]:
    """``net`` with each of ``ports`` (output names or NetPorts, nested paths too) a graph output, and
    those outputs' names; the probing net is cached on ``net`` (its compiled module with it)."""
    cache = net._compiled if net._compiled is not None else {}
    net._compiled = cache
    key = ("outputs", ports)
    if key not in cache:
        probed, names = net, []
        for port in ports:
            probed, name = probed.with_output(NetPort(port) if isinstance(port, str) else port)
            names.append(name)
        cache[key] = probed, tuple(names)
    return cache[key]


_UNFIT = ("", (-1,), False)  # marks a net the plain call cannot serve (no input has this shape)


def _plain_call(net: Any) -> Callable[[Any], Any] | None:
    """A new closure serving ``net(x)`` (``netgraph.backend.plain_call``), bound to the cached test-mode module
    of the current distribution checks and working precision, when the net has one real input port of known
    shape and that module is compiled already; it is cached on the net (``net._plain_call``), replacing one
    bound to other settings. None otherwise, and when the cached closure has these settings (it refused ``x``
    itself)."""
    port, shape, integer = net.__dict__.get("_fast_input") or _fast_input(net)
    key = (distribution_checks(), "test", working_dtype())
    cache = net._compiled
    if not port or not cache or key not in cache or getattr(net._plain_call, "settings", None) == key:
        return None
    net._plain_call = call = plain_call(cache[key], shape, *key[::2], integer)
    call.settings = key
    return call


def _fast_input(net: Any) -> tuple[str, tuple, bool]:
    """The one input port, its shape (sizes and length names) and whether it takes indices when the plain call can
    serve the net, else ``_UNFIT``; cached."""
    t = net.port_types[net.input_ports[0]] if len(net.input_ports) == 1 else None
    fit = t is not None and t.shape is not None and all(type(d) in (int, str) for d in t.shape) \
        and not net.coders  # a decoder turns the outputs into labels (an encoder reads text): the general path
    net._fast_input = (net.input_ports[0], tuple(t.shape), t.dtype == INTEGER) if fit else _UNFIT
    return net._fast_input


def run_module(net: Any, tensors: dict[str, torch.Tensor], options: EvaluationOptions,
               module: torch.nn.Module | None = None) -> Any:
    """The compiled module's outputs for batched ``tensors``, in batches of ``options.batch_size``, seeded once for
    all of them (the draws depend on the slicing: README, Evaluation options). A net without inputs draws
    ``batch_size`` examples (as its module's ``module(batch_size=n)``), or one unbatched."""
    module = module or compiled_module(net, options)
    with seeded(options.seed):
        if not net.input_ports and options.batch_size is not None:
            return module(batch_size=options.batch_size)
        return in_batches(lambda batch: call_by_name(module, batch), tensors, options.batch_size)
