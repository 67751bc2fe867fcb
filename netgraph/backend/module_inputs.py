"""What is wrong with the inputs a compiled module was called with, asked only after its forward failed.

A compiled module is plain torch: its forward checks nothing it need not (``net(x)`` checks the data), so a
tensor of the wrong shape fails deep inside torch ("mat1 and mat2 shapes cannot be multiplied"). When a forward
fails, ``CompiledNet`` asks ``input_problem`` whether the inputs fit the net's input ports, and raises a
DataError naming the port, the expected and the found shape in place of torch's error; the successful call
pays nothing for it.

It blames only inputs the forward got and failed on: those its frame in the traceback holds (a forward pre-hook may
have changed what the call was given), or, under ``module.compile()`` with no hooks, the call's. An error raised
outside the forward (by a hook, or by Python binding the arguments) stays as it is. Inside ``vmap`` the forward sees
one example per row: it is blamed for lacking the batch dim only where the forward runs on it given one. An
operator's inner net blames its own inputs first; the outer module then names its own port, or, when its inputs
fit, raises torch's error in place of the inner one's blame.

So what the forward does not fail on is never named: uint64 indices past int64 at an Integer port are named only
where a layer reading them fails (an EmbeddingLayer); a net that only moves them (Flatten, Reshape, Part) returns them.
"""

from __future__ import annotations

import inspect
import os
from itertools import chain
from typing import Any

import torch

from netgraph.backend.mixed_dtypes import mixed_dtype_problem
from netgraph.backend.port_tensors import past_int64, past_int64_words
from netgraph.backend.shape_hints import layout_hint
from netgraph.core.errors import DataError, Diagnostic, NetGraphError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.core.torch_internals import global_forward_hooks, is_batched
from netgraph.core.torch_state import buffers_kept, forked_generator
from netgraph.core.tracing import symbolic_tracing
from netgraph.core.types import INTEGER, REAL, format_shape
from netgraph.core.wording import counted, few_names, type_label

__all__ = ["input_error", "input_problem", "module_input_problem", "missing_port", "unknown_port", "own_layer_error"]


def own_layer_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a layer's own NetGraphError: no inner compiled net's DataError in place of torch's error
    (``replaced_error``), nor one an input of the wrong shape may explain (``blames_inputs``)."""
    return isinstance(exc, NetGraphError) and getattr(exc, "replaced_error", None) is None \
        and not getattr(exc, "blames_inputs", False)


def input_error(module: Any, exc: Exception, args: tuple, kwargs: dict[str, Any]) -> Exception | None:
    """What a compiled ``module`` raises when its call with ``args``, ``kwargs`` raised ``exc``: a DataError naming the
    first input its forward got that does not fit its port, torch's error in place of an inner net's blame, or None
    (``exc`` as it is)."""
    if torch.compiler.is_compiling() or symbolic_tracing():  # torch's fake tensors or fx's proxies, of symbolic
        return None  # sizes: torch's error stands (under vmap the sizes are known: each example's)
    if isinstance(exc, TypeError) and (unbound := _unbound(module, args, kwargs)) is not None:
        return unbound
    if own_layer_error(exc):
        if not module.__dict__.get("_netgraph_inner_net"):
            return None  # a layer's own DataError (blames_inputs: one an input of the wrong shape may explain)
        exc.blames_inputs = True  # a layer's inside an operator: checked on merged or stepped inputs, which an
        # input of the outer module may explain (its batch times a mapped length: (10, 4) for (2, 5, 4))
    replaced = getattr(exc, "replaced_error", None)  # an inner compiled net's DataError in place of torch's error
    given = _forwarded(module, exc, args, kwargs)
    problem = module_input_problem(module.net, module, given) if given else None
    if problem is None or _batch_dim_not_the_error(module, problem, given):
        return replaced
    error = DataError(problem.message, diagnostics=[problem])
    error.replaced_error = replaced or exc
    return error


def module_input_problem(net: Any, module: Any, given: dict[str, Any],
                         who: str = "the compiled module") -> Diagnostic | None:
    """``input_problem`` of inputs ``given`` to ``module`` (``net`` compiled), read against its arrays' dtype and
    device; where its arrays hold several dtypes, the layer an input meets in another dtype
    (``mixed_dtype_problem``)."""
    real = next((p.dtype for p in module.parameters() if p.is_floating_point()), None)
    device = next((t.device for t in chain(module.parameters(), module.buffers())), None)
    problem = input_problem(net, (), given, real, device, who=who)
    if problem is None or problem.kind == "data-dtype":  # arrays of several dtypes: the layer it meets
        problem = mixed_dtype_problem(net, module, given) or problem
    return problem


def _unbound(module: Any, args: tuple, kwargs: dict[str, Any]) -> DataError | None:
    """A DataError naming the inputs the forward's signature cannot take (unknown, missing, too many), else None."""
    signature = inspect.signature(type(module).forward)
    try:
        signature.bind(module, *args, **kwargs)
        return None
    except TypeError:
        pass
    params = list(signature.parameters.values())[1:]
    names, ports = [p.name for p in params], module.net.input_ports
    if len(args) == 1 and isinstance(args[0], dict) and len(ports) > 1:
        return DataError(f"the module takes its inputs by name: call module(**inputs), not module(inputs) with a "
                         f"dict; inputs are {few_names(list(ports))}", kind="positional-data", layer=(),
                         expected=tuple(ports), found=len(args))
    if len(args) > len(names):
        takes = f"{counted(len(ports), 'input')} ({', '.join(ports)})" if ports else "no inputs, only batch_size"
        return DataError(f"the module takes {takes}, found {len(args)} by position", kind="positional-data",
                         layer=(), expected=tuple(ports), found=len(args))
    given = {*names[:len(args)], *kwargs}
    problems = [unknown_port(k, ports, did_you_mean(k, ports)) for k in kwargs if k not in names]
    problems += [Diagnostic(f"input port {k!r} given twice, by position and by name", "input-port", port=k, layer=())
                 for k in names[:len(args)] if k in kwargs]
    problems += [missing_port(p.name, module.net.port_types[p.name].shape)
                 for p in params if p.default is p.empty and p.name not in given]
    return DataError("; ".join(d.message for d in problems), diagnostics=problems) if problems else None


