"""net_measurements (Wolfram's NetMeasurements, Keras's ``model.evaluate``): a trained net's loss and metrics on data.

``net_measurements(net, data, "Accuracy")`` is one value; a list of names gives a dict name -> value. The names,
the loss (``loss_function=``), the data forms and the computations are net_train's: the loss as its validation
loss, the metrics as its ``metrics=`` (``netgraph.train.metrics``) on a validation pass, so on the same data the
numbers are the validation's. Measured in eval mode (no dropout, batch norms' moving statistics), without autograd,
batch by batch.

>>> import torch
>>> from netgraph import NetGraph, LinearLayer, net_initialize
>>> net = net_initialize(NetGraph([LinearLayer(1)], [], Input=1), seed=0)
>>> x = torch.tensor([[0.0], [1.0]])
>>> loss = net_measurements(net, {"Input": x, "Target": net(x) + 1.0})
>>> round(loss, 6)
1.0
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys
from collections.abc import Sequence
from typing import Any

import torch

from netgraph.backend.devices import parse_device
from netgraph.core.errors import Diagnostic, OptionError, UninitializedError, did_you_mean
from netgraph.core.graph import NetGraph
from netgraph.core.layer_surgery import as_net
from netgraph.core.information import all_arrays
from netgraph.core.net_arguments import compiled_module_hint, compiled_module_note
from netgraph.core.options import random_seeding
from netgraph.core.torch_state import drawn_seed, forked_generator
from netgraph.core.wording import type_label
from netgraph.train.data import finish, gather, sample
from netgraph.train.buckets import in_order
from netgraph.train.data_checks import check_example_shapes
from netgraph.train.data_lengths import refuse_fixed_lengths
from netgraph.train.data_sets import TEST
from netgraph.train.data_shapes import with_data_shapes
from netgraph.train.encoded import encoded_alone, from_disk
from netgraph.train.encoded_loader import end_kept_workers
from netgraph.train.option_pairs import given_workers, refuse_unused_workers
from netgraph.train.expectations import expect_metric_targets, input_expect, refuse_unread_target
from netgraph.train.input_lengths import check_data_lengths
from netgraph.train.loss import attach_losses
from netgraph.train.metrics import NAMES, Measured, Meter, metric_hint, metric_name, plan_metrics
from netgraph.train.options import NETS, automatic_default, check_number, snake
from netgraph.train.padded_data import lengths_keys, padded_training
from netgraph.train.passes import forward_batch, measuring_pass
from netgraph.train.precision import parse_working_precision

__all__ = ["net_measurements", "MEASUREMENTS", "port_loss", "several_ports", "unknown_measurement"]

LOSS = "Loss"
#: the measurement names (metric aliases work too: ``netgraph.train.metrics``)
MEASUREMENTS = (LOSS, *NAMES)
#: Wolfram's measurements net_train's metrics do not compute
_NOT_MEASURED = ("CohenKappa", "MeanCrossEntropy", "Entropy", "ConfusionMatrixPlot", "ROCCurve",
                 "IntersectionOverUnion")
#: every option with its default (net_train's names)
OPTIONS: dict[str, Any] = {"loss_function": None, "batch_size": None, "target_device": "cpu", "random_seed": None,
                           "working_precision": None, "num_workers": 0}
DEFAULT_BATCH_SIZE = 64


def net_measurements(net: Any, data: Any, measurements: Any = LOSS, **options: Any) -> Any:
    """``net``'s ``measurements`` on ``data``: one name ("Loss", "Accuracy", "Output/F1", ...) gives its value, a
    list a dict name -> value (keyed by the names as given). Values are floats; a "ConfusionMatrix" is a k x k
    int64 tensor (float64 NaN after a NaN prediction), rows the true class, columns the predicted.

    Options (net_train's): ``loss_function`` (None: the automatic loss), ``batch_size`` (64; the loss moves with
    it only by float32 rounding: net_train's gives its validation loss exactly), ``target_device``, ``random_seed``
    (random layers' draws; None: one seed drawn from torch's generator, as net_train draws it), ``working_precision``,
    ``num_workers``. Data: any form net_train takes. A layer alone is measured as the net of it alone,
    ``NetGraph(layer)`` (Wolfram's NetMeasurements[layer, data]).

    >>> import math, torch
    >>> from netgraph import SoftmaxLayer
    >>> loss = net_measurements(SoftmaxLayer(input=3), {"Input": torch.zeros(2, 3), "Target": torch.tensor([0, 2])})
    >>> round(loss, 4), round(math.log(3), 4)  # uniform probabilities: the cross-entropy is log 3
    (1.0986, 1.0986)
    """
    names, single = _requested(measurements)
    o = _options(options)
    precision = parse_working_precision(o["working_precision"])
    device = parse_device(o["target_device"])
    precision.check_device(device)
    batch_size = check_number(DEFAULT_BATCH_SIZE if o["batch_size"] is None else o["batch_size"], "batch_size",
                              integer=True)
    workers = given_workers(options)  # None: not given, the default applies (refuse_unused_workers)
    seed = random_seeding(o["random_seed"], "random_seed")
    seed = drawn_seed() if seed is None else seed  # unseeded: one draw from torch's generator, as net_train's
    with precision.training(), forked_generator(seed, [device.index or 0] if device.type == "cuda" else []):
        values = _measure(_checked_net(net), data, names, o["loss_function"], batch_size, workers, device,
                          precision.mixed)
    return values[names[0][0]] if single else values


def _options(options: dict[str, Any]) -> dict[str, Any]:
    for k in options:
        if k not in OPTIONS:
            raise OptionError(f"net_measurements has no option {k!r}{did_you_mean(snake(k), OPTIONS)}; options: "
                              f"{', '.join(OPTIONS)}", option=k, kind="unknown-option", expected=tuple(OPTIONS),
                              found=k)
    # (a seed's "Automatic" is a fresh one: random_seeding)
    return {**OPTIONS, **{k: automatic_default(k, v, OPTIONS) for k, v in options.items()}}


def _checked_net(net: Any) -> NetGraph:
    net = as_net(net)
    if not isinstance(net, NetGraph):
        raise OptionError(f"net_measurements needs {NETS} (trained); found {type(net).__name__}"
                          f"{compiled_module_note(net)}", kind="not-a-net", expected=NETS, found=type_label(net),
                          hint=compiled_module_hint(net))
    missing = [name for name, value in all_arrays(net).items() if value is None]
    if missing:
        first = "/".join(map(str, missing[0]))
        raise UninitializedError(f"net_measurements measures a trained net, but {len(missing)} of its arrays have no "
                                 f"values (first: {first!r}); train it, or call net_initialize(net) first",
                                 diagnostics=[Diagnostic(f"array {'/'.join(map(str, path))!r} has no values",
                                                         "uninitialized", layer=tuple(path[:-1])) for path in missing])
    return net


def _requested(spec: Any) -> tuple[list[tuple[str, str | None, str]], bool]:
    """((the name as given, its port or None, the canonical name) for each measurement, whether one was given)."""
    if isinstance(spec, str):
        return [_measurement(spec)], True
    if isinstance(spec, Sequence) and spec and all(isinstance(s, str) for s in spec):
        return [_measurement(s) for s in dict.fromkeys(spec)], False
    raise OptionError(f"measurements must be a measurement name or a list of names; found {spec!r}; measurements: "
                      f"{', '.join(MEASUREMENTS)}", option="measurements", kind="option-value",
                      expected="a measurement name or a list of names", found=spec)


def _measurement(given: str) -> tuple[str, str | None, str]:
    port, _, name = given.rpartition("/")
    if re.sub(r"[^a-z]", "", name.lower()) == "loss":
        if port:
            raise port_loss(given, port)
        return given, None, LOSS
    try:
        return given, port or None, metric_name(name)
    except OptionError:
        raise unknown_measurement(given, name) from None


def port_loss(given: str, port: str, command_line: bool = False) -> OptionError:
    """The OptionError for measurement ``given`` ('Output/Loss'), the loss of output ``port`` alone: the remedy in
    net_measurements' keywords, or the command line's flags where ``command_line``."""
    whole, remedy = (("--loss", f"--loss '{{{port}: 1}}' and --measure Loss") if command_line else
                     ("loss_function", f"loss_function={{{port!r}: 1}} and 'Loss'"))
    return OptionError(f"measurement {given!r}: the loss is the whole {whole}'s; measure a port's loss with {remedy}",
                       option="measurements", kind="port-loss", found=given, port=port)


def several_ports(given: str, name: str, ports: list[str], separator: str = "/") -> OptionError:
    """The OptionError for measurement ``given`` (metric ``name``) that fits each of the output ``ports``; the
    example names a port as the caller writes it (the command line: ``separator`` ':')."""
    return OptionError(f"measurement {given!r} fits the output ports {ports}: name one, as "
                       f"{f'{ports[0]}{separator}{name}'!r}", option="measurements", kind="metric-ports", found=given,
                       expected=tuple(ports))


def unknown_measurement(given: str, name: str, on_port: str = "Port/Accuracy") -> OptionError:
    """The OptionError for measurement ``given`` (metric part ``name``) that names none; ``on_port`` shows a metric
    on one output port as the caller writes it (the command line: 'Port:Accuracy')."""
    wolfram = next((w for w in _NOT_MEASURED if w.lower() == name.lower()), None)
    why = (f" (Wolfram's {wolfram!r} is not among net_train's metrics)" if wolfram else
           did_you_mean(name, MEASUREMENTS) or metric_hint(name))
    return OptionError(f"unknown measurement {given!r}{why}; measurements: {', '.join(MEASUREMENTS)} (on one output "
                       f"port: {on_port!r})", option="measurements", kind="unknown-measurement", found=given,
                       expected=MEASUREMENTS)


def _planned(net: Any, loss: Any, names: list[tuple[str, str | None, str]]) -> dict[str, Measured]:
    """Each metric asked for, by the name given, on the one output port it measures (its label 'port/name')."""
    planned = {}
    for given, port, name in names:
        if name == LOSS:
            continue
        measured = plan_metrics(net, loss, [(port, name)])
        if len(measured) > 1:
            ports = [m.port for m in measured]
            raise several_ports(given, name, ports)
        m = measured[0]
        planned[given] = dataclasses.replace(m, label=f"{m.port}/{m.name}")
    return planned


def _measure(net: Any, data: Any, names: list[tuple[str, str | None, str]], loss_function: Any, batch_size: int,
             workers: int | None, device: torch.device, mixed: bool) -> dict[str, Any]:
    """The measurements on ``data``, prepared as net_train prepares validation data."""
    data = from_disk(data, TEST, net)
    refuse_fixed_lengths(net, data, TEST)
    net = with_data_shapes(net, data)
    loss = attach_losses(net, loss_function)
    loss.set_progress(sys.maxsize, math.inf)  # a trained net: each term's warm-up done, at its full weight
    encoded = encoded_alone(net, data, TEST, batch_size, OPTIONS["num_workers"] if workers is None else workers)
    refuse_unused_workers(workers, encoded, None)  # no worker processes to end where it refuses
    try:
        return _measured(net, encoded, names, loss, loss_function, batch_size, device, mixed)
    finally:  # netgraph's loader's worker processes, kept from pass to pass, end with the one pass; a user's too
        end_kept_workers(encoded)


def _measured(net: Any, data: Any, names: list[tuple[str, str | None, str]], loss: Any, loss_function: Any,
              batch_size: int, device: torch.device, mixed: bool) -> dict[str, Any]:
    """The measurements on ``data`` (encoded: ``encoded_alone``'s) with ``loss`` attached to ``net``."""
    ports = (net.input_ports, net.output_ports)  # how a pair (inputs, targets) is read, as net_train reads it
    raw = gather(data, TEST, ports, batch_size)
    expect = {p: input_expect(net, p) for p in net.input_ports}
    expect.update(loss.targets(sample(raw)))
    planned = _planned(net, loss, names)  # after loss.targets: the metrics read the targets' keys as the data gives
    measured = list({m.label: m for m in planned.values()}.values())
    expect_metric_targets(measured, expect, sample(raw))
    refuse_unread_target(net, loss_function, expect, sample(raw), loss.allow_extra)  # a metric's target is read
    module = net.compile()
    raw, module = padded_training(net, raw, module, expect)
    check_example_shapes(getattr(raw, "loader", None), expect, TEST)
    test = in_order(finish(raw, expect, loss.allow_extra, TEST)).to(device)  # as net_train's validation
    check_data_lengths(net, test, TEST)  # as net_train checks its data, before the forward would raise it
    meter = Meter(measured).to(device) if measured else None
    module.to(device).eval()
    keys = (*net.input_ports, *lengths_keys(module))
    forward = lambda batch, n, examples: forward_batch(  # noqa: E731 - one pass's forward
        module, net, keys, batch, n, examples, None, device if mixed else None)  # a layer's DataError as it is
    with torch.no_grad():
        total, count = measuring_pass(test.batches(batch_size, None), forward, loss.to(device), meter, "validation")
    computed = meter.compute("validation") if meter is not None else {}
    return {given: total / max(count, 1) if name == LOSS else computed[planned[given].label]
            for given, _, name in names}

