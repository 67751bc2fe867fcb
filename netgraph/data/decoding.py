"""Decoding: an output port's tensor becomes labels (or probabilities) through its decoder.

``net(x, decoder=...)`` chooses what a decoder returns (Wolfram's ``net[x, "Probabilities"]``):

* ``"Decision"`` (the default): the label (ClassDecoder; a list of them for a sequence of probability vectors) or
  True/False (BooleanDecoder);
* ``"Probabilities"``: ``{label: probability}`` (ClassDecoder), the probability of True (BooleanDecoder);
* ``"TopProbabilities"`` or ``("TopProbabilities", k)``: the k most likely ``(label, probability)`` pairs;
* ``"TopDecisions"`` or ``("TopDecisions", k)``: the k most likely labels;
* ``None``: no decoding, the tensor itself.

>>> import torch
>>> from netgraph.core.coders import ClassDecoder
>>> decode(ClassDecoder(["cat", "dog"]), "Output", torch.tensor([[0.2, 0.8], [0.9, 0.1]]), parse_property("Decision"))
['dog', 'cat']
>>> decode(ClassDecoder(["cat", "dog"]), "Output", torch.tensor([[0.25, 0.75]]), parse_property(("TopProbabilities", 1)))
[[('dog', 0.75)]]
"""

from __future__ import annotations

import numbers
from typing import Any

import torch

from netgraph.core.coders import BooleanDecoder, ClassDecoder, Coder
from netgraph.core.error_places import Where, located_error
from netgraph.core.errors import DataError, OptionError
from netgraph.core.integers import plain_int
from netgraph.core.name_guesses import did_you_mean

__all__ = ["decode", "decode_where_fits", "parse_property", "PROPERTIES"]

PROPERTIES = ("Decision", "Probabilities", "TopProbabilities", "TopDecisions")
_TOP_DEFAULT = 5


def parse_property(value: Any) -> tuple[str, int | None] | None:
    """``decoder=`` as (property, k), or None for no decoding; an OptionError for anything else.

    >>> parse_property("Probabilities"), parse_property(("TopProbabilities", 2)), parse_property(None)
    (('Probabilities', None), ('TopProbabilities', 2), None)
    """
    if value is None or value is False:
        return None
    name, k = (value, None) if isinstance(value, str) else (value if isinstance(value, tuple) and len(value) == 2
                                                          else (None, None))
    if name in PROPERTIES and k is not None:
        _check_argument(name, k, value)
        k = plain_int(k)  # numpy's integers too
    if name not in PROPERTIES:
        raise OptionError(f"decoder= must be one of {list(PROPERTIES)}, ('TopProbabilities', k) or ('TopDecisions', "
                          f"k) with k a positive int, or None (no decoding); found {value!r}"
                          f"{did_you_mean(name, PROPERTIES) if isinstance(name, str) else ''}", option="decoder",
                          kind="option-value", found=value)
    return name, k


def _check_argument(name: str, k: Any, value: tuple) -> None:
    """An OptionError for a property's argument that is none: 'TopProbabilities' needs a positive int, the number of
    classes to give, and 'Decision' and 'Probabilities' take none."""
    if not name.startswith("Top"):
        raise OptionError(f"decoder={name!r} takes no argument: give decoder={name!r}, found {value!r}",
                          option="decoder", kind="option-value", expected=name, found=value)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise OptionError(f"decoder=({name!r}, k) needs k a positive int (how many classes to give), found k={k!r}",
                          option="decoder", kind="option-value", expected="a positive int", found=k)


def decode(coder: Coder, port: str, x: torch.Tensor, prop: tuple[str, int | None]) -> list:
    """One decoded value per example of the batch ``x``.

    >>> import torch
    >>> from netgraph import ClassDecoder
    >>> decode(ClassDecoder(["cat", "dog"]), "Output", torch.tensor([[0.9, 0.1], [0.2, 0.8]]), ("Decision", None))
    ['cat', 'dog']
    """
    name, k = prop
    if name != "Probabilities" and (isinstance(coder, BooleanDecoder) or x.dim() >= 2):  # indices: checked below
        _refuse_nan(coder, port, x)
    if isinstance(coder, BooleanDecoder):
        p = x.reshape(x.shape[0]).tolist()
        if name.startswith("Top"):
            raise OptionError(f"output port {port!r} (BooleanDecoder) gives 'Decision' or 'Probabilities', not "
                              f"{name!r}", option="decoder", port=port, layer=(), kind="option-value", found=name)
        return [v > 0.5 for v in p] if name == "Decision" else p
    if isinstance(coder, ClassDecoder):
        return _classes(coder, port, x, name, k)
    raise DataError(f"output port {port!r}: {coder.type_name} cannot decode", kind="decoding", port=port, layer=())