def unknown_port(key: str, ports: tuple[str, ...], hint: str, listed: bool = True) -> Diagnostic:
    """The "input-port" Diagnostic of an input ``key`` that no port of ``ports`` has: ``hint`` follows the name (a
    did-you-mean), and the ports are listed unless ``listed`` is False (net(x), the module and interpret share it).

    >>> unknown_port("Inptu", ("Input",), " (did you mean 'Input'?)").message
    "unknown input port 'Inptu' (did you mean 'Input'?); inputs are ['Input']"
    """
    listing = f"; inputs are {few_names(list(ports))}" if listed else ""
    return Diagnostic(f"unknown input port {quoted(key)}{hint}{listing}", "input-port", layer=(), port=key,
                      expected=ports, found=key)


def missing_port(port: str, shape: tuple | None, shown: bool = True) -> Diagnostic:
    """The "input-port" Diagnostic of an input ``port`` not given, of ``shape`` (in the message unless ``shown`` is
    False).

    >>> missing_port("b", (3,)).message
    "missing input port 'b' (shape (3))"
    """
    shape_text = f" (shape {format_shape(shape)})" if shown else ""
    return Diagnostic(f"missing input port "
                      f"{quoted(port)}{shape_text}", "input-port", layer=(), port=port, expected=shape)


