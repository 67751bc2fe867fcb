"""What the loss layers share: the log floor, float32 for narrow dtypes, and the modules of CTCLossLayer (its
reference) and ContrastiveLossLayer."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from netgraph.core.errors import DataError
from netgraph.core.tracing import no_values
from netgraph.layers._modules import LayerModule

#: Probabilities (and, for "Binary", 1 - p) are clamped below at this value before their log is taken, in every
#: cross-entropy form and CTCLossLayer: -log p is at most 27.63, with gradient 0 below (torch's BCE floors at 100).
EPSILON = 1e-12
#: Cross-entropy and CTC compute in float32 for these input dtypes and return the loss in the input's dtype.
NARROW = (torch.float16, torch.bfloat16)
_SHOWN = 10  # target entries a padding-order error shows


def checked_probabilities(v: torch.Tensor, label: str, port: str, layer: tuple | None, nan: bool) -> torch.Tensor:
    """``v`` when every value is a probability in [0, 1] (or NaN, where ``nan``: the checks of non-finite values name
    it); else a DataError naming ``label``'s ``port`` and the first value outside. Traced code is not checked."""
    if no_values(v) or not v.numel() or _probabilities(v):  # one pass; the checks below only when it fails
        return v
    inside = (v >= 0) & (v <= 1)
    if not bool((inside := inside | v.isnan() if nan else inside).all()):
        first = float(v.detach()[~inside][0])  # no torch warning about its grad; not a NaN the caller takes
        raise DataError(f"{label} port {port!r} takes probabilities in [0, 1], found {first}"
                        + (" (for scores, use logits=True)" if port == "Input" else ""),
                        kind="data-range", layer=layer, port=port, expected=(0, 1), found=first)
    return v


#: Each float type's integer type of its width, and the bits of 1.0 in it: IEEE floats of one sign order as their
#: bits, so a float is in [+0, 1] where its bits read as that integer are in [0, those of 1.0] (a negative float,
#: -0. too, reads negative, a NaN above).
_ONE_BITS = {real: (bits, int(torch.ones((), dtype=real).view(bits))) for real, bits in
             ((torch.float32, torch.int32), (torch.float64, torch.int64), (torch.float16, torch.int16),
              (torch.bfloat16, torch.int16))}


#: From this many values the pass reads their bits (a view: about 0.6 µs CPU), below it the floats themselves.
_BITS_FROM = 4096


def _probabilities(v: torch.Tensor) -> bool:
    """True where every value of ``v`` is in [0, 1]: one aminmax, from ``_BITS_FROM`` values over the bits as integers
    (32,000 float32: 4.9 µs CPU, over the floats 10.6; the view is no part of v's graph; False for -0. there, which
    the full check accepts), below it over the floats (320: 2.2 µs, the bits 2.9). NaN gives False (the full check
    tells). Over the floats too where torch's negative bit is set (a lazy negation, e.g. a conjugate's ``.imag``):
    their bits are not their values, and torch refuses the view."""
    bits, one = (None, 1) if v.numel() < _BITS_FROM or v.is_neg() else _ONE_BITS.get(v.dtype, (None, 1))
    ends = torch.aminmax(v.view(bits) if bits is not None else v.detach() if v.requires_grad else v)
    # Python numbers (comparing 0-dim tensors costs more than aminmax): off the CPU in one read, one device sync
    low, high = (ends[0].item(), ends[1].item()) if v.is_cpu else torch.stack(ends).tolist()
    return low >= 0 and high <= one


def picked_loss(x: torch.Tensor, t: torch.Tensor, logits: bool) -> torch.Tensor:
    """-log of the probability (``logits``: of the softmax of the scores) of class ``t`` on ``x``'s last dim, floored
    at EPSILON: CrossEntropyLossLayer("Index")'s loss of each element, the interpreter's and the compiled forward's
    where torch's own range check is not used (ONNX exports it as a GatherElements)."""
    picked = (F.log_softmax(x, -1) if logits else x).gather(-1, t.unsqueeze(-1)).squeeze(-1)
    return -picked if logits else -picked.clamp_min(EPSILON).log()


def wide(v: torch.Tensor) -> torch.Tensor:
    """``v`` in float32 if it is float16/bfloat16 (their logs and 1/p lose digits, 1e-12 is 0 in float16)."""
    return _widened(v)  # through this module's globals, which fx patches (not an importer's copy of the name)


@torch.fx.wrap  # a call in fx's graph: the dtype is read when the graph runs (fx's proxies have none to branch on)
def _widened(v: torch.Tensor) -> torch.Tensor:
    return v.float() if v.dtype in NARROW else v