def decode_where_fits(decoders: dict[str, Coder], outputs: dict[str, torch.Tensor],
                      prop: tuple[str, int | None]) -> dict[str, Any]:
    """``outputs`` with each decoded port (in ``decoders``) decoded: as ``prop`` says where it fits the port, else
    as its ``"Decision"`` (a top-k of a BooleanDecoder beside a ClassDecoder); the error of the first port where it
    fits none. A port without a decoder keeps its tensor.

    >>> import torch
    >>> from netgraph import ClassDecoder
    >>> outputs = {"Output": torch.tensor([[0.9, 0.1]]), "Score": torch.tensor([0.5])}
    >>> decode_where_fits({"Output": ClassDecoder(["cat", "dog"])}, outputs, ("Decision", None))
    {'Output': ['cat'], 'Score': tensor([0.5000])}
    """
    fitting = {p for p, x in outputs.items() if p in decoders and fits(decoders[p], x, prop[0])}
    if not fitting:
        port = next(p for p in outputs if p in decoders)
        decode(decoders[port], port, outputs[port], prop)  # raises: the property fits no decoded output
    return {p: x if p not in decoders else decode(decoders[p], p, x, prop if p in fitting else ("Decision", None))
            for p, x in outputs.items()}


def fits(coder: Coder, x: torch.Tensor, name: str) -> bool:
    """Whether the decoder ``coder`` of an output ``x`` gives the property ``name``: a BooleanDecoder no top-k,
    class indices (a ClassDecoder's scalar output) only the decision."""
    if isinstance(coder, BooleanDecoder):
        return not name.startswith("Top")
    return not (isinstance(coder, ClassDecoder) and x.dim() == 1) or name == "Decision"


def _refuse_nan(coder: Coder, port: str, x: torch.Tensor) -> None:
    """A DataError naming the first example (and, in a tagger's sequence of probability vectors, the position) whose
    output holds NaN: argmax would take NaN for the largest value, and NaN > 0.5 is False, so a decision would be
    made of no number. A sequence reaches here cut to its length (ragged batches run by length groups), so every
    position is an output."""
    if not x.is_floating_point() or not bool(torch.isnan(x).any()):
        return
    nan = x.detach().isnan()
    example = int(nan.reshape(x.shape[0], -1).any(1).nonzero()[0, 0])
    position = (f", position {int(nan[example].any(-1).nonzero()[0, 0])}"
                if isinstance(coder, ClassDecoder) and x.dim() == 3 else "")
    what = "label" if isinstance(coder, ClassDecoder) else "True or False"

    def render(places: list[Where]) -> str:  # the example renumbered when a length group of a ragged batch raised
        return (f"output port {port!r} ({coder.type_name}): example {places[0].example}{position}: the output holds "
                f"NaN, so no {what} can be decided (decoder='Probabilities' or decoder=None shows the values)")

    raise located_error([Where(example, ())], render, kind="decoding", port=port, layer=())


def _classes(coder: ClassDecoder, port: str, x: torch.Tensor, name: str, k: int | None) -> list:
    labels = coder.labels
    if x.dim() == 1:  # scalar class indices
        if name != "Decision":
            raise OptionError(f"output port {port!r} gives class indices, not probabilities: decoder={name!r} "
                              f"needs a probability vector", option="decoder", port=port, layer=(),
                              kind="option-value", found=name)
        index = x.round().long()
        if bool(((index < 0) | (index >= len(labels))).any()):
            bad = int(((index < 0) | (index >= len(labels))).nonzero()[0, 0])
            raise DataError(f"output port {port!r} (ClassDecoder): example {bad}: index {x[bad].item():g} is not a "
                            f"class index in [0, {len(labels)})", port=port, layer=(), kind="decoding",
                            found=x[bad].item())
        return [labels[i] for i in index.tolist()]
    p = x.detach().to(torch.float64)
    if p.dim() == 3:  # a sequence of probability vectors per example: decoded at each position
        return [_vectors(labels, sequence, name, k) for sequence in p]
    return _vectors(labels, p, name, k)


def _vectors(labels: tuple, p: torch.Tensor, name: str, k: int | None) -> list:
    """One decoded value per probability vector (row) of ``p``; tied classes in label order (argmax and the stable
    sort both give the first), so a top-k's first label is the Decision."""
    if name == "Decision":
        return [labels[i] for i in p.argmax(-1).tolist()]
    if name == "Probabilities":
        return [dict(zip(labels, row)) for row in p.tolist()]
    values, indices = _stable_top(p, min(k or _TOP_DEFAULT, len(labels)))
    pairs = [[(labels[i], v) for v, i in zip(row_values, row_indices)]
             for row_values, row_indices in zip(values.tolist(), indices.tolist())]
    return pairs if name == "TopProbabilities" else [[label for label, _ in row] for row in pairs]


def _stable_top(p: torch.Tensor, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``count`` largest values of each row and their indices, ties in label order: the stable descending sort cut
    to ``count``, at topk's cost. topk's tie order is unspecified, so its picks are put in label order and stably
    sorted by value; a row whose next value ties the last pick (topk may have taken a later label) is sorted whole."""
    top = torch.topk(p, min(count + 1, p.shape[-1]), dim=-1)
    index = top.indices[..., :count].sort(dim=-1).values
    values = p.gather(-1, index)
    order = values.sort(dim=-1, descending=True, stable=True).indices
    values, index = values.gather(-1, order), index.gather(-1, order)
    if p.shape[-1] > count and bool((boundary := top.values[..., count] == top.values[..., count - 1]).any()):
        tied = torch.sort(p[boundary], dim=-1, descending=True, stable=True)
        values[boundary], index[boundary] = tied.values[..., :count], tied.indices[..., :count]
    return values, index
