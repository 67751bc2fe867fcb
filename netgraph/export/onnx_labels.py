"""Class labels of an imported model: ``export_onnx`` writes the labels of each port's ClassEncoder and ClassDecoder
in the model's ``netgraph_labels`` metadata (the model takes their indices or one-hot vectors and gives the
probabilities); ``import_onnx`` puts them back on the imported net's ports, so that it decodes to the same labels.

An input whose imported type is a scalar Integer takes a ``ClassEncoder(labels)`` (indices), one of a real vector
of the labels' count ``ClassEncoder(labels, output="UnitVector")``; an output a ``ClassDecoder(labels)``. Labels that
do not fit their port (another tool's metadata, an edited model) are left out with a ``UserWarning``: the net still
computes what the model does; each port's labels are checked on their own, so labels that fit their port are
kept beside those left out, and labels naming no port of the model are left out with that warning too.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from netgraph.core.coders import ClassDecoder, ClassEncoder, Labelled
from netgraph.core.errors import NetGraphError
from netgraph.core.graph import NetGraph
from netgraph.core.port_options import with_port_options
from netgraph.core.types import INTEGER, REAL, PortType
from netgraph.core.user_frame import user_stacklevel
from netgraph.export.onnx_coders import CODERS_KEY, metadata_json
from netgraph.export.onnx_problems import OnnxImportWarning

__all__ = ["LABELS_KEY", "model_labels", "with_labels"]

LABELS_KEY = "netgraph_labels"  # the metadata key export_onnx writes


def model_labels(model: Any, where: str) -> dict[str, list]:
    """The labels of each port by its ONNX name, from the model's metadata (``{}`` without any); a value that is no
    mapping of label lists is left out with a warning."""
    labels, note = metadata_json(model, LABELS_KEY, "label lists", list)
    return (_left_out(where, [note]) if note is not None else labels) or {}


def with_labels(net: NetGraph, labels: Mapping[str, list], inputs: Mapping[str, str],
                outputs: Iterable[tuple[str, str]], where: str, others: Mapping[str, Any] | None = None,
                notes: list[str] | None = None) -> NetGraph:
    """``net`` with a class encoder or decoder of its ``labels`` on each port they name (``inputs``: ONNX name ->
    input port; ``outputs``: (ONNX name, output port) pairs), and the ``others`` coders (``onnx_coders``) on theirs;
    ``net`` itself without any. Each port's are checked on their own: those that do not fit (or name no port) are
    left out with one warning, the others kept; ``notes`` are the coders left out already."""
    outputs, notes = dict(outputs), list(notes or [])
    others = others or {}
    notes += [f"its {key} metadata names {name!r}, no input or output of the model"
              for key, names in ((LABELS_KEY, labels), (CODERS_KEY, others)) for name in names
              if name not in inputs and name not in outputs]
    coders = {port: _encoder(labels[name], net.port_types[port], port, notes)
              for name, port in inputs.items() if name in labels}
    coders.update({port: _coder(ClassDecoder, labels[name], port, notes)
                   for name, port in outputs.items() if name in labels})
    coders.update({port: others[name] for name, port in [*inputs.items(), *outputs.items()] if name in others})
    coders = {port: coder for port, coder in coders.items() if coder is not None}
    labelled = _with_coders(net, coders, notes) if coders else net
    _left_out(where, notes)
    return labelled


def _with_coders(net: NetGraph, coders: Mapping[str, Any], notes: list[str]) -> NetGraph:
    """``net`` with the ``coders`` on their ports: built once where they all fit (the usual file), else each port's
    checked on its own (``_fits``: one build each) and those that fit set."""
    options = net.port_shape_options()
    try:
        return with_port_options(net, {**options, **coders})
    except NetGraphError:
        fitting = {port: coder for port, coder in coders.items() if _fits(net, port, coder, notes)}
        return with_port_options(net, {**options, **fitting}) if fitting else net


def _fits(net: NetGraph, port: str, coder: Any, notes: list[str]) -> bool:
    """Whether ``net`` takes ``coder`` on ``port`` (a decoder's port of its labels' size); why not in ``notes``."""
    try:
        with_port_options(net, {**net.port_shape_options(), port: coder})
        return True
    except NetGraphError as exc:
        what = "labels" if isinstance(coder, Labelled) else coder.type_name
        notes.append(f"the {what} of port {port!r} do{'es' * (what != 'labels')} not fit it ({exc})")
        return False


def _encoder(labels: list, port_type: PortType, port: str, notes: list[str]) -> ClassEncoder | None:
    """The class encoder of an input of ``port_type``: indices (a scalar Integer) or one-hot vectors."""
    if (port_type.shape, port_type.dtype) == ((), INTEGER):  # any index range (a Restricted port's too)
        return _coder(ClassEncoder, labels, port, notes)
    if port_type == PortType((len(labels),), REAL):
        return _coder(ClassEncoder, labels, port, notes, output="UnitVector")
    notes.append(f"input {port!r} of type {port_type} takes no class indices or one-hot vectors of "
                 f"{len(labels)} labels")
    return None


def _coder(kind: type, labels: list, port: str, notes: list[str], **options: Any) -> Any:
    try:
        return kind(labels, **options)
    except NetGraphError as exc:  # labels that are no list of distinct strings, ints or booleans
        notes.append(f"the labels of port {port!r}: {exc}")
        return None


def _left_out(where: str, notes: list[str]) -> None:
    """A UserWarning that labels are left out, for the reasons ``notes`` (none: no warning), pointing at the user's
    line (``import_onnx``'s call, or the command's: however many netgraph frames are between)."""
    if notes:
        warnings.warn(f"{where}: class labels or coders left out: {'; '.join(notes)}", OnnxImportWarning,
                      stacklevel=user_stacklevel())