def narrowed(loss: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``loss`` (computed ``wide``) in ``x``'s dtype: cast only where it was widened (``.to`` of its own dtype costs
    about as much as an op on a batch of 32)."""
    return _narrowed(loss, x)


@torch.fx.wrap  # as _widened
def _narrowed(loss: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return loss if loss.dtype == x.dtype else loss.to(x.dtype)


class CTCModule(LayerModule):
    """Checks the labels (``labels``) and computes the CTC loss per example (the reference path)."""

    wide = staticmethod(wide)

    def __init__(self, classes: int, logits: bool):
        super().__init__()
        self.classes, self.logits = classes, logits
        self.layer_label = "CTCLossLayer"  # the compiler names the layer: "layer 'ctc' (CTCLossLayer)"

    def labels(self, t: torch.Tensor) -> torch.Tensor:
        if no_values(t):  # the checks read the labels' values: eager calls only
            return t.clamp_min(0)
        if t.numel() and int(t.max()) >= self.classes - 1:
            raise DataError(f"{self.layer_label} port 'Target' takes class indices in [0, {self.classes - 1}) "
                            f"(class {self.classes - 1} is the blank), found {int(t.max())}", kind="data-range",
                            layer=self.__dict__.get("layer_path"), port="Target", expected=(0, self.classes - 2),
                            found=int(t.max()))
        padding = t < 0
        early = (padding[:, :-1] & ~padding[:, 1:]).any(dim=1)
        if bool(early.any()):
            row = int(early.nonzero()[0, 0])
            found = tuple(t[row].tolist())
            shown = list(found[:_SHOWN]) + (["..."] if len(found) > _SHOWN else [])
            labels_first = tuple(v for v in found if v >= 0) + tuple(v for v in found if v < 0)
            raise DataError(f"{self.layer_label} port 'Target': negative (padding) entries must come after the labels, "
                            f"found {shown} (row {row} of the batch)", kind="padding-order",
                            layer=self.__dict__.get("layer_path"), port="Target", found=found,
                            expected=labels_first, example=row)
        return t.clamp_min(0)

    @staticmethod
    def impossible(t: torch.Tensor, length: int) -> torch.Tensor:
        """``inf`` for each example whose target needs more steps than ``length`` (its labels plus a blank between
        repeated neighbours), else 0: added to ``F.ctc_loss(zero_infinity=True)``, it keeps the value ``inf`` while
        the gradient stays 0 (torch's is NaN there, which a batch mean spreads to every array)."""
        real = t >= 0
        needed = real.sum(1) + ((t[:, 1:] == t[:, :-1]) & real[:, 1:]).sum(1)
        return torch.zeros(needed.shape, device=t.device).masked_fill(needed > length, math.inf)  # vmap: not in place

    def finish(self, loss: torch.Tensor, x: torch.Tensor, t: torch.Tensor, p: torch.Tensor | None) -> torch.Tensor:
        """``loss`` from ``F.ctc_loss(zero_infinity=True)``: ``inf`` added where impossible, in ``x``'s dtype. On
        probabilities ``p`` (floored, the tensor whose log went in), torch's backward (``exp(lp) - occupancy``, meant
        to go on through a log-softmax) is off by ``+1`` per element from the true ``-occupancy``: a term of value 0
        takes ``exp(lp)`` back off."""
        impossible = self.impossible(t, x.shape[1])
        if p is not None:
            loss = loss - (p - p.detach()).sum((1, 2)) * impossible.isfinite()
        return (loss + impossible).to(x.dtype)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        p = None if self.logits else torch.clamp(wide(x), min=EPSILON)
        log_probs = torch.log_softmax(wide(x), -1) if self.logits else torch.log(p)
        batch, length = x.shape[:2]
        if batch == 0:  # F.ctc_loss refuses empty log-probabilities
            return x.new_zeros(0)
        loss = F.ctc_loss(log_probs.permute(1, 0, 2), self.labels(t), [length] * batch, (t >= 0).sum(1).tolist(),
                          blank=self.classes - 1, reduction="none", zero_infinity=True)
        return self.finish(loss, x, t, p)


class ContrastiveModule(LayerModule):
    def __init__(self, margin: float):
        super().__init__()
        self.margin = margin
        self.layer_label = "ContrastiveLossLayer"  # the compiler names the layer
        self.layer_path: tuple[str, ...] | None = None  # and tells its path, for its errors' Diagnostic.layer

    def binary(self, t: torch.Tensor) -> torch.Tensor:
        """``t`` when it holds only 0 and 1 (a 2 once counted as 1, a -1 as 0, silently), else DataError."""
        if not no_values(t) and t.numel() and not bool(((t == 0) | (t == 1)).all()):
            found = t[(t != 0) & (t != 1)][0].item()  # as given: a float's 0.5 is no 0
            raise DataError(f"{self.layer_label} port 'Target' takes 1 (push apart) or 0 (pull together), found "
                            f"{found}", kind="data-range", layer=self.layer_path, port="Target", expected=[0, 1],
                            found=found)
        return t

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        t = self.binary(t)
        # torch.where, as the compiled code: with a margin that overflows (margin - x is inf) a product
        # 0 * inf would give NaN where Target is 0
        loss = torch.where(t > 0, (self.margin - x).clamp_min(0).square(), x.square())
        return loss.flatten(1).mean(1) if loss.dim() > 1 else loss
