"""``netgraph run spec.yaml``: one evaluation (a draw) printed, and the diagram written.

``--seed S`` seeds, in this order, the initialisation of every array the spec leaves empty (the same
call ``netgraph train --seed S`` makes, so both start from the same net), then the example inputs and
the random layers' draws. Example inputs are one example each: standard normal values for Real
ports (values inside the allowed range for a port that feeds a distribution parameter,
``parameter_example``, or probabilities for one a cross-entropy or CTC loss reads as such, ``probability_example``),
labels below the blank for a CTC loss's Target (``ctc_target_example``), else indices ``0..k-1`` for Integer
ports (``k`` = the smallest index count of the EmbeddingLayers they feed, else 2; 1-based positions within the
levels for an ExtractLayer's ``Position``) and ``VARIABLE_LENGTH`` for a
variable-length dim such as ``"n"``.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

import torch

from netgraph.backend import net_initialize
from netgraph.backend.derived_lengths import example_lengths
from netgraph.core.coders import Restricted
from netgraph.core.errors import ShapeError
from netgraph.core.operator import NetOperator
from netgraph.core.port_coders import checked_coders
from netgraph.core.port_paths import shown_path
from netgraph.core.summary import one_line
from netgraph.core.types import INTEGER, format_shape
from netgraph.layers import CrossEntropyLossLayer, CTCLossLayer, EmbeddingLayer, ExtractLayer
from netgraph.layers.distributions import slot_name
from netgraph.layers.kl_divergence import KLDivergenceLayer
from netgraph.layers.random import RandomArrayLayer
from netgraph.cli.flags import check_seed
from netgraph.cli.loading import load_net as load
from netgraph.cli.places import placed_at_layers
from netgraph.cli.render import diagram_path

__all__ = ["run", "shown", "summary", "example_inputs", "VARIABLE_LENGTH", "DEFAULT_INDEX_COUNT", "SHOWN_VALUES"]

#: the length given to variable-length dims ("n") of example inputs
VARIABLE_LENGTH = 3
#: indices 0..DEFAULT_INDEX_COUNT-1 feed an Integer input that reaches no EmbeddingLayer
DEFAULT_INDEX_COUNT = 2
#: an output of more values is printed as a ``summary`` (``--full``: whole)
SHOWN_VALUES = 64
#: how many of its first values a summary shows
SUMMARY_FIRST = 6


def run(args: argparse.Namespace) -> int:
    check_seed(args)
    out = diagram_path(args.output, args.spec, None)  # before the evaluation, which may take a while
    net = load(args.spec)
    with placed_at_layers(args.spec):
        net = net_initialize(net, seed=args.seed)
        torch.manual_seed(args.seed)
        inputs, notes = example_inputs(net)
        result = net(**inputs)
    torch.set_printoptions(precision=4, sci_mode=False, threshold=sys.maxsize if args.full else 1000)
    print(f"{args.spec}: {one_line(net)}")  # as typed, as check names it
    for note in notes:
        print(f"  {note}")
    for port, value in (result.items() if isinstance(result, dict) else [(net.output_ports[0], result)]):
        prefix = f"  {port} = "
        print(prefix + shown(value, args.full).replace("\n", "\n" + " " * len(prefix)))  # rows under rows
    net.render(out)
    print(f"diagram written to {out}")
    return 0


def shown(value: Any, full: bool = False) -> str:
    """An output as printed: a tensor without its grad_fn (of more than ``SHOWN_VALUES`` values, summarised unless
    ``full``), a list of them (variable-length outputs) likewise, anything else a decoder gives (labels, strings) as
    its repr.

    >>> shown(torch.ones(2, requires_grad=True) * 2), shown(["vertical"])
    ('tensor([2., 2.])', "['vertical']")
    """
    if isinstance(value, torch.Tensor):
        return _tensor_text(value.detach(), full)
    if isinstance(value, list) and value and all(isinstance(v, torch.Tensor) for v in value):
        return "[" + ", ".join(_tensor_text(v.detach(), full) for v in value) + "]"
    return repr(value)


def _tensor_text(x: torch.Tensor, full: bool) -> str:
    return str(x) if full or x.numel() <= SHOWN_VALUES else summary(x)


def summary(x: torch.Tensor) -> str:
    """A big tensor in one line: its shape and dtype, its first values, and the min, max and mean of its finite ones.

    >>> summary(torch.arange(100.0).reshape(10, 10))
    'shape (10, 10), float32: 0, 1, 2, 3, 4, 5, ...; min 0, max 99, mean 49.5 (100 values; --full prints them all)'
    """
    flat = x.reshape(-1)
    first = ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in flat[:SUMMARY_FIRST].tolist())
    values = flat.double() if flat.dtype != torch.bool else flat.to(torch.float64)
    finite = values[torch.isfinite(values)]
    stats = (f"min {finite.min().item():.4g}, max {finite.max().item():.4g}, mean {finite.mean().item():.4g}"
             if finite.numel() else "no finite values")
    other = values.numel() - finite.numel()
    others = f", {other:,} NaN or infinite" if other and finite.numel() else ""
    dtype = str(x.dtype).removeprefix("torch.")
    return (f"shape {tuple(x.shape)}, {dtype}: {first}, ...; {stats} ({x.numel():,} values{others}; --full prints "
            f"them all)")


def example_inputs(net: Any) -> tuple[dict[str, torch.Tensor], list[str]]:
    """One random example per input port (batch of 1), and a line describing each choice made for it."""
    inputs, notes, lengths = {}, [], example_lengths(net, VARIABLE_LENGTH)
    for port in net.input_ports:
        port_type = net.port_types[port]
        if port_type.shape is None or any(d is None for d in port_type.shape):
            raise ShapeError(f"input port {port!r}: expected a known shape to draw an example input, found "
                             f"{format_shape(port_type.shape)}; declare it under the spec's inputs",
                             kind="unknown-shape", layer=(), port=port, found=format_shape(port_type.shape))
        shape = tuple(lengths.get(d, VARIABLE_LENGTH) if isinstance(d, str) else d for d in port_type.shape)
        variable = sorted({d for d in port_type.shape if isinstance(d, str)})
        if variable:
            notes.append(f"input {port}: variable length {', '.join(variable)} = "
                         f"{', '.join(str(lengths.get(d, VARIABLE_LENGTH)) for d in variable)} for this run, "
                         f"shape {format_shape(shape)}")
        if port_type.dtype == INTEGER:
            inputs[port], note = ctc_target_example(net, port, shape) or index_example(net, port, shape)
            notes.append(note)
        else:
            inputs[port], note = parameter_example(net, port, shape)
            notes += [note] if note else []
    return inputs, notes


def parameter_example(net: Any, port: str, shape: tuple) -> tuple[torch.Tensor, str | None]:
    """One example for the Real graph input ``port``: standard normal, or, where it feeds a distribution parameter
    of a RandomArrayLayer or KLDivergenceLayer directly, a value that parameter takes (and a note saying so)."""
    target = fed_parameter(net, port)
    if target is None:
        return probability_example(net, port, shape) or (torch.randn(1, *shape), None)
    dist, name = target
    c, rank = dist.CONSTRAINTS[name], getattr(dist, "PARAM_EVENT_RANKS", {}).get(name, 0)
    u = torch.rand(1, *shape)
    if rank == 2:  # a covariance or Cholesky factor: the identity
        x = torch.eye(shape[-1]).expand(1, *shape).clone()
    elif rank == 1 and c.hi < math.inf:  # class probabilities: a point of the simplex
        x = torch.softmax(torch.randn(1, *shape), -1)
    elif dist.ONE_LIST:  # a bound of [min, max] or [imin, imax]: beyond the other bound
        x = bound_example(dist, name, shape)
    elif c.integer:  # counts from the smallest allowed
        x = torch.randint(0, 3, (1, *shape)).float() + (max(c.lo, 0.0) if c.lo > -math.inf else 0.0)
    elif c.hi < math.inf:
        x = c.lo + (c.hi - c.lo) * (0.1 + 0.8 * u)
    elif c.lo > -math.inf:
        x = c.lo + 1.0 + 0.5 * u  # near 1: no tail that passes float32 (a small shape could)
    else:
        x = torch.randn(1, *shape)
    return x, f"input {port}: values for {type(dist).__name__} parameter {dist.role(name)}: {c.text}"


def fed_parameter(net: Any, port: str) -> tuple[Any, str] | None:
    """(distribution, parameter name) of the first parameter that the input ``port`` of ``net`` feeds directly: a
    '#slot' of a RandomArrayLayer's or KLDivergenceLayer's distribution, in ``net``, its nested graphs or an
    operator's net that the port's values reach unchanged (a NetMapOperator's, one element at a time); else None."""
    for path, layer in net.leaves():
        dists = ([layer.distribution] if isinstance(layer, RandomArrayLayer) else
                 [d for d in (layer.p, layer.q) if d is not None] if isinstance(layer, KLDivergenceLayer) else [])
        for dist, (name, value) in ((d, pv) for d in dists for pv in zip(d.PARAMS, d.params)):
            if isinstance(value, str) and net.producer((path, slot_name(value))) == ((), port):
                return dist, name
        if isinstance(layer, NetOperator):
            for layer_port in layer.input_ports:
                if net.producer((path, layer_port)) != ((), port):
                    continue
                for option, inner_port in layer.passed_through(layer_port):
                    if (found := fed_parameter(getattr(layer, option), inner_port)) is not None:
                        return found
    return None


def bound_example(dist: Any, name: str, shape: tuple) -> torch.Tensor:
    """Values for bound ``name`` of a one-list distribution ([min, max], [imin, imax]) a little beyond the other bound
    (0 where that is a slot too): below its smallest value for the lower bound, above its largest for the upper one.
    Integers by 0 to 2 (imin <= imax); reals by 0.1 to 0.9 times max(1, |other bound|), so float32 does not round
    them together and a KLDivergenceLayer's p stays near the support it was written for."""
    lower = dist.PARAMS.index(name) == 0
    other = dist.params[1 if lower else 0]
    if isinstance(other, str):
        edge = 0.0
    else:
        values = torch.as_tensor(other, dtype=torch.float64)
        edge = float(values.min() if lower else values.max())
    if dist.CONSTRAINTS[name].integer:
        steps = torch.randint(0, 3, (1, *shape)).double()
    else:
        steps = (0.1 + 0.8 * torch.rand(1, *shape, dtype=torch.float64)) * max(1.0, abs(edge))
    return (edge - steps if lower else edge + steps).to(torch.get_default_dtype())


def probability_example(net: Any, port: str, shape: tuple) -> tuple[torch.Tensor, str] | None:
    """Probabilities for the Real graph input ``port`` where it feeds a CrossEntropyLossLayer port that reads them
    (a "Binary" or "Probabilities" Target, or Input without ``logits``) or a CTCLossLayer's Input without ``logits``,
    with a note saying so; else None."""
    for path, layer in net.leaves():
        ctc = isinstance(layer, CTCLossLayer) and not layer.logits  # its Input: class probabilities, blank last
        if not ctc and (not isinstance(layer, CrossEntropyLossLayer) or layer.form == "Index"):
            continue
        for layer_port in ("Input",) if ctc else ("Target",) if layer.logits else ("Input", "Target"):
            if net.producer((path, layer_port)) != ((), port):
                continue
            form = "" if ctc else repr(layer.form)
            where = f"for layer {shown_path(path)!r} ({type(layer).__name__}({form})) port {layer_port!r}"
            if not ctc and layer.form == "Binary":
                return torch.rand(1, *shape), f"input {port}: probabilities in [0, 1] {where}"
            return (torch.softmax(torch.randn(1, *shape), -1),
                    f"input {port}: class probabilities (summing to 1 over the last dim) {where}")
    return None


def index_example(net: Any, port: str, shape: tuple) -> tuple[torch.Tensor, str]:
    """Random indices for the Integer graph input ``port`` (``index_range``), and a note saying so."""
    low, high = index_range(net, port)
    return torch.randint(low, high + 1, (1, *shape)), f"input {port}: random Integer indices in {low}..{high}"


def ctc_target_example(net: Any, port: str, shape: tuple) -> tuple[torch.Tensor, str] | None:
    """Labels for the Integer graph input ``port`` where it feeds a CTCLossLayer's ``Target`` whose Input has c
    classes: indices below the blank (c - 1), no two neighbours equal where c > 2 (so a target as long as the input
    aligns; equal neighbours need a blank between them), where c = 2 the label 0 in the first half and padding (-1)
    after, with a note saying so; else None."""
    for path, layer in net.leaves():
        classes = (net.layer_types(path)["Input"].shape or (None,))[-1] if isinstance(layer, CTCLossLayer) else None
        if not isinstance(classes, int) or classes < 2 or net.producer((path, "Target")) != ((), port):
            continue
        labels = classes - 1
        steps = torch.randint(1, max(labels, 2), (1, *shape))  # each label a step of 1..labels-1 from the last
        steps[..., :1] = torch.randint(0, labels, (1, *shape[:-1], 1)) if shape else steps[..., :1]  # any first
        if labels > 1:
            return torch.cumsum(steps, -1) % labels, (f"input {port}: labels in 0..{labels - 1} (below the blank "
                                                      f"{labels}) for layer {shown_path(path)!r} (CTCLossLayer) "
                                                      "port 'Target'")
        x = torch.zeros(1, *shape, dtype=torch.long)  # one label: 0s, a blank between each two, so only half of them
        x[..., (shape[-1] + 1) // 2 if shape else 1:] = -1  # the rest -1, padding
        return x, (f"input {port}: label 0 (below the blank 1) in its first half, -1 (padding) after, for layer "
                   f"{shown_path(path)!r} (CTCLossLayer) port 'Target'")
    return None


def index_range(net: Any, port: str) -> tuple[int, int]:
    """The smallest and largest index drawn for the Integer graph input ``port``: 1-based positions within the
    levels an ExtractLayer's ``Position`` it feeds picks from, else ``0..index_count - 1``; a range the port's type
    has (declared, or an inner net's), that range."""
    coder = checked_coders(net).get(port)
    if isinstance(coder, Restricted):
        return coder.index_span
    sizes = []
    for path, layer in net.leaves():
        if isinstance(layer, ExtractLayer) and net.producer((path, "Position")) == ((), port):
            sizes += layer.position_sizes(net.layer_types(path))
    return (1, min(sizes)) if sizes else (0, index_count(net, port) - 1)


def index_count(net: Any, port: str) -> int:
    """How many distinct indices the graph input ``port`` may carry: the smallest ``n`` of the
    EmbeddingLayers it reaches directly (those that have one), else DEFAULT_INDEX_COUNT."""
    counts = [layer.count for path, layer in net.leaves() if isinstance(layer, EmbeddingLayer)
              and layer.count is not None for p in layer.input_ports if net.producer((path, p)) == ((), port)]
    return min(counts, default=DEFAULT_INDEX_COUNT)
