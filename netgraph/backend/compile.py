"""compile(): a NetGraph -> a plain ``nn.Module`` with a generated, straight-line ``forward``.

Each leaf layer is built once (its parameters named ``<path>.<Array>``) and placed in a module tree
that mirrors the nesting. The forward is one line per layer in topological order, written from the
validated graph only (sanitised identifiers and numeric literals), registered with ``linecache`` so
tracebacks show it (until the module is garbage-collected), and exposed as ``module.code``; past
``PART_LINES`` lines it calls part functions compiled one by one (``netgraph.backend.forward_parts``).
``compile_net(net, checks=...)`` fixes the module's distribution parameter checks.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
import unicodedata
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from netgraph.backend.batch_sizes import checked_batch_size, largest_batch, unchecked_batch
from netgraph.backend.built_checks import (compiling_inner, inner_checks, label_inner_layers, own_block,
                                           writing_casts)
from netgraph.backend.code_lines import register, release_with
from netgraph.backend.deep_module import DeepModule, module_walk
from netgraph.backend.forward_parts import Step, compile_source, forward_source
from netgraph.backend.tied_arrays import submodule, tie_shared
from netgraph.backend.derived_lengths import check_derived_lengths, derived_length_lines
from netgraph.backend.learned_arrays import check_learned_shapes, learned_layer
from netgraph.backend.input_lengths import check_shared_lengths, empty_length_problem, length_check_lines
from netgraph.backend.module_builder import ModuleBuilder
from netgraph.backend.module_errors import module_error
from netgraph.backend.module_inputs import input_error
from netgraph.backend.old_pickles import old_state, prefix_submodules, prefixed_state
from netgraph.backend.readiness import check_ready
from netgraph.backend.scripting import NotScriptable
from netgraph.backend.source_map import layer_lines
from netgraph.backend.traced_batch import drawing_layers, traced_batch_size
from netgraph.core.layer import EmitContext
from netgraph.core.layer_checks import shapes_checked_elsewhere
from netgraph.core.own_classes import is_netgraph_class
from netgraph.core.torch_state import own_precision, working_dtype
from netgraph.core.nesting import fits_recursion_limit
from netgraph.core.errors import DataError, OptionError
from netgraph.core.ir import Node
from netgraph.core.tracing import symbolic_tracing
from netgraph.core.walk import GraphWalker, gc_paused, map_nodes
from netgraph.layers.estimators import surrogate_loss
from netgraph.layers.random import distribution_checks
from netgraph.backend.output_lengths import check_output_lengths, output_length_lines
from netgraph.layers.given_outputs import checked_outputs, copied_if_changed

__all__ = ["CompiledNet", "compile_net", "module_expr", "check_ready"]

_NON_WORD = re.compile(r"\W", flags=re.ASCII)
_RESERVED = {"self", "torch", "F", "math", "inf", "nan", "checked_batch_size", "symbolic_tracing",
             "traced_batch_size"} | set(dir(builtins))


class CompiledNet(NotScriptable, DeepModule):
    """The compiled form of a NetGraph: submodules by layer path, and a generated ``forward``.

    ``code`` is the forward's source, ``to_net()`` gives the NetGraph back with the learned arrays. torch's
    recursive methods (``train``, ``to``, ``parameters``, ``state_dict``, ...) get the recursion room a net
    nested up to 1,000 levels needs (``netgraph.backend.deep_module``).
    """

    # netgraph's own attributes carry the prefix no layer name may take: a layer named "route" stays reachable
    _netgraph_working_dtype: torch.dtype | None = None  # the precision compile cast the arrays to (None: old pickles)

    def __init__(self, net: Any, code: str):
        super().__init__()
        object.__setattr__(self, "_netgraph_net", net)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "_netgraph_depth", net._depth)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``forward``, through torch's hooks; when it fails on inputs that do not fit the net's input ports, a
        DataError naming the port, the expected and the found shape in place of torch's error (see module_inputs)."""
        try:  # nn.Module.__call__'s body (its own frame would cost one more call)
            return (self._compiled_call_impl or self._call_impl)(*args, **kwargs)
        except Exception as exc:
            if (error := input_error(self, exc, args, kwargs) or module_error(self, exc)) is None:
                raise
        raise error  # outside the except: in place of torch's error, not chained to it

    @property
    def net(self) -> Any:
        """The NetGraph this module was compiled from (with its original arrays)."""
        net = self._netgraph_net
        return net() if isinstance(net, weakref.ref) else net

    def cached_by_net(self) -> CompiledNet:
        """This module, referring to its net weakly: for the module a net caches for ``net(x)``, so that the pair
        is no reference cycle (which would keep the net's arrays alive until a full garbage collection)."""
        object.__setattr__(self, "_netgraph_net", weakref.ref(self.net))
        return self

    def surrogate_loss(self, loss: torch.Tensor, reduction: str = "mean",
                       score_whole_batch: bool = False) -> torch.Tensor:
        """The score-function term for this module's discrete random draws since the last call.

        ``(losses.mean() + module.surrogate_loss(losses)).backward()``: ``losses`` per example (B,) gives
        leave-one-out baselines, a scalar (or ``score_whole_batch=True``: for losses that mix examples) a running-mean
        baseline; the value is 0 (see netgraph.layers.estimators).
        """
        return surrogate_loss(self, loss, reduction, score_whole_batch)

    def _shared_length_error(self, inputs: dict[str, torch.Tensor]) -> None:
        """The DataError the forward raises when input ports sharing a length ("n") get different ones (as net(...))."""
        check_shared_lengths(self.net, lambda port, axis: inputs[port].shape[axis + 1])

    def _empty_length_error(self, port: str, value: torch.Tensor) -> None:
        """The DataError the forward raises for an input of length 0 along a variable dim (as net(...)); a batch of
        no examples passes."""
        if problem := empty_length_problem(port, self.net.port_types[port].shape, tuple(value.shape)):
            raise DataError(problem.message, diagnostics=[problem])

    def _derived_length_error(self, inputs: dict[str, torch.Tensor]) -> None:
        """The DataError the forward raises when an input length is too short for a layer that shortens it (as
        net(...))."""
        check_derived_lengths(self.net, lambda port, axis: inputs[port].shape[axis + 1])

    def __reduce_ex__(self, protocol: Any) -> tuple:
        """``pickle`` / ``torch.save``: its forward's code (its class is made again from it) and its state."""
        return _unpickled, (self.code, self._netgraph_depth), {**self.__getstate__(), "_netgraph_net": self.net}

    def __setstate__(self, state: dict) -> None:
        """A pickle's state; one written before netgraph's attributes took their prefix gets it (``_net``, ``route``),
        and so do its submodules' (``computed_inline``)."""
        old = old_state(state)
        super().__setstate__(prefixed_state(state) if old else state)
        if old:
            prefix_submodules(self, CompiledNet)

    def to_net(self, dtype: torch.dtype | None = None) -> Any:
        """The NetGraph with this module's current arrays (parameters and buffers) copied in: each floating array in
        the dtype the layer was given it (in the module's when the module was moved, ``.double()``), or in ``dtype``."""
        net = self.net
        with shapes_checked_elsewhere():  # checked against the net's shapes, all at once
            changes = dict(item for item in map_nodes(net, lambda node: self._learned(node, dtype)) if item is not None)
        check_learned_shapes(net, changes)
        return net.replace_layers(changes) if changes else net

    def _learned(self, node: Node, dtype: torch.dtype | None) -> tuple[tuple, Any] | None:
        layer = node.layer
        if not layer.ARRAYS:
            return None
        working = self._netgraph_working_dtype
        return node.path, learned_layer(submodule(self, node.path), layer, node.path, working, dtype)