def _forwarded(module: Any, exc: Exception, args: tuple, kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The inputs by port that ``module``'s forward got when ``exc`` was raised within it, else None."""
    every_pre, every_post = global_forward_hooks()
    hooked = bool(module._forward_pre_hooks or every_pre)
    code, tb = type(module).forward.__code__, exc.__traceback__
    while tb is not None and not (tb.tb_frame.f_code is code and tb.tb_frame.f_locals.get("self") is module):
        tb = tb.tb_next
    if tb is None:  # raised outside the forward; under module.compile() its frames are torch's own
        hooks = hooked or module._forward_hooks or every_post
        if module._compiled_call_impl is None or hooks:
            return None
    ports = module.net.input_ports
    if hooked:  # the forward's own arguments (one named like a global it reads, torch say, moved to torch_input)
        names = tb.tb_frame.f_locals
        given = {port: names[port] if isinstance(names.get(port), torch.Tensor) else names.get(f"{port}_input")
                 for port in ports}
    else:
        given = dict(zip(ports, args)) | {k: v for k, v in kwargs.items() if k in ports}
    return {port: value for port, value in given.items()  # numpy arrays, lists and None too: torch failed on them
            if not (hooked and value is None)}


def _batch_dim_not_the_error(module: Any, problem: Diagnostic, given: dict[str, Any]) -> bool:
    """Whether ``problem`` blames an input ``vmap`` maps for lacking the batch dim (the forward sees one example per
    row) while the forward fails on those examples given one too: then something else failed (dropout's randomness
    under vmap, say), and torch's error stands. Asked on the failing path only; the forward runs again, without grad,
    torch's generators and the module's buffers (running statistics) as found after it (``_retried``)."""
    def one_example(port: str) -> bool:
        value, shape = given.get(port), module.net.port_types[port].shape
        return isinstance(value, torch.Tensor) and is_batched(value) and shape is not None \
            and value.dim() == len(shape)
    if problem.kind != "data-shape" or not one_example(problem.port):
        return False
    batched = {port: value.unsqueeze(0) if one_example(port) else value for port, value in given.items()}
    try:
        _retried(module, batched)
    except Exception:  # noqa: BLE001 - any failure: the batch dim does not mend it
        return True
    return False


def _retried(module: Any, given: dict[str, Any]) -> None:
    """``module``'s forward on ``given``, without grad, leaving no trace: torch's generators (of the CPU and the
    inputs' CUDA device) and the module's buffers put back as found."""
    devices = [v.device.index or 0 for v in given.values() if isinstance(v, torch.Tensor) and v.is_cuda][:1]
    with torch.no_grad(), forked_generator(devices=devices), buffers_kept(module):
        type(module).forward(module, **given)


def input_problem(net: Any, args: tuple, kwargs: dict[str, Any], real: torch.dtype | None,
                  device: torch.device | None = None, who: str = "the compiled module") -> Diagnostic | None:
    """The Diagnostic of the first input of a module call that does not fit its port (of the graph, ``layer=()``), or
    None; ``real`` is the dtype of the module's floating arrays, ``device`` the device of its arrays (None: it has
    none); ``who`` is what was called, named where a value is no tensor (``interpret``: its tensors are the compiled
    module's).

    >>> from netgraph import LinearLayer, NetChain
    >>> input_problem(NetChain([LinearLayer(2)], input=3), (torch.zeros(4, 5),), {}, torch.float32).message
    "input port 'Input': the compiled module takes shape (b, 3) with b the batch size, found (4, 5)"
    """
    given = dict(zip(net.input_ports, args)) | {k: v for k, v in kwargs.items() if k in net.input_ports}
    types = net.port_types
    for port, value in given.items():
        t = types[port]
        if not isinstance(value, torch.Tensor):
            return _no_tensor(port, value, who)
        if t.shape is None:
            continue
        if problem := _problem(port, t.shape, t.dtype == INTEGER, value, real, device):
            return problem
    sizes = {port: value.shape[0] for port, value in given.items() if types[port].shape is not None}
    if len(set(sizes.values())) > 1:  # each fits its port: the batches do not fit each other
        return Diagnostic(f"input ports have different batch sizes: {sizes}; the compiled module takes one batch of "
                          f"examples at every input", "data-shape", port=next(iter(sizes)), layer=(), found=sizes)
    reals = {port: value.dtype for port, value in given.items() if value.is_floating_point()}
    if real is None and len(set(reals.values())) > 1:  # no arrays to fix the dtype: the inputs must agree
        return Diagnostic(f"input ports have different dtypes: {reals}; the compiled module computes in one dtype: "
                          f"cast them to one, e.g. x.float()", "data-dtype", port=next(iter(reals)), layer=(),
                          found=reals)
    return None


def _no_tensor(port: str, value: Any, who: str) -> Diagnostic:
    """The Diagnostic of a value that is no tensor ("missing-data" for None, else "not-a-tensor", its type's name
    found): how to convert it, or, for sequences of different lengths (which make no one tensor), that they go to
    ``net(x)``."""
    if value is None:
        return Diagnostic(f"input port {quoted(port)}: {who} takes a tensor, found None", "missing-data",
                          layer=(), port=port, expected="a tensor", found="None")
    kind = type_label(value)
    if isinstance(value, (str, os.PathLike)) or type(value).__module__.startswith("PIL."):
        return Diagnostic(f"input port {quoted(port)}: {who} takes tensors, found {kind} {value!r:.60}; net(x) encodes "
                          f"files, texts and labels (its encoders' values)", "not-a-tensor", layer=(), port=port,
                          expected="a tensor", found=kind)
    try:
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # Padded, PackedSequence: lengths beside the data
            raise TypeError(kind)
        torch.as_tensor(value)
        remedy = "torch.as_tensor(x) converts it (net(x) takes numpy arrays and lists as they are)"
    except (TypeError, ValueError, RuntimeError):
        which = ("a PackedSequence goes to net(x) as Padded(*pad_packed_sequence(x, batch_first=True))"
                 if isinstance(value, torch.nn.utils.rnn.PackedSequence)  # net(x) refuses one as it is
                 else "sequences of different lengths (a list, Padded) go to net(x)")
        remedy = f"it takes one batched tensor, of one length per call: {which}, which honours each length"
    return Diagnostic(f"input port {quoted(port)}: {who} takes tensors, found {kind}; {remedy}",
                      "not-a-tensor", layer=(), port=port, expected="a tensor", found=kind)


def _problem(port: str, shape: tuple, integer: bool, x: torch.Tensor, real: torch.dtype | None,
             device: torch.device | None) -> Diagnostic | None:
    """The Diagnostic of tensor ``x`` at ``port``, of declared ``shape``, when it does not fit, else None."""
    if x.is_nested:  # it has no shape to compare
        return Diagnostic(f"input port {quoted(port)}: the compiled module takes a dense tensor, found a nested "
                          f"tensor; sequences of different lengths go to net(x) as a list (x.unbind()), which honours "
                          f"each length", "data-layout", layer=(), port=port, expected="strided", found="nested")
    if message := _shape_problem(port, shape, integer, x):  # the facts of net(x)'s (evaluation._batched)
        return Diagnostic(message, "data-shape", layer=(), port=port, expected=shape, found=tuple(x.shape))
    return _type_problem(port, integer, x, real, device)


def _shape_problem(port: str, shape: tuple, integer: bool, x: torch.Tensor) -> str | None:
    expected = f"(b, {format_shape(shape)[1:-1]})" if shape else "(b)"
    if x.dim() == len(shape) and x.dim() > 0 and _fits(shape, x.shape):
        remedy = ("inside torch.func.vmap the forward sees one example per mapped row: vmap over batches, or give "
                  "it xi.unsqueeze(0)") if is_batched(x) else \
            "give x.unsqueeze(0) (net(x) takes one example or a batch)"
        return (f"input port {quoted(port)}: the compiled module takes a batch, shape {expected}, found one example "
                f"{tuple(x.shape)}; {remedy}")
    if x.dim() != len(shape) + 1 or not _fits(shape, x.shape[1:]):
        return (f"input port {quoted(port)}: the compiled module takes shape {expected} with b the batch size, found "
                f"{tuple(x.shape)}{layout_hint(shape, tuple(x.shape), integer)}")
    return None


def _type_problem(port: str, integer: bool, x: torch.Tensor, real: torch.dtype | None,
                  device: torch.device | None) -> Diagnostic | None:
    """The Diagnostic of tensor ``x`` on another device than the module's arrays ("data-device") or of a dtype the
    port does not take ("data-dtype"), the device or dtype taken expected and ``x``'s found, else None."""
    if device is not None and x.device != device:
        return Diagnostic(f"input port {quoted(port)}: the compiled module's arrays are on {device}, found a tensor on "
                          f"{x.device}; move one to the other: x.to({str(device)!r}) (or module.to({str(x.device)!r}))",
                          "data-device", layer=(), port=port, expected=device, found=x.device)
    message, expected = _dtype_problem(port, integer, x, real)
    return None if message is None else Diagnostic(message, "data-dtype", layer=(), port=port, expected=expected,
                                                   found=x.dtype)


def _dtype_problem(port: str, integer: bool, x: torch.Tensor, real: torch.dtype | None) -> tuple[str | None, Any]:
    """The message when ``x``'s dtype does not fit the port, and the dtype (or dtypes) the port takes; (None, None)
    when it fits."""
    if integer and (x.is_floating_point() or x.is_complex()):
        return (f"input port {quoted(port)} takes integer indices (dtype Integer), found dtype {x.dtype}; net(x) takes "
                f"integral floats, the module does not: x.long()"), INTEGER
    if integer and past_int64(x):  # .long() would wrap them to negative indices (read for uint64 only)
        return f"input port {quoted(port)}{past_int64_words(f'of dtype {x.dtype}')}", INTEGER
    if not integer and real is None and not x.is_floating_point():  # no arrays to say which dtype: real numbers
        return (f"input port {quoted(port)} takes real numbers, found dtype {x.dtype}: give a float32 tensor (net(x) "
                f"casts the data, the module does not)"), REAL
    if not integer and real is None and x.dtype in (torch.float16, torch.bfloat16) and x.device.type == "cpu":
        return (f"input port {quoted(port)} takes float32 or float64 on the CPU (torch lacks some of its operations in "
                f"{x.dtype} there), found dtype {x.dtype}: x.float()"), (torch.float32, torch.float64)
    if not integer and real is not None and x.dtype != real:
        return (f"input port {quoted(port)}: the compiled module computes in {real}, found dtype {x.dtype}; net(x) "
                f"casts the data, the module does not: x.to({real})"), real
    return None, None


def _fits(shape: tuple, dims: Any) -> bool:
    return all(d is None or isinstance(d, str) or d == n for d, n in zip(shape, dims))
