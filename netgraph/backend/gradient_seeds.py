"""``net_port_gradient``'s seeds (``of={"Output": g}``) on ragged data, which runs by length groups: each group's
seeds, from one seed for every example, a tensor with a row per example, or per-example seeds of a variable-length
output (a list of tensors, one per example of its own length, or Padded); and the error naming the output port,
the example and both shapes where a seed does not fit its group's output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy
import torch

from netgraph.backend.masks import Padded, check_padded, unpad
from netgraph.core.errors import OptionError
from netgraph.core.naming_scope import quoted
from netgraph.core.tensors import as_tensor
from netgraph.core.types import format_shape

__all__ = ["batched", "example_seeds", "group_seeds", "seed_misfit", "dense_seeds"]

_PER_EXAMPLE = "give one gradient per example: a list of tensors, each of its example's output shape, or Padded"


def example_seeds(of: Any, total: int) -> Any:
    """``of`` with each seed given per example (a list or tuple of arrays, or Padded) as a list of ``total``
    tensors; an OptionError naming the port for another count of seeds."""
    if not isinstance(of, Mapping):
        return of
    out = {}
    for port, seed in of.items():
        if isinstance(seed, Padded):
            seed = unpad(*check_padded(port, seed, "of=: the gradient given for output port"))
        elif isinstance(seed, (list, tuple)):
            seed = [as_tensor(s) for s in seed]
        if isinstance(seed, list) and len(seed) != total:
            raise OptionError(f"of=: output port {quoted(port)} takes one gradient per example ({total}), found "
                              f"{len(seed)}", option="of", port=port, layer=(), kind="data-shape", expected=total,
                              found=len(seed))
        out[port] = seed
    return out


def dense_seeds(net: Any, of: Any, total: int) -> Any:
    """``of`` on dense data of ``total`` examples: each seed given per example (a list or tuple of tensors or arrays,
    or Padded) as one batch, as on ragged data; the others as given (a nested list of numbers is one tensor)."""
    if not isinstance(of, Mapping):
        return of
    listed = {port: seed for port, seed in of.items() if isinstance(seed, Padded) or isinstance(seed, (list, tuple))
              and seed and all(isinstance(s, (torch.Tensor, numpy.ndarray)) for s in seed)}
    if not listed:
        return of
    return {**of, **group_seeds(net, example_seeds(listed, total), list(range(total)), total)}


def group_seeds(net: Any, of: Any, idx: list[int], total: int) -> Any:
    """``of`` (``example_seeds``'s) for one length group: a per-example seed gives the group's examples' (stacked),
    as does a seed with a batch dim (a row per example, as a dense call takes it); one of the port's shape is
    every example's."""
    if not isinstance(of, Mapping):
        return of

    def rows(port: str, seed: Any) -> Any:
        if isinstance(seed, list):
            return _stacked(port, [seed[i] for i in idx], idx)
        return seed[torch.tensor(idx, device=seed.device)] if batched(net, port, seed, total) else seed
    return {port: rows(port, seed) for port, seed in of.items()}


def batched(net: Any, port: str, seed: Any, total: int) -> bool:
    """Whether ``seed`` is a tensor with a row per example of the ``total`` (a dim before the port's shape)."""
    shape = net.port_types[port].shape if port in net.port_types else None
    return isinstance(seed, torch.Tensor) and shape is not None and seed.dim() == len(shape) + 1 \
        and seed.shape[0] == total


def _stacked(port: str, seeds: list[torch.Tensor], idx: list[int]) -> torch.Tensor:
    """The seeds of one group's examples (whose outputs share a shape) as a batch; an OptionError where two differ."""
    other = next((i for i, s in enumerate(seeds) if s.shape != seeds[0].shape), None)
    if other is not None:
        raise OptionError(f"of=: the gradients given for output port {quoted(port)} at examples {idx[0]} and "
                          f"{idx[other]} have shapes {format_shape(tuple(seeds[0].shape))} and "
                          f"{format_shape(tuple(seeds[other].shape))}, but those examples' outputs have one shape",
                          option="of", port=port, layer=(), kind="data-shape", example=idx[other],
                          expected=tuple(seeds[0].shape), found=tuple(seeds[other].shape))
    return torch.stack(seeds)


def seed_misfit(net: Any, error: OptionError, of: Any, idx: list[int], total: int) -> OptionError:
    """``error`` (a group's seed that does not fit its output: kind data-shape, of ``of``) in terms of one example:
    the output port, the example, its output's shape and the seed's; with how to seed each example's output where
    they vary in length."""
    port, output = error.port, tuple(error.expected)[1:]
    if not isinstance(of, Mapping) or port not in of:
        return error
    seed = of[port]
    by_example = isinstance(seed, list) or batched(net, port, seed, total)
    found = tuple(error.found)[1:] if by_example else tuple(error.found)
    shape = net.port_types[port].shape or ()
    varies = any(isinstance(d, str) for d in shape)
    return OptionError(f"of=: the gradient given for output port {quoted(port)} at example {idx[0]} has shape "
                       f"{format_shape(found)}, its output there has shape {format_shape(output)}"
                       f"{'; ' + _PER_EXAMPLE if varies and not by_example else ''}", option="of", port=port, layer=(),
                       kind="data-shape", example=idx[0], expected=output, found=found)