#: A layer named like one of these is reached via ``_modules``.
_MODULE_ATTRIBUTES = frozenset(dir(CompiledNet))

def module_expr(path: tuple[str, ...], base: str = "self") -> str:
    """Python code reaching the submodule at ``path``: ``self.enc.lin``, or ``self._modules['1']`` for a
    name that is no identifier or that an attribute of the compiled module's class (``forward``, ``code``) would shadow.

    >>> module_expr(("enc", "lin")), module_expr(("1", "forward"))
    ('self.enc.lin', "self._modules['1']._modules['forward']")
    """
    expr = base
    for part in path:
        ok = part.isascii() and part.isidentifier() and not keyword.iskeyword(part) and not part.startswith("_") \
            and part not in _MODULE_ATTRIBUTES
        expr = f"{expr}.{part}" if ok else f"{expr}._modules[{part!r}]"
    return expr


def _python_name(text: str) -> bool:
    """Whether ``text`` is an identifier Python reads as written (``μ`` yes; ``µ``, the micro sign, reads as
    ``μ``)."""
    return text.isidentifier() and (text.isascii() or unicodedata.normalize("NFKC", text) == text)


def variable_base(hint: str) -> str:
    """The legal local name a layer path's hint becomes before any ``_2`` suffix (``"1"`` -> ``x1``, ``"a b"`` ->
    ``a_b``)."""
    if hint.isascii() and hint.isdigit():  # a numbered layer's path, as below without the pattern
        return f"x{hint}"
    # ASCII: "²" is \w but no identifier
    base = hint if _python_name(hint) else _NON_WORD.sub("_", hint).strip("_") or "v"
    if base[0].isdigit():
        base = f"x{base}"
    return base + "_" if keyword.iskeyword(base) else base


