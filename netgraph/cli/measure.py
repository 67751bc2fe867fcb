"""``netgraph measure trained.yaml --data test.npz --measure Loss,Accuracy``: a trained net's loss and metrics on
data (``net_measurements``), one ``name value`` line each."""

from __future__ import annotations

import argparse
import warnings
from typing import Any

import torch

from netgraph.cli.loss_layers import loss_option, with_loss_layers
from netgraph.cli.flags import check_measure_flags
from netgraph.cli.train import check_precision, model_loading, worded_by_files, worded_by_flags
from netgraph.cli.train_words import unused_noted_by_flags
from netgraph.core.errors import DataError, OptionError, headed
from netgraph.spec import load
from netgraph.train import load_data, net_measurements
from netgraph.train.measurements import MEASUREMENTS, port_loss, several_ports, unknown_measurement

__all__ = ["measure"]


def measure(args: argparse.Namespace) -> int:
    check_measure_flags(args)  # before any work: worded by the flags, as train's
    check_precision(args.precision)
    names = _measure_names(args.measure)
    net = _load_net(args.spec)
    loss = with_loss_layers(net, loss_option(args.loss))
    try:
        data = load_data(args.data, command_line=True)
    except DataError as exc:
        raise headed(exc, "--data: ") from None
    try:
        with warnings.catch_warnings():  # a note of an unused option by its flag: --workers 0, not num_workers=0
            warnings.showwarning = unused_noted_by_flags(warnings.showwarning)
            values = net_measurements(net, data, names, loss_function=loss, batch_size=args.batch_size,
                                      target_device=args.device, random_seed=args.seed,
                                      working_precision=args.precision,
                                      **({} if args.workers is None else {"num_workers": args.workers}))
    except DataError as exc:
        raise worded_by_files(exc, {"test": f"--data {args.data}"}) from None
    except OptionError as exc:  # a --loss term's weight, say: by the flag, as train words it
        if exc.diagnostics and exc.diagnostics[0].option == "measurements":  # a name it cannot measure
            raise headed(_as_written(exc), f"--measure {args.measure!r}: ") from None
        raise worded_by_flags(exc, {"metrics": "--measure"}) from None  # no --metrics here
    for name, value in values.items():  # a matrix (ConfusionMatrix) as its nested list of rows
        print(f"{name} {value.tolist() if isinstance(value, torch.Tensor) else format(value, '.6g')}")
    return 0


def _measure_names(text: str) -> list[str]:
    """The names ``--measure`` gives (``Port:Name`` as ``Port/Name``, as ``--metrics``); an OptionError for none."""
    names = [name.strip().replace(":", "/") for name in text.split(",") if name.strip()]
    if not names:
        raise OptionError(f"--measure {text!r} names no measurement; give one or more, comma-separated: "
                          f"{', '.join(MEASUREMENTS)} (on one output port: 'Port:Accuracy')", option="measure",
                          kind="option-value", expected=MEASUREMENTS, found=text)
    return names


def _as_written(exc: OptionError) -> OptionError:
    """An unknown measurement's, a port's loss's or a metric on several ports' error as the command line writes it
    (``Port:Name``, not net_measurements' ``Port/Name``); ``exc`` itself for another measurement error."""
    d = exc.diagnostics[0]
    if not isinstance(d.found, str):
        return exc
    port, _, name = d.found.rpartition("/")
    given = f"{port}:{name}" if port else name
    if d.kind == "port-loss":
        return port_loss(given, port, command_line=True)
    if d.kind == "metric-ports" and isinstance(d.expected, tuple):
        return several_ports(given, name, list(d.expected), separator=":")
    return unknown_measurement(given, name, on_port="Port:Accuracy") if d.kind == "unknown-measurement" else exc


def _load_net(path: str) -> Any:
    """The trained net: a saved spec, or an ONNX model imported (``import_onnx``), as train and export read them."""
    loading = model_loading(path)
    return loading.load_net(path) if loading else load(path)
