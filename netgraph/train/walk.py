"""net_train's runs of the net: a batch through the model (a bad distribution parameter named with the round and
batch), the first layer output that is not finite, the layers that reach the loss."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import torch

from netgraph.backend.eval_options import call_by_name
from netgraph.backend.compile import submodule
from netgraph.backend.interpreter import ModuleRunner
from netgraph.backend.port_tensors import cast_underflow
from netgraph.core.errors import DataError, Diagnostic, TrainingError
from netgraph.core.ir import Node
from netgraph.core.torch_state import working_dtype
from netgraph.layers.bad_index import examples_at
from netgraph.layers.random_module import RandomModule
from netgraph.train.data import non_finite_data
from netgraph.train.given_examples import GivenExamples
from netgraph.core.wording import counted

__all__ = ["run_model", "first_nonfinite", "nonfinite_cause", "nonfinite_hint", "reaching_layers"]


def run_model(model: torch.nn.Module, inputs: dict, n: int, where: Callable[[], tuple[str, bool]] | None,
              examples: Sequence[int] | None = None, net: Any = None,
              given: GivenExamples | None = None) -> Any:
    """``model``'s outputs on a batch (``n`` examples: the data's ``examples``, where known); a DataError it raises
    (a distribution parameter gone bad as the arrays changed) as a TrainingError naming ``where()``: (the round and
    batch, whether steps were taken), and the example in the data where it names one (``where`` None: the DataError
    itself, outside training). Advice on the learning rate comes only after steps, and for a value ``net`` computed
    that grew too large (to inf or NaN), not one of the data nor one outside a constraint that any step can break (a
    probability array fed straight off its simplex). ``given(port, i)``: example ``i`` of the data at ``port`` as given
    (None: unknown), read for a 0 a layer refused, which the cast to the working precision may have made (1e-300)."""
    try:
        with examples_at(examples) if examples is not None else contextlib.nullcontext():
            return call_by_name(model, inputs) if inputs else model(batch_size=n)
    except DataError as exc:
        if where is None:
            raise
        place, trained = where()
        exc = _underflow(exc, net, inputs, examples, given) or exc
        grown = any(d.kind == "parameter-overflow" and not _of_data(net, d) for d in exc.diagnostics)
        advice = (" A smaller learning_rate or method=('Adam', {'max_gradient_norm': 1.0}) keeps the arrays from "
                  "growing that far." if trained and grown else "")
        raise TrainingError(f"training stopped at {place}: {exc}{advice}", diagnostics=exc.diagnostics) from exc


def _underflow(exc: DataError, net: Any, inputs: dict, examples: Sequence[int] | None,
               given: GivenExamples | None) -> DataError | None:
    """``cast_underflow`` for a 0 a layer refused at a port fed by an input, where the example as given (one value
    read) was nonzero: the batch's row of it is the cast; None otherwise (the layer's error stands)."""
    if given is None or net is None:
        return None

    def example(port: str, i: int) -> tuple[Any, Any]:
        value, cast = given(port, i), inputs[port][list(examples).index(i) if examples is not None else i]
        if value is not None and cast.dim() and len(value) < len(cast):  # a sequence padded to the batch's longest
            cast = cast[:len(value)]
        return value, cast

    return cast_underflow(exc, net, example, "working_precision='float64'", given.source_of(examples))


def _of_data(net: Any, diagnostic: Diagnostic) -> bool:
    """Whether ``diagnostic`` is about a value of the data given: a problem of data, or a bad value at a layer's port
    fed straight by one of ``net``'s inputs (not a value the net computed)."""
    if diagnostic.kind == "data":
        return True
    if net is None or diagnostic.layer is None or diagnostic.port is None:
        return False
    node = net.ir.node(diagnostic.layer) if net.ir.has_node(diagnostic.layer) else None
    return node is not None and diagnostic.port in dict(node.given)