class _Names:
    """Unique, legal local variable names."""

    def __init__(self, taken: set[str]):
        self.taken = set(taken) | _RESERVED

    def new(self, hint: str) -> str:
        if _python_name(hint) and not keyword.iskeyword(hint) and hint not in self.taken:
            self.taken.add(hint)  # the usual case: the hint (a layer's path) is a fresh name
            return hint
        base = variable_base(hint)
        name, i = base, 1
        while name in self.taken:
            i += 1
            name = f"{base}_{i}"
        self.taken.add(name)
        return name


class _CodeWriter(GraphWalker):
    """Writes the forward's body: one line per node; the walked values are local variable names."""

    CHECK_LENGTHS = True  # compare the lengths input ports share (the padded forward's caller checks them)

    def __init__(self, net: Any, checks: bool | str | None):
        super().__init__(net)
        self.net, self.names, self.checks, self.lines, self.steps = net, _Names(set(net.input_ports)), checks, [], []
        self.inner = compiling_inner()  # an operator's inner net: its inputs are the operator's, not the data
        self.batched, self.inline = bool(net.input_ports), {}  # inline: the node paths whose module is not called
        self.firsts: list[tuple[tuple, str]] = []  # (node path, its first statement), for module.code_layers
        self.temporaries: list[str] = []  # the locals (ctx.local) of the node being written
        self.batch = self.names.new("batch_size")
        self.size = self.batch if self.batched else self.names.new("size")
        if not self.batched:  # no inputs: forward(batch_size=None) gives one unbatched draw, or a batch of that size
            b = self.batch  # an int > 0 passes at the cost of one type test; anything else is checked by the helper
            most, fast = largest_batch(net), unchecked_batch(net)  # more than most pass torch's largest size; from
            # fast on, the helper also checks that the batch's arrays fit in memory
            drawing = drawing_layers(net)  # refused under fx with a concrete batch size, which would freeze them
            self.lines.append(f"if symbolic_tracing(): {b}, {self.size} = traced_batch_size({b}, {most}, self"
                              f"{f', {drawing!r}' if drawing else ''})")
            self.lines.append(f"else: {self.size} = 1 if {b} is None else {b} if type({b}) is int and "
                              f"0 <= {b} < {fast} else checked_batch_size({b}, {most}, self)")
        elif any(not node.input_ports for node in self.ir.nodes):
            self.lines.append(f"{self.batch} = {net.input_ports[0]}.shape[0]")
        self.defines_size = bool(self.lines)
        if self.batched and self.CHECK_LENGTHS:
            self.lines += _untraced(length_check_lines(net) + derived_length_lines(net))
        # an input port named like a name the code reads (torch, F, a builtin) moves to a fresh local first
        self.entry, shadowing = {p: p for p in net.input_ports}, [p for p in net.input_ports if p in _RESERVED]
        if shadowing:
            self.entry.update((p, self.names.new(f"{p}_input")) for p in shadowing)
            self.lines += [f"{self.entry[p]}, {p} = {p}, self._code_globals[{p!r}]" for p in shadowing]

    def visit_node(self, node: Node, inputs: Sequence[str]) -> tuple[str, ...]:
        path, ports, start, new = node.path, node.output_ports, len(self.lines), self.names.new
        stem = path[0] if len(path) == 1 else "_".join(path)
        # tuples, kept as the node's Step (its inputs' names the walk's own tuple when all are names): no copies
        outs = (new(stem),) if len(ports) == 1 else tuple([new(f"{stem}_{p}") for p in ports])
        module, self.temporaries = module_expr(path), []
        block = self._block(node, module, inputs, outs)
        # a long ``self._modules['1']`` used more than twice is looked up once; twice (Weights and Biases) stays inline:
        # one line per layer, so a 100k-layer chain's forward has 100k lines, not 150k
        text = block[0] if len(block) == 1 else "\n".join(block)
        if "._modules[" in module and text.count(module) > 2:
            name = new(f"{stem}_module")
            self.lines.append(f"{name} = {module}")
            self.temporaries = []
            block, module = self._block(node, name, inputs, outs), name
            text = "\n".join(block)
        if f"{module}(" not in text:
            self.inline[path] = node.layer.type_name
        self.steps.append(Step(start, _names_only(inputs), outs, tuple(self.temporaries)))
        self.firsts.append((path, self.lines[start] if len(self.lines) > start else block[0]))
        self.lines += block
        return outs

    def _block(self, node: Node, module: str, inputs: Sequence[str], outs: tuple[str, ...]) -> list[str]:
        """The node's statements."""
        block = node.layer.emit_block(ctx := self._context(node, module, inputs), tuple(outs))
        if not is_netgraph_class(type(node.layer)):  # a user's own emit: checked, the layer named
            block = own_block(self.net, node, ctx, block)  # and its module's outputs of another precision cast
        return block + output_length_lines(node.layer, node.path, node.types, inputs, outs)  # user code: checked

    def _context(self, node: Node, module: str, inputs: Sequence[str]) -> EmitContext:
        """What the node's layer emits from; ``local(hint)`` names its temporaries after its path."""
        def local(hint: str) -> str:
            self.temporaries.append(self.names.new(f"{'_'.join(node.path)}_{hint}"))
            return self.temporaries[-1]
        given = () if self.inner else node.given
        return EmitContext(module, tuple(inputs), self.size, node.types, self.checks, local, node.path, given,
                           node.inputs, self.ir)


