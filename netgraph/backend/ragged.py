"""Ragged batches: ``net([seq1, seq2, ...])`` with sequences of different lengths (or ``Padded(data, lengths)``).

A port whose first dim is a variable length (``"n"``) takes a Python list of tensors (or arrays), one per
example. When every layer the sequences reach honours lengths, the batch runs padded with its lengths
(``netgraph.backend.padded_eval``). Otherwise the examples are grouped by their length (by the tuple of lengths
when several ports are ragged), each group runs as one dense batch, and the outputs come back in the original
order: an output without a variable length is stacked, one that keeps it is a list of tensors. Either way no
result depends on padding.

>>> import torch
>>> from netgraph import NetChain, AggregationLayer
>>> mean = NetChain([AggregationLayer("Mean", levels=[1])], input=["n", 2])
>>> mean([torch.ones(3, 2), torch.zeros(5, 2)]).tolist()
[[1.0, 1.0], [0.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import numpy
import torch

from netgraph.backend.derived_lengths import check_input_lengths
from netgraph.backend.eval_options import OPTION_NAMES, parse_options
from netgraph.backend.example_lists import is_example_list, refuse_nested, stacked_batch
from netgraph.backend.masks import Padded, as_lists
from netgraph.backend.padded_eval import FALLBACK, beside_ragged, evaluate_padded, examples_of
from netgraph.backend.states import given_states
from netgraph.core.errors import DataError, Diagnostic, raise_all
from netgraph.core.naming_scope import quoted
from netgraph.core.tensors import as_tensor
from netgraph.core.types import format_shape
from netgraph.core.wording import counted, first_few
from netgraph.layers.bad_index import examples_at

__all__ = ["Calls", "is_ragged", "ragged_ports", "stacked_examples", "evaluate_ragged", "dense_groups", "reassemble",
           "examples_by_key", "shape_groups"]


class Calls(NamedTuple):
    """What ``evaluate_ragged`` needs from ``netgraph.backend.evaluation`` (which imports this module)."""

    run: Callable[..., Any]  # run(net, args, keywords): the dense call, as net(...)
    to_tensor: Callable[[str, Any, bool], torch.Tensor]  # to_tensor(port, value, integer)
    probe: Callable[[Any, tuple], tuple]  # probe_net
    decode: Callable[[Any, Any, Any], Any]  # decode_outputs


def is_ragged(value: Any) -> bool:
    """Whether ``value`` is the ragged form: a non-empty list of tensors or arrays (one per example), a list of
    nested lists of different lengths (``[[1, 2, 5], [3, 4]]``: token sequences), or Padded."""
    if isinstance(value, Padded):
        return True
    if not isinstance(value, list) or not value:
        return False
    if all(isinstance(v, (torch.Tensor, numpy.ndarray)) for v in value):
        return True
    return all(type(v) in (list, tuple) for v in value) and len({len(v) for v in value}) > 1


def _variable(shape: tuple | None) -> bool:
    return bool(shape) and isinstance(shape[0], str)


def _any_variable(shape: tuple | None) -> bool:
    """Whether a dim of ``shape`` is a variable length (a Conv1d port's ``(3, "n")`` too): its examples may differ."""
    return bool(shape) and any(isinstance(d, str) for d in shape)


def ragged_ports(net: Any, data: dict[str, Any]) -> list[str]:
    """The ports given in the ragged form; a DataError for a ragged list at a port without a variable length, and for
    Padded at one whose first dim is fixed (its lengths run along the first dim)."""
    types = net.port_types  # a copy on each read: once, not once per port
    ports = [p for p, v in data.items() if p in types and is_ragged(v)]
    for port in ports:
        if type(data[port]) is list:
            refuse_nested(port, data[port])
    problems = [_fixed_problem(p, types[p].shape, data[p]) for p in ports if not _any_variable(types[p].shape)]
    problems += [Diagnostic(f"input port {p!r} {format_shape(types[p].shape)}: Padded holds lengths along the first "
                            f"dim, which is fixed here; give the examples as a list (one tensor each)", "data-shape",
                            layer=(), port=p, expected=types[p].shape, found="lengths along the first dim")
                 for p in ports
                 if isinstance(data[p], Padded) and _any_variable(types[p].shape) and not _variable(types[p].shape)]
    raise_all(problems, DataError, "bad ragged input")
    return ports


def stacked_examples(net: Any, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each list of tensors or arrays (one per example) at a port of fixed shape stacked into one batch
    when they all have the port's shape rank and one shape, as a batch tensor (``example_lists.stacked_batch``):
    ``torch.stack`` keeps the autograd graph, so gradients reach each example. A list of different shapes stays,
    refused by ``ragged_ports``; a list of batches is refused (torch.cat them)."""
    if not any(type(v) is list for v in data.values()):
        return data
    types = net.port_types
    stacked = {p: batch for p, v in data.items() if p in types and types[p].shape is not None
               and not _any_variable(types[p].shape) and is_example_list(v)
               and (batch := stacked_batch(p, v, len(types[p].shape))) is not None}
    return {**data, **stacked} if stacked else data


def padded_form(net: Any, ports: list[str]) -> bool:
    """Whether ragged data at ``ports`` can run as one padded batch: each port's variable length is its first dim
    (others run by length groups)."""
    types = net.port_types
    return all(_variable(types[p].shape) for p in ports)


def _fixed_problem(port: str, shape: tuple | None, value: Any) -> Diagnostic:
    """Ragged data at a port of fixed shape: a "data-shape" problem of the port, as a wrong input shape is."""
    fields = {"layer": (), "port": port, "expected": shape}
    if not isinstance(value, Padded) and type(value[0]) in (list, tuple):  # nested lists: a row of another length
        lengths = sorted({len(v) for v in value})  # at most 10 named (they can be thousands), and how many
        shown = f"{lengths[:10]} ... ({len(lengths)} in all)" if len(lengths) > 10 else str(lengths)
        return Diagnostic(f"input port {quoted(port)} has the fixed shape {format_shape(shape)}, but its examples "
                          f"(nested lists) have different lengths {shown}; each example needs the shape "
                          f"{format_shape(shape)}",
                          "data-shape", found=f"rows of lengths {shown}", **fields)
    if not isinstance(value, Padded) and (shape is None or None in shape):
        return _open_sizes_problem(port, shape, value)
    found = "Padded data" if isinstance(value, Padded) else f"a list of {len(value)} tensors"
    given = "Padded data (sequences padded to one length" if isinstance(value, Padded) else \
        "a list of tensors (one per example, of different lengths"
    return Diagnostic(f"input port {quoted(port)} has the fixed shape {format_shape(shape)}; {given}) is only for a "
                      f"port with a variable length like \"n\"; give one batched tensor", "data-shape", found=found,
                      **fields)


def _open_sizes_problem(port: str, shape: tuple | None, examples: list) -> Diagnostic:
    """Examples no one batch takes at a port of unknown sizes (``(?, ?, ?)``): of another rank (``expected`` the
    rank, ``found`` the others), against a size the port fixes (``expected`` it, ``found`` the others there), or of
    different shapes that each fit (``expected`` the port's shape, ``found`` theirs)."""
    shapes = [tuple(v.shape) for v in examples]
    head = f"input port {quoted(port)} has the shape {format_shape(shape)}, its sizes read from the data"
    fields: dict = {"layer": (), "port": port}
    if shape is not None and (ranks := sorted({len(s) for s in shapes} - {len(shape)})):
        wrong = [s for s in shapes if len(s) != len(shape)]
        return Diagnostic(f"{head}: each example needs rank {len(shape)}, but {_how_many(wrong, shapes)} rank "
                          f"{' or '.join(map(str, ranks))} ({_shapes(wrong)}); give each example "
                          f"{counted(len(shape), 'dim')}", "data-shape",
                          expected=len(shape), found=tuple(ranks), **fields)
    for dim, size in enumerate(shape or ()):
        if size is not None and (sizes := sorted({s[dim] for s in shapes} - {size})):
            wrong = [s for s in shapes if s[dim] != size]
            return Diagnostic(f"{head}: its dim {dim + 1} is fixed at {size}, but {_how_many(wrong, shapes)} "
                              f"{' or '.join(map(str, sizes))} there ({_shapes(wrong)}); give each example {size} "
                              f"in dim {dim + 1}", "data-shape",
                              expected=size, found=tuple(sizes), **fields)
    distinct = sorted(set(shapes))
    return Diagnostic(f"{head}: it expects one shape for all examples of a batch, but the list of {len(examples)} "
                      f"tensors has the shapes {_shapes(distinct)}; give the examples of each shape as a batch of "
                      f"their own", "data-shape", expected=shape, found=tuple(distinct), **fields)


def _how_many(wrong: list[tuple], shapes: list[tuple]) -> str:
    """How many of the examples (by their ``shapes``) are ``wrong``, as a sentence's subject and verb."""
    verb = "has" if len(wrong) == 1 else "have"
    if len(wrong) == len(shapes):
        return f"the {counted(len(shapes), 'tensor')} given {verb}" if len(shapes) > 1 else f"the tensor given {verb}"
    return f"{len(wrong)} of the {counted(len(shapes), 'tensor')} given {verb}"


def _shapes(shapes: list[tuple]) -> str:
    """The first 3 different ``shapes`` and how many in all."""
    return first_few(sorted(set(shapes)), text=format_shape, most=3)


def examples_by_key(keys: list[tuple]) -> list[list[int]]:
    """Example indices grouped by equal key, groups in order of first appearance.

    >>> examples_by_key([(3,), (5,), (3,)])
    [[0, 2], [1]]
    """
    groups: dict[tuple, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    return list(groups.values())


def shape_groups(columns: Mapping[str, Sequence[torch.Tensor]], ports: Sequence[str], total: int) -> list[list[int]]:
    """``examples_by_key`` by each example's whole shapes at ``ports`` (its tensors in ``columns``): examples that
    differ in another variable dim too (``("n", "m", 3)``) never share a dense batch."""
    return examples_by_key([tuple(columns[p][i].shape for p in ports) for i in range(total)])  # torch.Size: a tuple


def evaluate_ragged(net: Any, data: dict[str, Any], ragged: list[str], keywords: dict[str, Any], states: Any,
                    return_states: bool, calls: Calls) -> Any:
    """``net(...)`` on ragged data: one padded run when the net honours lengths (``netgraph.backend.padded_eval``),
    else ``calls.run(net, (group_data,), keywords)`` once per length group, reassembled."""
    if states is None and not return_states and padded_form(net, ragged):
        options = parse_options({k: v for k, v in keywords.items() if k in OPTION_NAMES})
        result = evaluate_padded(net, data, ragged, options, calls.to_tensor, calls.decode)
        if result is not FALLBACK:
            return result
    options = {k: v for k, v in keywords.items() if k in OPTION_NAMES}
    groups, total, batches = dense_groups(net, data, ragged, calls.to_tensor)
    if states is not None:  # checked whole (layers, names, one row per example) before any group takes its rows
        states = given_states(net, states, total, False, parse_options(options).dtype)
    parts = []
    for idx, dense in zip(groups, batches):
        extra = {"return_states": True} if return_states else {}
        if states is not None:
            index = torch.tensor(idx)
            extra["states"] = {layer: {k: v[index] for k, v in s.items()} for layer, s in states.items()}
        with examples_at(idx):  # an error naming an example in the group names the user's
            parts.append(calls.run(net, (dense,), {**options, **extra}))
    variable = _variable_outputs(net, options, calls.probe)
    if return_states:
        outputs = reassemble([o for o, _ in parts], groups, total, variable)
        finals = {layer: reassemble([f[layer] for _, f in parts], groups, total, lambda k: False)
                  for layer in parts[0][1]}
        return outputs, finals
    return reassemble(parts, groups, total, variable)


def dense_groups(net: Any, data: dict[str, Any], ragged: list[str],
                 to_tensor: Callable) -> tuple[list[list[int]], int, Iterator[dict[str, torch.Tensor]]]:
    """Ragged data (lists or Padded at ``ragged``) checked and split into length groups: the groups' example
    indices (``shape_groups``), the number of examples, and each group's data as one dense batch per port (each
    made as it is read, and freed after its run)."""
    data = {p: as_lists(v, p) if isinstance(v, Padded) else v for p, v in data.items()}
    counts = {p: len(data[p]) for p in ragged}
    if len(set(counts.values())) > 1:
        raise DataError(f"ragged input ports hold different numbers of examples: {counts}; each port's list needs "
                        f"one tensor per example", kind="data-shape", layer=(), found=tuple(counts.items()))
    problems: list[str | Diagnostic] = []
    examples = {p: examples_of(net, p, data[p], to_tensor, problems) for p in ragged}
    raise_all(problems, DataError, "bad ragged input")
    total = counts[ragged[0]]

    def sizes(p: str, axis: int) -> Any:
        return [x.shape[axis] for x in examples[p]] if p in examples else as_tensor(data[p]).shape[axis + 1]

    check_input_lengths(net, sizes)
    groups = shape_groups(examples, ragged, total)
    batches = ({p: torch.stack([examples[p][i] for i in idx]) if p in examples
                else _rows(p, v, torch.tensor(idx), total) for p, v in data.items()} for idx in groups)
    return groups, total, batches


def _rows(port: str, value: Any, index: torch.Tensor, total: int) -> Any:
    """The group's rows of a port given as one batched tensor beside the ragged ones."""
    return beside_ragged(port, value if isinstance(value, torch.Tensor) else as_tensor(value), total)[index]


def _keeps_length(shape: tuple | None) -> bool:
    """Whether an output keeps a variable length in any dim (a transposed sequence ``(3, "n")`` too)."""
    return bool(shape) and any(isinstance(d, str) for d in shape)


def _variable_outputs(net: Any, options: dict[str, Any], probe_net: Callable) -> Callable[[Any], bool]:
    """Whether an output (by name, or the only output for key None) keeps a variable length: a list."""
    asked = options.get("outputs")
    if asked is not None:
        listed = asked if isinstance(asked, list) else [asked]
        probed, names = probe_net(net, tuple(listed))
        by_key = {k: _keeps_length(probed.port_types[n].shape) for k, n in zip(listed, names)}
        only = by_key[listed[0]] if not isinstance(asked, list) else False
    else:
        types = net.port_types
        by_key = {p: _keeps_length(types[p].shape) for p in net.output_ports}
        only = by_key[net.output_ports[0]]
    return lambda key: only if key is None else by_key.get(key, False)


def reassemble(parts: list, groups: list[list[int]], total: int, variable: Callable[[Any], bool]) -> Any:
    """The groups' outputs (a tensor, a list of decoded values, or a dict of these) in the original order; a key
    with ``variable(key)`` true (None for a lone tensor) comes back as a list of per-example tensors."""
    if isinstance(parts[0], dict):
        return {k: _one([p[k] for p in parts], groups, total, variable(k)) for k in parts[0]}
    return _one(parts, groups, total, variable(None))


def _one(parts: list, groups: list[list[int]], total: int, ragged: bool) -> Any:
    items: list = [None] * total
    for part, idx in zip(parts, groups):
        for j, i in enumerate(idx):
            items[i] = part[j]
    if not isinstance(parts[0], torch.Tensor):
        return items  # decoded values (labels ...): a list, as for a dense batch
    return items if ragged else torch.stack(items)