def first_nonfinite(net: Any, module: torch.nn.Module, inputs: dict,
                    batch_size: int) -> tuple[tuple, str, str, list[int]] | None:
    """Run ``net`` layer by layer (as the interpreter does) and return the first (path, port) key whose
    value is NaN or infinite, what is wrong there (the phrase naming it, then a count of the bad values) and the
    rows of the batch that hold them (none for a value without the batch's rows); None when every layer output is
    finite. A layer that refuses its values (a draw the compiled forward made unchecked, a pathwise Normal's or
    Uniform's, checked here) is the key at the port it names, with the parameter and the value, where it is the
    cause: it feeds the first non-finite output (or is it), or every output is finite; else the walk goes on past it
    with the draw unchecked, as the compiled forward made it (a negative sigma's draws are finite). A NetMapOperator
    whose output went non-finite is replayed inside: the key is then its inner layer's, ``(*map_path, "net", ...)``."""
    finder = _NonfiniteFinder(net, module, batch_size)
    try:
        with torch.no_grad():
            finder.run(inputs)
    except _Nonfinite as found:
        return found.args[0]
    return finder.refusal


class _Nonfinite(Exception):
    """Stops the walk at the first non-finite layer output (carries the key and a description)."""


class _NonfiniteFinder(ModuleRunner):
    checks_inline_draws = True  # a refusal there names the cause of a non-finite value

    def __init__(self, net: Any, module: torch.nn.Module, batch_size: int):
        super().__init__(net, module, batch_size)
        self.refusal: tuple | None = None  # the first refusal's finding (``_refused``)
        self.downstream: set[tuple] = set()  # the paths of the refusing layer and the layers its values reach

    def visit_node(self, node: Node, inputs: Any) -> Any:
        try:
            results = super().visit_node(node, inputs)
        except DataError as refused:
            if self.refusal is not None:  # a later refusal: the first one's values may have caused it
                raise _Nonfinite(self.refusal) from None
            self.refusal = _refused(node, refused)
            self.downstream.add(node.path)
            results = self._unchecked(node, inputs)
        if self.downstream and any(v.node in self.downstream for v in node.inputs.values()):
            self.downstream.add(node.path)
        for port, value in zip(node.output_ports, results):
            if value.is_floating_point() and bool((bad := ~torch.isfinite(value)).any()):  # one pass over it
                if node.path not in self.downstream and getattr(node.layer, "MAPS_ELEMENTS", False):
                    self._inside_map(node, inputs)
                raise _Nonfinite(self.refusal if node.path in self.downstream else _nonfinite(node, port, value, bad,
                                                                                               self.batch_size))
        return results

    def _inside_map(self, node: Node, inputs: Any) -> None:
        """Replay NetMapOperator ``node``'s inner net on the sequence folded into the batch, as its module runs it: a
        finding there (its path under the operator's, its rows as the batch's) is raised for the operator's."""
        length = inputs[0].shape[1]
        inner = node.layer.inner_nets(node.types)["net"]
        folded = {port: x.flatten(0, 1) for port, x in zip(node.input_ports, inputs)}
        found = first_nonfinite(inner, submodule(self.module, node.path).net, folded, self.batch_size * length)
        if found is not None:
            (path, port), lead, what, rows = found
            raise _Nonfinite((((*node.path, "net", *path), port), lead, what, sorted({r // length for r in rows})))

    def _unchecked(self, node: Node, inputs: Any) -> Any:
        """The outputs of random layer ``node`` drawn unchecked, as the compiled forward drew them; another layer's
        refusal (or torch's refusal to draw) ends the walk, naming the refusal."""
        sub = submodule(self.module, node.path)
        if not isinstance(sub, RandomModule):
            raise _Nonfinite(self.refusal)
        checks, sub.checks = sub.checks, False
        try:
            return super().visit_node(node, inputs)
        except DataError:
            raise _Nonfinite(self.refusal) from None
        finally:
            sub.checks = checks


def _nonfinite(node: Node, port: str, value: torch.Tensor, bad: torch.Tensor,
               batch_size: int) -> tuple[tuple, str, str, list[int]]:
    """``first_nonfinite``'s finding for output ``port`` of ``node``, ``value``, not finite where ``bad``."""
    nan = int(value.isnan().sum())  # only for the one non-finite output found
    rows = bad.reshape(batch_size, -1).any(1).nonzero().flatten().tolist() \
        if value.dim() and value.shape[0] == batch_size else []
    counts = f"{nan} NaN and {int(bad.sum()) - nan} infinite of {counted(value.numel(), 'value')}"
    return (node.path, port), "the first layer whose output went non-finite is", counts, rows


def _refused(node: Node, error: DataError) -> tuple[tuple, str, str, list[int]]:
    """``first_nonfinite``'s finding for layer ``node`` refusing its values with ``error``: the port and the row of
    the batch its Diagnostic names, and what was wrong there."""
    found = error.diagnostics[0]
    what = (f"parameter {found.option} must be {found.expected}, found {found.found}" if found.option and found.expected
            else found.kind)
    return ((node.path, found.port or node.output_ports[0]), "the first layer that refuses its values is",
            what, [found.example] if found.example is not None else [])


def reaching_layers(net: Any, ports: set[str]) -> set[tuple]:
    """Paths of the leaf layers whose outputs reach any of the output ``ports``."""
    ir = net.ir
    seen = {ir.outputs[p].node for p in ports} - {None}
    for node in reversed(ir.nodes):  # consumers come after their producers: one backward pass
        if node.path in seen:
            seen.update(v.node for v in node.inputs.values() if v.node is not None)
    return seen


def nonfinite_cause(net: Any, module: Any, batch: dict, n: int, loss: str,
                    examples: Sequence[int] | None = None) -> tuple[str, int, tuple | None, int | None, str]:
    """Why a batch's loss is not finite, how sure that is (2: a layer's output went non-finite, 1: the data is not
    finite, 0: neither, so the loss itself), the first such layer's (path, port) or None, the first example whose
    output there is not finite or None, and the batch's non-finite data (``non_finite_data``'s, '' when none): the
    first such layer and example, non-finite arrays, the data's ranges (bad examples by their index in the data
    given, ``examples``, where known; else by their row in the batch)."""
    bad_arrays = [name for name, p in module.named_parameters() if not bool(torch.isfinite(p).all())]
    bad_data = non_finite_data(batch, examples)  # keys the data check lets through: a loss function's own, infinities
    found = first_nonfinite(net, module, {p: batch[p] for p in net.input_ports}, n)
    if found is not None:
        (path, port), lead, counts, rows = found
        first = min(examples[row] for row in rows) if rows and examples is not None else (rows or [None])[0]
        msg = f"{lead} {net.describe((path, port))} ({counts}{_in(first, rows, examples)})"
        if bad_arrays:
            msg += f"; arrays already non-finite: {', '.join(bad_arrays[:5])}"
        if bad_data:
            msg += f"; the batch's data is not finite ({bad_data})"
        return msg, 2, (path, port), first, bad_data
    if bad_data:
        return f"every layer output was finite, but the batch's data is not ({bad_data})", 1, None, None, bad_data
    reals = [v for v in batch.values() if v.is_floating_point() and v.numel()]
    largest = max((float(v.abs().max()) for v in reals), default=0.0)
    dtype = reals[0].dtype if reals else working_dtype()  # the working precision's: where squares overflow
    return (f"every layer output was finite, so the loss itself ({loss}) is not: check the data's ranges (its largest "
            f"magnitude is {largest:.3g}; squares overflow past about {torch.finfo(dtype).max ** 0.5:.2g} in "
            f"{str(dtype).removeprefix('torch.')}) and targets such as a probability of exactly 0 for a cross-entropy "
            f"target"), 0, None, None, bad_data


def nonfinite_hint(bad_data: str) -> str:
    """What to do about a batch whose loss is not finite, given its non-finite data (``nonfinite_cause``'s, '' when
    none): clean the data where it holds NaN or infinities (no learning rate makes them finite), else train more
    gently."""
    if bad_data:
        return "remove or fix the examples that hold NaN or infinities (the data given, not the training, is at fault)"
    return "a smaller learning_rate, method=('Adam', {'max_gradient_norm': 1.0}) or cleaner data usually helps"


def _in(first: int | None, rows: list[int], examples: Sequence[int] | None) -> str:
    """'; in 2 examples, the first example 13': the examples whose output is not finite, the first by its index in
    the data given (``examples``), else by its row "of the batch"; '' when the output has no rows of the batch."""
    if first is None:
        return ""
    of = "" if examples is not None else " of the batch"
    return f"; in example {first}{of}" if len(rows) == 1 else \
        f"; in {counted(len(rows), 'example')}{of}, the first example {first}"