def _names_only(values: Sequence[Any]) -> tuple[str, ...]:
    """The variable names among a node's input values (None for one no code computes): ``values`` itself when all are."""
    for value in values:
        if not isinstance(value, str):
            return tuple([v for v in values if isinstance(v, str)])
    return values if type(values) is tuple else tuple(values)


def _untraced(checks: list[str]) -> list[str]:
    """``checks`` (tests of input shapes) under ``if not symbolic_tracing():``: torch.fx.symbolic_trace's proxies
    cannot be branched on, so its graph has no checks (torch.compile and torch.export keep them, as guards)."""
    return ["if not symbolic_tracing():", *(f"    {line}" for line in checks)] if checks else []


def _returned(results: dict[str, str], suffix: str) -> str:
    if len(results) == 1:
        return f"return {next(iter(results.values()))}{suffix}"
    return "return {" + ", ".join(f"{p!r}: {v}{suffix}" for p, v in results.items()) + "}"


def _generate(net: Any, checks: bool | str | None = None, inline: dict | None = None,
              firsts: list | None = None) -> str:
    """The forward's code; ``inline`` gets the path of each node whose module it never calls (to its type name),
    ``firsts`` each node's path and first statement."""
    writer = _CodeWriter(net, checks)
    results = writer.run(writer.entry)
    if inline is not None:
        inline |= writer.inline
    if firsts is not None:
        firsts += writer.firsts
    batch, tail = writer.batch, [_returned(results, "")]
    if not writer.batched:
        tail[:0] = [f"if {batch} is None:", f"    {_returned(results, '[0]')}"]
    signature = ", ".join(["self", *net.input_ports] if writer.batched else ["self", f"{batch}=None"])
    shared = (writer.size,) if writer.steps and writer.defines_size else ()  # the head defines the batch size
    return forward_source(signature, writer.lines, writer.steps, tail, shared, fresh=writer.names.new)


