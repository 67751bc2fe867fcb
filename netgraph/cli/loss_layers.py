"""``--loss``: read (``loss_option``: a port or layer name, or weighted terms in YAML, inline or in a file), and
naming loss layers, as Wolfram's ``LossFunction -> MeanAbsoluteLossLayer``: a loss layer written as in a
spec (its type name, with its default options, or ``{type: CrossEntropyLossLayer, form: Index}``), alone (on the
net's one output), as a term's value (``{Output: MeanAbsoluteLossLayer}``) or as a term's ``loss:``, is that layer,
which ``net_train``'s ``loss_function`` takes. An output port of that name wins (``--loss`` names output ports too).

>>> from netgraph import LinearLayer, NetChain
>>> with_loss_layers(NetChain([LinearLayer(1)], input=2), {"Output": {"loss": "MeanAbsoluteLossLayer"}})
{'Output': {'loss': MeanAbsoluteLossLayer()}}
>>> with_loss_layers(NetChain([LinearLayer(1)], input=2), {"type": "CrossEntropyLossLayer", "form": "Binary"})
CrossEntropyLossLayer('Binary')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from netgraph.core.errors import NetGraphError, OptionError, SpecError, did_you_mean, headed
from netgraph.core.name_guesses import did_you_mean_file
from netgraph.layers import REGISTRY
from netgraph.spec.options import plain
from netgraph.spec.text import SPEC_SUFFIXES
from netgraph.spec.yaml_nodes import read_yaml
from netgraph.train.loss import AUTOMATIC
from netgraph.train.other_names import loss_name_hint

__all__ = ["with_loss_layers", "loss_layer_names", "loss_option"]


def loss_layer_names() -> list[str]:
    """The registered loss layers' type names (``...LossLayer``)."""
    return [name for name in REGISTRY if name.endswith("LossLayer")]


def with_loss_layers(net: Any, loss: Any) -> Any:
    """``loss`` (as ``loss_option`` read it) with each loss layer type name made that layer; an OptionError worded by
    ``--loss`` for a name that is neither an output port nor a loss layer."""
    if isinstance(loss, str) and loss not in AUTOMATIC and loss not in net.output_ports:
        return _layer(loss, f"--loss {loss!r} is neither an output port nor a loss layer",
                      f"; the outputs are {', '.join(net.output_ports)}", net.output_ports)
    if isinstance(loss, dict) and "type" in loss and "type" not in net.output_ports:  # one layer, on the one output
        return _specified(net.output_ports[0] if len(net.output_ports) == 1 else "the net's output", loss)
    if isinstance(loss, dict):
        return {port: _term(port, value) for port, value in loss.items()}
    return loss


def _term(port: Any, value: Any) -> Any:
    """A term's value, or the ``loss:`` of its mapping, made a layer when it names or specifies one (not the port's own
    name)."""
    if isinstance(value, dict) and "type" in value:
        return _specified(port, value)
    if isinstance(value, dict) and "loss" in value:
        return {**value, "loss": _term(port, value["loss"])}
    if not isinstance(value, str) or value == port or value in AUTOMATIC:
        return value
    return _layer(value, f"--loss: the loss of {port!r}, {value!r}, is neither the port's own name (the output is "
                         f"the loss) nor a loss layer", "", [str(port)])


def _specified(port: Any, spec: dict) -> Any:
    """``{type: CrossEntropyLossLayer, form: Index}``: that layer with those options."""
    name = spec["type"]
    if name not in loss_layer_names():
        raise OptionError(f"--loss: the loss of {port!r}, type {name!r}, is no loss layer"
                          f"{did_you_mean(str(name), loss_layer_names())}; the loss layers are "
                          f"{', '.join(loss_layer_names())}", option="loss", kind="unknown-layer-type",
                          expected=tuple(loss_layer_names()), found=name)
    try:
        return REGISTRY[name](**{k: v for k, v in spec.items() if k != "type"})
    except NetGraphError as exc:
        header = f"--loss: {port!r}: "  # the layer's problem (its kind, option, found) worded by the flag
        raise headed(exc, header, OptionError) from None


def _layer(name: str, unknown: str, after: str, ports: Any) -> Any:
    if name not in loss_layer_names():
        hint = loss_name_hint(name, as_spec=True) or did_you_mean(name, [*ports, *loss_layer_names()])
        raise OptionError(f"{unknown}{hint}{after}; the loss layers are {', '.join(loss_layer_names())}", option="loss",
                          kind="option-value", expected=(*ports, *loss_layer_names()), found=name)
    try:
        return REGISTRY[name]()
    except NetGraphError as exc:  # a loss layer of one's own that needs options
        header, advice = f"--loss {name!r}: ", " (give the loss layer in Python, net_train's loss_function)"
        raise OptionError(f"{header}{exc}{advice}", diagnostics=[d.prefixed(header) for d in exc.diagnostics]) from None


def loss_option(text: str | None) -> Any:
    """``--loss``: an output port name or loss layer type name, or a YAML mapping of weighted terms (inline, or a
    .yaml file); ``with_loss_layers`` makes the loss layer names layers, once the net is read.

    >>> loss_option("Loss"), loss_option("{Reconstruction: 1, KL: {weight: 1, warmup: 5}}")["KL"]
    ('Loss', {'weight': 1, 'warmup': 5})
    """
    if text is None:
        return None
    source = text
    if text.lstrip().startswith(("{", "[")):  # YAML (a list: a mapping was meant; said so below)
        pass
    elif text.lower().endswith(SPEC_SUFFIXES) or "/" in text or os.sep in text:  # a path: no port is named so
        if not Path(text).is_file():
            what = "is a folder" if Path(text).is_dir() else "does not exist"
            raise OptionError(f"--loss {text!r}: the file {what}{did_you_mean_file(text, SPEC_SUFFIXES)}; give a "
                              f".yaml file of weighted loss terms, an inline mapping {{port: weight, ...}} or an "
                              f"output port name", option="loss", kind="missing-file", found=text)
        source = _loss_file_text(text)
    else:
        return text
    try:  # read as specs are (YAML 1.2 numbers: weight 5e-1 is 0.5)
        value = plain(read_yaml(source, "--loss"))
    except SpecError as exc:
        header = f"--loss {text!r} is not a port name or a YAML mapping: "
        raise headed(exc, header, OptionError) from None
    if not isinstance(value, dict):
        raise OptionError(f"--loss {text!r} must hold a mapping {{port: weight or {{loss, weight, warmup, ...}}}}, "
                          f"found {type(value).__name__}", option="loss", kind="value-type", expected="a mapping",
                          found=type(value).__name__)
    return value


def _loss_file_text(path: str) -> str:
    """The text of ``--loss``'s .yaml file; an OptionError for one that cannot be read as UTF-8 text (unreadable,
    binary: kind ``"unreadable-file"``) or is empty."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise OptionError(f"--loss {path!r}: cannot read the file: {why}; give a .yaml file of weighted loss terms",
                          option="loss", kind="unreadable-file", found=path, detail=why) from None
    if not text.strip():  # read_yaml would say what a spec starts with
        raise OptionError(f"--loss {path!r}: the file is empty; give it a mapping of weighted loss terms, e.g. "
                          f"{{Output: 1}}", option="loss", kind="value-type", expected="a mapping",
                          found="an empty file")
    return text
