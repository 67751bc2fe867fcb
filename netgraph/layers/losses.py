"""Wolfram's loss layers: MeanSquared-, MeanAbsolute-, CrossEntropy-, Contrastive- and CTCLossLayer.

Every loss layer has input ports ``Input`` and ``Target`` and one output port ``Loss``. The loss is one number per
example: the ``Loss`` port has shape ``()``, so the compiled module returns a tensor of shape ``(batch,)``; a training
loop takes its mean. Elementwise losses are averaged over all non-batch elements.

``CrossEntropyLossLayer(form)`` takes, as Wolfram's, *probabilities* on ``Input`` (the output of a SoftmaxLayer or of
ElementwiseLayer("LogisticSigmoid"); others are a DataError); ``logits=True`` takes unnormalised scores instead
(numerically safer, as torch's ``F.cross_entropy``). Forms:

* ``"Index"``: ``Input`` (..., c) class probabilities (classes on the last dim), ``Target`` (...) **integer class
  indices counted from 0** (torch's convention; Wolfram counts from 1);
* ``"Probabilities"``: ``Target`` has ``Input``'s shape and holds a distribution over the last dim;
* ``"Binary"``: ``Input`` and ``Target`` have the same shape, each element a probability of 1.

>>> CrossEntropyLossLayer("Index").input_ports, CrossEntropyLossLayer("Index").output_ports
(('Input', 'Target'), ('Loss',))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from netgraph.layers._loss_modules import (EPSILON, NARROW, ContrastiveModule, CTCModule, checked_probabilities,
                                           narrowed, picked_loss, wide)
from netgraph.layers._masks import masked_loss
from netgraph.layers._shapes import fill, ranged_number
from netgraph.layers.index_checks import check_indices
from netgraph.core.layer import EmitContext, Layer
from netgraph.core.options import Literal, Shape, Within
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.option_problems import option_problem
from netgraph.core.conflicts import Conflict
from netgraph.core.types import INTEGER, REAL, PortType, unify
from netgraph.layers._modules import LayerModule
from netgraph.core.tracing import jit_tracing, symbolic_tracing
from netgraph.core.naming_scope import quoted

__all__ = ["MeanSquaredLossLayer", "MeanAbsoluteLossLayer", "CrossEntropyLossLayer", "ContrastiveLossLayer", "CTCLossLayer", "LOSS_LAYERS",
           "EPSILON"]

CROSS_ENTROPY_FORMS = ("Index", "Probabilities", "Binary")


#: Each example's mean in a template (example_mean: one mean over the dims; Contrastive's ONNX import reads it)
_MEAN = ".unsqueeze(-1).flatten(1).mean(1)"


def example_mean(code: str, rank: int) -> str:
    """``code`` (a template ending in ``_MEAN``) for elements of ``rank`` dims after the batch: the values themselves
    for 0 (a mean of one), else the mean over dims 1 ... rank: no view op (a dispatch forward and one backward each: 20%
    of a 64 x 10 "Binary" loss's step) and no Flatten in an ONNX file (one of a variable-length dim does not import)."""
    return code.replace(_MEAN, f".mean({tuple(range(1, rank + 1))})" if rank else "")


class _LossBase(Layer):
    input_ports = ("Input", "Target")
    output_ports = ("Loss",)

    def masking(self, types: Mapping[str, PortType]) -> str:
        """Padded sequences: the loss averages each sequence's real elements only (``_CodeModule``)."""
        return "masked" if isinstance(self.build(types), _CodeModule) else "unaware"


class _PairLoss(_LossBase):
    """Input and Target share one shape; the loss is the mean of an elementwise function."""

    CODE = ""  # template in {x}, {t}

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, REAL), "Target": PortType(self.input, REAL), "Loss": PortType((), REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        try:
            merged = unify(types["Input"], types["Target"])
        except Conflict as exc:
            raise exc.reworded(f"ports 'Input' and 'Target' must have the same shape: {exc}") from None
        types["Input"] = types["Target"] = merged
        fill(types, "Loss", ())
        return types

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return _CodeModule(self.CODE)

    def emit(self, ctx: EmitContext) -> str:
        return example_mean(self.CODE, len(ctx.types["Input"].shape)).format(x=ctx.args[0], t=ctx.args[1])


class _CodeModule(LayerModule):
    """Computes a loss with the handwritten function for its template (the reference interpreter path).

    ``checks`` is a cross-entropy's form: ``"Index"`` (Target holds class indices of Input's last dim),
    ``"Probabilities"`` or ``"Binary"`` (Target holds probabilities), and Input probabilities unless ``logits``: bad
    values are a DataError naming the port, not torch's error from inside the loss, nor a negative loss."""

    def __init__(self, code: str, checks: str | None = None, widen: bool = False, logits: bool = False,
                 elements: bool = False):  # elements: a class vector per element of an example (index_loss)
        super().__init__()
        self.code, self.checks, self.widen, self.logits, self.elements = code, checks, widen, logits, elements
        if checks is not None:  # the compiler names the layer: "layer 'loss' (CrossEntropyLossLayer)"
            self.layer_label = f"CrossEntropyLossLayer({checks!r})"
        self.layer_path: tuple[str, ...] | None = None  # and tells its path, for its errors' Diagnostic.layer

    wide, narrowed = staticmethod(wide), staticmethod(narrowed)

    def index_target(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``t`` checked as indices of ``x``'s last dim (the forward of a module pickled before index_loss calls it)."""
        return check_indices(t, x.shape[-1], f"{self.layer_label} port 'Target' (classes of 'Input')",
                             layer=self.layer_path, port="Target")

    def index_loss(self, x: torch.Tensor, t: torch.Tensor, known: bool = False) -> torch.Tensor:
        """The compiled code's loss of each example of class indices ``t`` (``x`` checked as probabilities unless
        ``logits`` or ``known``, a softmax's output): on the CPU torch's own range check, then check_indices's error if
        it fails; check_indices first on a GPU (a fatal device assert), under fx or torch.jit (the ONNX export:
        import_onnx reads its gather), for other target dtypes and for float16 (in float32)."""
        x = x if self.logits or known else self.unit(x, "Input", True)
        if symbolic_tracing() or jit_tracing() or not t.is_cpu or t.dtype != torch.long or x.dtype in NARROW:
            return self._mean(picked_loss(wide(x), self.index_target(t, x), self.logits)).to(x.dtype)
        try:  # every negative index as -1, which torch refuses (its ignore_index, -100, is then none of them)
            each = F.cross_entropy(x.movedim(-1, 1) if self.elements else x, t.clamp_min(-1),
                                   reduction="none") if self.logits else picked_loss(x, t, False)
        except (IndexError, RuntimeError):
            self.index_target(t, x)  # the DataError naming the index out of range
            raise
        return self._mean(each)

    def _mean(self, each: torch.Tensor) -> torch.Tensor:
        return each.flatten(1).mean(1) if self.elements else each

    def unit(self, v: torch.Tensor, port: str, nan: bool = False) -> torch.Tensor:
        return checked_probabilities(v, self.layer_label, port, self.layer_path, nan)

    def _checked(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if self.checks == "Index":
            t = self.index_target(t, x)
        if self.checks is not None:  # NaN left to the checks of non-finite outputs, as before these were checked
            x = x if self.logits else self.unit(x, "Input", True)
            t = t if self.checks == "Index" else self.unit(t, "Target", True)
        run = self._picked if self.checks == "Index" else _RUNNERS[self.code]
        return run(wide(x), wide(t)).to(x.dtype) if self.widen else run(x, t)

    def _picked(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The interpreter's "Index" loss: each example's mean (a padded sequence's steps come one per example)."""
        return picked_loss(x, t, self.logits).unsqueeze(-1).flatten(1).mean(1)

    def forward(self, x: torch.Tensor, t: torch.Tensor, lengths: tuple | None = None) -> torch.Tensor:
        given = [n for n in lengths or () if n is not None]
        if given:
            return masked_loss(self._checked, x, t, given[0])
        return self._checked(x, t)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class MeanSquaredLossLayer(_PairLoss):
    """Mean of ``(Input - Target)^2`` over each example's elements: ``Loss`` has shape ``()``.

    >>> MeanSquaredLossLayer().declared_types()["Loss"].shape
    ()
    """

    input: Shape = None
    CODE = "({x} - {t}).square().unsqueeze(-1).flatten(1).mean(1)"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class MeanAbsoluteLossLayer(_PairLoss):
    """Mean of ``|Input - Target|`` over each example's elements: ``Loss`` has shape ``()``."""

    input: Shape = None
    CODE = "({x} - {t}).abs().unsqueeze(-1).flatten(1).mean(1)"


_CE_CODE = {  # "Index" has none: index_loss computes it
    ("Probabilities", False): "(-({t} * {x}.clamp_min(1e-12).log()).sum(-1)).unsqueeze(-1).flatten(1).mean(1)",
    ("Probabilities", True): "(-({t} * F.log_softmax({x}, -1)).sum(-1)).unsqueeze(-1).flatten(1).mean(1)",
    ("Binary", False): "(-({t} * {x}.clamp_min(1e-12).log() + (1 - {t}) * (1 - {x}).clamp_min(1e-12).log()))"
                       ".unsqueeze(-1).flatten(1).mean(1)",
    ("Binary", True): "F.binary_cross_entropy_with_logits({x}, {t}, reduction='none')"
                      ".unsqueeze(-1).flatten(1).mean(1)",
}


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CrossEntropyLossLayer(_LossBase):
    """Cross-entropy between ``Input`` probabilities and ``Target``: ``CrossEntropyLossLayer("Index")``.

    ``form`` is ``"Index"`` (integer class targets from 0), ``"Probabilities"`` or ``"Binary"``;
    ``logits=True`` takes unnormalised scores on ``Input``. ``input=`` fixes the input shape.

    >>> CrossEntropyLossLayer("Index", input=10).declared_types()["Target"]
    PortType(shape=(), dtype='Integer')
    """

    form: Literal["Index", "Probabilities", "Binary"] = "Index"
    input: Shape = None
    logits: bool = False
    CHECKS_INDICES = True  # an "Index" target's errors name the bad class's example: check_indices
    POSITIONAL = "form"

    def validate(self) -> None:
        if self.form not in CROSS_ENTROPY_FORMS:
            option_problem(OptionError(f"CrossEntropyLossLayer: unknown target form {self.form!r}"
                                       f"{did_you_mean(self.form, CROSS_ENTROPY_FORMS)}; use one of "
                                       f"{', '.join(map(repr, CROSS_ENTROPY_FORMS))}", option="form",
                                       expected=list(CROSS_ENTROPY_FORMS), found=self.form), None)
        if self.form == "Index" and self.input == ():
            raise OptionError("CrossEntropyLossLayer('Index') input= must have a class dimension (the last), "
                              "found () — e.g. input=10 for 10 classes", option="input",
                              expected="a class dimension", found=self.input)

    @property
    def code(self) -> str:
        return _CE_CODE.get((self.form, self.logits), "")

    def declared_types(self) -> dict[str, PortType]:
        target = None
        if self.input is not None:
            target = self.input[:-1] if self.form == "Index" else self.input
        dtype = INTEGER if self.form == "Index" else REAL
        return {"Input": PortType(self.input, REAL), "Target": PortType(target, dtype), "Loss": PortType((), REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        fill(types, "Loss", ())
        x, t = types["Input"].shape, types["Target"].shape
        if self.form != "Index":
            try:
                types["Input"] = types["Target"] = unify(types["Input"], types["Target"])
            except Conflict as exc:
                raise exc.reworded(f"ports 'Input' and 'Target' must have the same shape for form "
                                   f"{self.form!r}: {exc}") from None
            if self.form == "Probabilities" and types["Input"].shape == ():
                raise Conflict("ports 'Input' and 'Target' must hold class probabilities on their last dimension "
                               "for form 'Probabilities', found scalars (); use form 'Binary' for one probability",
                               port="Input", expected="class probabilities on their last dimension", found=())
            return types
        if x is not None and len(x) == 0:
            raise Conflict("port 'Input' must hold class probabilities on its last dimension, found a scalar ()",
                           port="Input", expected="class probabilities on its last dimension", found=())
        if x is not None:
            try:
                fill(types, "Target", x[:-1])
            except Conflict as exc:
                raise exc.reworded(f"{exc} (for form 'Index' the Target is the Input's shape without its last, "
                                   f"class, dimension)", exc.port) from None
        elif t is not None:
            fill(types, "Input", (*t, None))
        return types

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return _CodeModule(self.code, self.form, widen=True, logits=self.logits,
                           elements=len(types["Input"].shape) > 1)

    def emit(self, ctx: EmitContext) -> str:
        if self.form == "Index":  # widened, checked and averaged in index_loss (torch's own range check on the CPU)
            known = ", True" if not self.logits and ctx.known_probabilities("Input") else ""
            return f"{ctx.module}.index_loss({ctx.args[0]}, {ctx.args[1]}{known})"
        return self._loss(ctx, *self._operands(ctx))

    def emit_block(self, ctx: EmitContext, outputs: tuple[str, ...]) -> list[str]:
        """The module (nn.Module's __getattr__ is slow), checks and widening once each into locals, then the loss."""
        if ctx.local is None or self.form == "Index":  # index_loss: one call
            return super().emit_block(ctx, outputs)
        m, x, t = ctx.local("module"), ctx.local("x"), ctx.local("t")
        first, ctx = f"{m} = {ctx.module}", dataclasses.replace(ctx, module=m)
        return [first, f"{x}, {t} = {', '.join(self._operands(ctx))}", f"{outputs[0]} = {self._loss(ctx, x, t)}"]

    def _operands(self, ctx: EmitContext) -> tuple[str, str]:
        (x, t), m = ctx.args, ctx.module
        # none of a softmax's or sigmoid's outputs (their NaN left to the non-finite checks); logits=True: Target only
        x = x if self.logits or ctx.known_probabilities("Input") else f"{m}.unit({x}, 'Input', True)"
        t = t if ctx.known_probabilities("Target") else f"{m}.unit({t}, 'Target', True)"
        return f"{m}.wide({x})", f"{m}.wide({t})"

    def _loss(self, ctx: EmitContext, x: str, t: str) -> str:
        rank = len(ctx.types["Input"].shape) - (self.form == "Probabilities")  # of each element's loss
        return f"{ctx.module}.narrowed({example_mean(self.code, rank).format(x=x, t=t)}, {ctx.args[0]})"


def _each_mean(v: torch.Tensor) -> torch.Tensor:  # each example's mean over dims 1 ..., as example_mean writes it
    return v.mean(tuple(range(1, v.dim()))) if v.dim() > 1 else v


# Handwritten equivalents of each template, so the interpreter does not share code with the compiler.
_RUNNERS = {
    MeanSquaredLossLayer.CODE: lambda x, t: _each_mean((x - t).square()),
    MeanAbsoluteLossLayer.CODE: lambda x, t: _each_mean((x - t).abs()),
    _CE_CODE[("Probabilities", False)]: lambda x, t: _each_mean(-(t * torch.log(x.clamp_min(EPSILON))).sum(-1)),
    _CE_CODE[("Probabilities", True)]: lambda x, t: _each_mean(-(t * torch.log_softmax(x, -1)).sum(-1)),
    _CE_CODE[("Binary", False)]: lambda x, t: _each_mean(-(t * torch.log(x.clamp_min(EPSILON))
                                                           + (1 - t) * torch.log((1 - x).clamp_min(EPSILON)))),
    _CE_CODE[("Binary", True)]: lambda x, t: _each_mean(F.binary_cross_entropy_with_logits(x, t, reduction="none")),
}


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ContrastiveLossLayer(_PairLoss):
    """Wolfram's contrastive loss on a distance ``Input`` and a 0/1 ``Target`` (True: push apart, False: pull together).

    Per element ``Max[margin - Input, 0]^2`` where ``Target`` is 1 and ``Input^2`` where it is 0, averaged over each
    example's elements; ``margin`` defaults to Wolfram's 0.5. ``Target`` is an Integer port (booleans, 0/1 floats too).

    >>> ContrastiveLossLayer(1.0).declared_types()["Target"].dtype
    'Integer'
    """

    margin: float = 0.5
    input: Shape = None
    POSITIONAL = "margin"
    RANGES = {"margin": Within(0.0)}
    CODE = "torch.where({t} > 0, ({m} - {x}).clamp_min(0).square(), {x}.square()).unsqueeze(-1).flatten(1).mean(1)"

    def normalize(self) -> dict[str, Any]:
        return {"margin": ranged_number(self, "margin")}

    def declared_types(self) -> dict[str, PortType]:
        return {**super().declared_types(), "Target": PortType(self.input, INTEGER)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        try:
            shape = unify(PortType(types["Input"].shape, REAL), PortType(types["Target"].shape, REAL)).shape
        except Conflict as exc:
            raise exc.reworded(f"ports 'Input' and 'Target' must have the same shape: {exc}") from None
        fill(types, "Input", shape)
        fill(types, "Target", shape)
        fill(types, "Loss", ())
        return types

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return ContrastiveModule(self.margin)

    def emit(self, ctx: EmitContext) -> str:
        return self.CODE.format(x=ctx.args[0], t=f"{ctx.module}.binary({ctx.args[1]})", m=self.margin)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CTCLossLayer(_LossBase):
    """Connectionist temporal classification: ``-log p(Target | Input)`` over all alignments (torch's ``F.ctc_loss``).

    ``Input`` is a sequence of class probabilities (n, c) (``logits=True``: unnormalised scores); **the
    blank is the last class, c - 1, as in Wolfram**. ``Target`` is a sequence of class indices **from 0**
    (as every Integer port here; Wolfram counts from 1) below c - 1; negative entries at its end are
    padding, so targets of different lengths share a batch. ``Loss`` is one number per example (not divided
    by the target length); an impossible alignment gives ``inf``, with gradient 0.

    >>> CTCLossLayer(input=("n", 5)).declared_types()["Target"]
    PortType(shape=('m',), dtype='Integer')
    """

    input: Shape = None
    logits: bool = False

    def validate(self) -> None:
        if self.input is not None and (len(self.input) != 2 or self.input[1] in (None, 1)):
            option_problem(OptionError(f"CTCLossLayer option input= must be (length, classes) with at least 2 classes "
                                       f"(the last is the blank), found {quoted(self.input)}", option="input",
                                       expected="(length, classes) with at least 2 classes", found=self.input), None)

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, REAL), "Target": PortType(("m",), INTEGER), "Loss": PortType((), REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        fill(types, "Loss", ())
        x = types["Input"].shape
        if x is not None and (len(x) != 2 or x[1] == 1 or isinstance(x[1], str)):
            raise Conflict(f"port 'Input' must be a sequence of class probabilities (length, classes) with a fixed "
                           f"number of at least 2 classes (the last is the blank), found {x}",
                           port="Input", expected="(length, classes)", found=x)
        return types

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return CTCModule(types["Input"].shape[1], self.logits)

    def emit(self, ctx: EmitContext) -> str:
        (x, t), m, blank = ctx.args, ctx.module, ctx.types["Input"].shape[1] - 1
        p = "None" if self.logits else ctx.local("p") if ctx.local else "_p"  # floored probabilities, widened once
        log = f"F.log_softmax({m}.wide({x}), -1)" if self.logits else f"({p} := {m}.wide({x}).clamp_min(1e-12)).log()"
        lengths = f"torch.full(({x}.shape[0],), {x}.shape[1], dtype=torch.long, device={x}.device)"
        loss = (f"{m}.finish(F.ctc_loss({log}.transpose(0, 1), {m}.labels({t}), {lengths}, ({t} >= 0).sum(1), "
                f"{blank}, 'none', True), {x}, {t}, {p})")
        # F.ctc_loss refuses a batch of 0 examples; fx's proxy of the batch size cannot be branched on
        return f"({loss} if symbolic_tracing() or {x}.shape[0] else {x}.new_zeros(0))"


#: Every loss layer class (a training loop treats their ``Loss`` outputs as losses).
LOSS_LAYERS = (MeanSquaredLossLayer, MeanAbsoluteLossLayer, CrossEntropyLossLayer, ContrastiveLossLayer, CTCLossLayer)