def compile_net(net: Any, checks: bool | str | None = None) -> CompiledNet:
    """Build every layer and generate the forward; the result is independent of ``net``.

    ``checks`` (True, False or "auto") fixes the module's distribution checks; None follows
    ``set_distribution_checks`` (its setting now for the code, at each call for the checks).
    """
    if checks not in (None, True, False, "auto"):
        raise OptionError(f"compile(checks=...) takes True, False or 'auto', found {checks!r}", option="checks",
                          kind="option-value", expected=(True, False, "auto"), found=checks)
    with own_precision(), gc_paused():  # the working precision, torch's default dtype, is read while it builds
        return _compile(net, inner_checks(checks))


@torch.inference_mode(False)  # built inside torch.inference_mode(), its arrays would refuse every later backward
def _compile(net: Any, checks: bool | str | None,
             generate: Callable[[Any, bool | str | None, list], str] | None = None) -> CompiledNet:
    """The module; ``generate(net, checks, firsts)`` writes the forward (``_generate``; the padded one of
    ``netgraph.backend.masks``). Its arrays are normal tensors even when it is built inside inference mode. The
    modules are built first: the forward is written once, casting the outputs of users' own modules of another
    precision that the build's meta run found (``own_block``)."""
    check_ready(net)
    setting, inline, firsts = checks if checks is not None else distribution_checks(), {}, []
    module = CompiledNet(net, "")  # of its forward's class below
    builder = ModuleBuilder(net, module, checks)
    builder.run()
    with writing_casts(net, module.__dict__.get("_netgraph_own_output_dtypes") or {}):
        code = generate(net, setting, firsts) if generate else _generate(net, setting, inline, firsts)
    module.__class__ = _code_class(code, net._depth)
    object.__setattr__(module, "code", code)
    module.__dict__["code_layers"] = layer_lines(module._code_lines, firsts)  # line of module.code -> layer path
    del firsts
    builder.mark_inline(inline)
    label_inner_layers(builder.operators)
    tie_shared(net, module)
    if builder.other_precision:  # floating arrays in another precision (a float64 array given, a float16 one
        module.to(builder.working)  # loaded) are cast once for every layer; the net keeps its arrays
    module.__dict__["_netgraph_working_dtype"] = builder.working  # to_net gives arrays still in it back as given
    module.__dict__["_netgraph_inner_net"] = compiling_inner()  # its layers' DataErrors may blame the operator's inputs
    return module


# the names the generated code reads (inf and nan: what repr() writes for an infinite or NaN float option)
_CODE_NAMES: dict[str, Any] = {"torch": torch, "F": F, "math": math, "inf": math.inf, "nan": math.nan,
                               "checked_batch_size": checked_batch_size, "symbolic_tracing": symbolic_tracing,
                               "traced_batch_size": traced_batch_size, "checked_outputs": checked_outputs,
                               "copied_if_changed": copied_if_changed, "working_dtype": working_dtype,
                               "check_output_lengths": check_output_lengths}
_GLOBALS: dict[str, Any] = {**vars(builtins), **_CODE_NAMES}
CompiledNet._code_globals = _GLOBALS  # a forward whose input port is named like one of them reads it here


_CLASSES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # (code, depth) -> the class made from it


def _code_class(code: str, depth: int) -> type:
    """The CompiledNet subclass whose forward is ``code`` (registered with ``linecache`` for tracebacks), one per
    code: modules of one net (compiled again, copied, unpickled) are of one class, as torch.func.stack_module_state
    asks of an ensemble."""
    if (cls := _CLASSES.get((code, depth))) is not None:
        return cls
    lines = code.splitlines(True)  # split once: for linecache, compiling, and each module's code_layers
    filename = register(code, lines)
    namespace = dict(_CODE_NAMES)
    compile_source(lines, filename, namespace)  # generated from a validated graph (or read back from a pickle of
    # such a module: loading a pickle runs what it names anyway; README says so)
    members = {"forward": namespace["forward"], "__module__": __name__, "_filename": filename, "_code_lines": lines}
    if not fits_recursion_limit(depth):  # operators nested deep: each calls its inner nets' modules in turn
        members["__call__"] = module_walk(CompiledNet.__call__)
    cls = _CLASSES[code, depth] = release_with(type("CompiledNet", (CompiledNet,), members), filename)
    return cls


def _unpickled(code: str, depth: int) -> CompiledNet:
    """An empty module of the class of its forward's code (``pickle.load`` then sets its state)."""
    cls = _code_class(code, depth)
    return cls.__new__(cls)
