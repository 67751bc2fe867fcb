"""Torch's training objects given to net_train, refused with netgraph's way: a torch loss as ``loss_function=``
(``nn.CrossEntropyLoss()`` takes ``(input, target)`` tensors, netgraph's callables ``(outputs, batch)`` dicts), and
a torch optimizer (net_train makes its own from the net's arrays: ``method='SGD'``).

>>> refuse_torch_loss(lambda outputs, batch: 0.0)
>>> refuse_torch_loss(torch.nn.MSELoss())
Traceback (most recent call last):
...
netgraph.core.errors.OptionError: loss_function=MSELoss is torch's loss f(input, target); ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.errors import OptionError
from netgraph.core.wording import counted
from netgraph.train.other_names import loss_layer_for

__all__ = ["refuse_torch_loss", "refuse_torch_optimizer", "refuse_other_batch_size", "single_example_shape",
           "class_labels", "logits_hint", "channel_classes_hint"]


def _torch_name(fn: Any) -> str | None:
    """The torch loss's name when ``fn`` is one of torch's (a module, its class, a torch.nn.functional function);
    a module of the user's own may take (outputs, batch)."""
    cls = type(fn) if isinstance(fn, torch.nn.Module) else fn if isinstance(fn, type) else None
    if cls is not None and issubclass(cls, torch.nn.Module):
        return cls.__name__ if cls.__module__.startswith("torch.") else None
    if getattr(fn, "__module__", None) == "torch.nn.functional":
        return getattr(fn, "__name__", "a torch.nn.functional function")
    return None


def refuse_torch_loss(fn: Any) -> None:
    """OptionError (option ``loss_function``) when ``fn`` is a torch loss rather than ``f(outputs, batch)``."""
    if (name := _torch_name(fn)) is None:
        return
    layer = loss_layer_for(name)
    ours = f"loss_function={layer} (the netgraph layer, on the net's one output and the 'Target' data), or " \
        if layer else ""
    raise OptionError(f"loss_function={name} is torch's loss f(input, target); netgraph's callable loss is "
                      f"f(outputs, batch) over dicts of tensors by port: give {ours}loss_function=lambda outputs, "
                      f"batch: loss(outputs['Output'], batch['Target'])", option="loss_function", kind="option-value",
                      expected="f(outputs, batch)", found=name)


def refuse_torch_optimizer(value: Any) -> None:
    """OptionError (option ``method``) when ``value`` is a torch optimizer or its class.

    >>> refuse_torch_optimizer(torch.optim.AdamW)
    Traceback (most recent call last):
    ...
    netgraph.core.errors.OptionError: method=AdamW is a torch optimizer; net_train makes its own ...
    """
    cls = value if isinstance(value, type) else type(value)
    if not issubclass(cls, torch.optim.Optimizer):
        return
    raise OptionError(f"method={cls.__name__} is a torch optimizer; net_train makes its own from the net's arrays: "
                      f"give its name, method={cls.__name__!r}, or (name, {{suboptions}}) such as "
                      f"method=({cls.__name__!r}, {{'weight_decay': 0.01}}), and learning_rate=", option="method",
                      kind="option-value", expected="a method's name", found=cls.__name__)


def refuse_other_batch_size(taken: int, given: int | None, loader: object = None, one: tuple | None = None) -> None:
    """OptionError for a ``batch_size=`` that a user's loader, batching by its own ``taken``, would leave unused; an
    IterableDataset (``loader``) gives items read as batches, which may be single examples (``one``: the shape of its
    first item's input, which lacks the batch dimension its port needs): say how to batch them."""
    if given is not None and given != taken and isinstance(loader, torch.utils.data.IterableDataset):
        first = f"item is one example of shape {one}" if one is not None else f"holds {counted(taken, 'row')}"
        raise OptionError(f"batch_size={given}: an IterableDataset is read as it gives its items, each a batch (its "
                          f"first {first}); of single examples: wrap it in DataLoader(dataset, "
                          f"batch_size={given}); of batches: leave batch_size= out", option="batch_size",
                          kind="option-combination", expected=taken, found=given)
    if given is not None and given != taken:
        raise OptionError(f"batch_size={given}: the data loader batches by its own, {taken} examples; give "
                          f"DataLoader(..., batch_size={given}), or leave batch_size= out", option="batch_size",
                          kind="option-combination", expected=taken, found=given)


def single_example_shape(first: Mapping[str, Any], types: Mapping[str, Any]) -> tuple | None:
    """The shape of the first batch's value at an input port (of ``types``) that has only the dims of one example
    (no batch dimension); None where each has its batch dimension."""
    return next((tuple(v.shape) for p, v in first.items() if p in types and isinstance(v, torch.Tensor)
                 and v.dim() == len(types[p].shape)), None)


def class_labels(target: torch.Tensor | None, shape: tuple | None) -> bool:
    """Whether ``target`` looks like class indices for an output of ``shape``: integers, one per row of scores."""
    return target is not None and not target.is_floating_point() and shape is not None and len(shape) >= 1 and \
        isinstance(shape[-1], int) and shape[-1] > 1 and target.dim() == len(shape)


def logits_hint(port: str, single: bool) -> str:
    """What to give for class labels at an output of logits (a torch classifier's, ported as it is), whose
    automatic loss is a mean squared error; ``single``: the target is the net's only one (the plain form)."""
    layer = "CrossEntropyLossLayer('Index', logits=True)"
    given = layer if single else f"{{{port!r}: {layer}, ...}}"
    return (f"; class labels? the automatic loss here is mean squared error, as no SoftmaxLayer ends the net "
            f"(torch's CrossEntropyLoss takes logits): end it with SoftmaxLayer(), or give loss_function={given}")


def channel_classes_hint(target: torch.Tensor | None, shape: tuple | None) -> str:
    """The hint for integer labels that fit an output of ``shape`` without its level 1, not without its last: class
    scores along the channels, (classes, h, w), as torch's cross_entropy takes them; netgraph's take them last.

    >>> channel_classes_hint(torch.zeros(4, 5, 6, dtype=torch.long), (3, 5, 6))[:63]
    '; classes along level 1 (channels first, as torch takes per-pix'
    """
    if target is None or target.is_floating_point() or shape is None or len(shape) < 2 or \
            not isinstance(shape[0], int) or shape[0] < 2 or target.dim() != len(shape):
        return ""
    found = tuple(target.shape[1:])
    if not _fits(shape[1:], found) or _fits(shape[:-1], found):
        return ""
    perm = [len(shape), *range(1, len(shape))]
    return (f"; classes along level 1 (channels first, as torch takes per-pixel scores)? netgraph's cross-entropy "
            f"takes them on the last level, as Wolfram's: put TransposeLayer({perm}) after the output (level 1 goes "
            f"last), then SoftmaxLayer() (or CrossEntropyLossLayer('Index', logits=True) on the scores)")


def _fits(shape: tuple, found: tuple) -> bool:
    return len(shape) == len(found) and all(d is None or isinstance(d, str) or d == n for d, n in zip(shape, found))
