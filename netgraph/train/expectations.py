"""What net_train's data must hold besides the loss targets, shared by net_train and net_measurements: each input's
type, the targets the metrics read, and a target the loss would leave unread."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from netgraph.core.errors import DataError, OptionError
from netgraph.core.types import INTEGER, REAL, PortType
from netgraph.train.data import Expect
from netgraph.train.loss import is_loss_port, passed_through
from netgraph.train.metrics import Measured, Meter, metric_name, plan_metrics

__all__ = ["input_expect", "refuse_unread_target", "training_meter", "expect_metric_targets"]


def refuse_unread_target(net: Any, spec: Any, expect: dict, samples: dict, allow_extra: bool) -> None:
    """A DataError when ``loss_function`` names an output that is no loss (used as the loss itself: it reads no
    target) and the data holds a target for it anyway: the automatic loss on that output was meant; likewise
    when a dict of terms leaves out an output whose target the data holds (Keras's per-output losses, one left out)."""
    if isinstance(spec, dict) and not allow_extra:  # with a callable term any key may be read: none is unread
        for port in net.output_ports:
            if port not in spec and port in samples and port not in expect and not is_loss_port(net, port):
                raise DataError(f"the data holds a target for output port {port!r} under key {port!r}, but "
                                f"loss_function={spec!r} has no term for {port!r}; {_unread_advice(net, port)}",
                                port=port,
                                kind="unread-target", option="loss_function",
                                expected=f"a loss_function term for {port!r}", found=port)
    if spec is None or (isinstance(spec, str) and is_loss_port(net, spec)):
        _refuse_plain_output_target(net, spec, expect, samples)
    if not isinstance(spec, str) or spec not in net.output_ports or is_loss_port(net, spec):
        return
    if given := [k for k in ("Target", spec, f"{spec}Target") if k in samples and k not in expect]:
        raise DataError(f"loss_function={spec!r} uses output port {spec!r} itself as the loss, which reads no target, "
                        f"but the data holds one under key {given[0]!r}; for the automatic loss on {spec!r} against "
                        f"its target, give loss_function={{{spec!r}: 1}} (command line: --loss '{{{spec}: 1}}')",
                        kind="unread-target", option="loss_function", port=spec, expected=f"no target for {spec!r}",
                        found=given[0])


def _unread_advice(net: Any, port: str) -> str:
    """What to do with a target no term reads: add the output's automatic loss, or (an Integer input passed straight
    through, which no automatic loss takes) only leave the key out."""
    if said := passed_through(net, port):
        return f"{said}; leave the {port!r} key out of the data"
    return f"to train {port!r} against it, add {port!r}: 1 (its automatic loss), else leave the key out"


def _refuse_plain_output_target(net: Any, spec: Any, expect: dict, samples: dict) -> None:
    """A DataError when the loss is the net's loss outputs only (``spec`` None or one of them) and the data holds a
    target for a plain output, which that loss leaves unread: a dict of terms trains both."""
    losses = [p for p in net.output_ports if is_loss_port(net, p)]
    plain = [p for p in net.output_ports if p not in losses]
    if not losses or not plain:
        return
    for port in plain:
        keys = (port, f"{port}Target", *(("Target",) if len(plain) == 1 else ()))
        if given := [k for k in keys if k in samples and k not in expect]:
            terms = {**{p: 1 for p in (losses if spec is None else [spec])}, port: 1}
            home = f"{port}Target" if port in net.input_ports else port  # its key beside other outputs
            moved = f" and its target under key {home!r}" if given[0] != home else ""
            raise DataError(f"the data holds a target for output port {port!r} under key {given[0]!r}, but "
                            f"loss_function={spec!r} trains only the loss output(s) {losses}, which read no target; to "
                            f"train {port!r} against it too, give loss_function={terms!r} (1: each port's automatic "
                            f"loss){moved}, else leave the key out", port=port, kind="unread-target",
                            option="loss_function", expected=f"a loss_function term for {port!r}", found=given[0])


def training_meter(net: Any, loss: Any, requested: list, stopping: Any, expect: dict, samples: dict) -> tuple[Any, Any]:
    """The Meter for ``metrics=`` (plus a metric the stopping criterion watches) and the stopping criterion
    naming its metric's label; (None, stopping) when no metric is asked for."""
    watched = []
    if stopping is not None and stopping.metric is not None:
        name = metric_name(stopping.metric.split("/")[-1])
        port = stopping.metric.split("/")[0] if "/" in stopping.metric else None
        if not any(n == name and p == port for p, n in requested) and not (
                port is None and any(n == name for _, n in requested)):  # (None: on whichever port measures it)
            watched = [(port, name)]  # beside (None, name): planned once on its port, or refused as not fitting it
    if not requested and not watched:
        return None, stopping
    measured = plan_metrics(net, loss, requested, watched)
    expect_metric_targets(measured, expect, samples)
    meter = Meter(measured)
    if stopping is not None and stopping.metric is not None:
        stopping = dataclasses.replace(stopping, metric=meter.find(stopping.metric))
    return meter, stopping


def input_expect(net: Any, port: str) -> Expect:
    """What the data of ``net``'s input ``port`` must hold: its type, and for indices the range of the smallest
    EmbeddingLayer it feeds directly (checked before training, as net(x) checks it at the layer)."""
    family = sys.modules.get("netgraph.layers.embedding")  # not loaded: the net has no EmbeddingLayer (layer
    kind = family.EmbeddingLayer if family is not None else ()  # families load on first use; train loads none)
    sizes = sorted((layer.count, f"layer {'/'.join(path)!r} (EmbeddingLayer)") for path, layer in net.leaves()
                   if isinstance(layer, kind) and isinstance(layer.count, int)
                   and net.producer((path, "Input")) == ((), port))
    return Expect(net.port_types[port], f"input port {port!r}", indices=sizes[0] if sizes else None)


def expect_metric_targets(measured: list[Measured], expect: dict, samples: dict) -> None:
    """Add to ``expect`` each metric's target that the loss does not read already (its shape and kind as the data
    gives it); OptionError when the data lacks one."""
    for m in measured:
        if m.target_key not in expect:
            if m.target_key not in samples:
                raise OptionError(f"metric {m.name!r} on output port {m.port!r} compares it with the data's key "
                                  f"{m.target_key!r}, which the data lacks; keys: {list(samples)}",
                                  kind="missing-key", option="metrics", port=m.port, expected=m.target_key,
                                  found=tuple(samples))
            t = samples[m.target_key]
            expect[m.target_key] = Expect(PortType(tuple(t.shape[1:]), REAL if t.is_floating_point() else INTEGER),
                                          f"target of metric {m.label!r}")
