"""The encoders and decoders of an exported net that are no class coders (a TokensEncoder's vocabulary, an
ImageEncoder's size, mean and std, a ScalarEncoder's min and max, a BooleanDecoder): ``export_onnx`` writes each in
its YAML form ``{type: ..., options}`` in the model's ``netgraph_coders`` metadata, by port; ``import_onnx`` puts
them back on the imported net's ports (with the class labels of ``onnx_labels``), so that ``net("the cat")`` reads
its text as the exported net did. A coder that cannot be read or does not fit its port is left out with the labels'
warning."""

from __future__ import annotations

import json
from typing import Any

from netgraph.core.coders import Coder, Labelled, coder_from_data
from netgraph.core.errors import NetGraphError

__all__ = ["CODERS_KEY", "coders_metadata", "metadata_json", "model_coders"]

CODERS_KEY = "netgraph_coders"  # the metadata key export_onnx writes


def coders_metadata(net: Any) -> str | None:
    """The JSON of each port's coder other than a class coder (their labels are ``netgraph_labels``), or None."""
    coders = {port: {"type": coder.type_name, **coder.options()} for port, coder in net.coders.items()
              if not isinstance(coder, Labelled)}
    return json.dumps(coders) if coders else None


def model_coders(model: Any, notes: list[str]) -> dict[str, Coder]:
    """The coders of each port by its ONNX name, from the model's metadata (``{}`` without any); why one is left out
    (not JSON, no coder's form) in ``notes``."""
    forms, note = metadata_json(model, CODERS_KEY, "coders")
    if note is not None:
        notes.append(note)
        return {}
    coders, graph = {}, model.graph
    inputs, outputs = {i.name for i in graph.input}, {o.name for o in graph.output}
    for name, form in (forms or {}).items():
        try:
            coders[name] = coder_from_data(form, _kind(name, form, inputs, outputs), f"the coder of port {name!r}")
        except NetGraphError as exc:
            notes.append(str(exc))
    return coders


def metadata_json(model: Any, key: str, what: str, value_type: type = object) -> tuple[dict | None, str | None]:
    """The mapping of ports to ``what`` in the model's ``key`` metadata (None without any), or why it cannot be read
    (not JSON, nested too deeply, no mapping of ports to values of ``value_type``) as a note."""
    text = next((p.value for p in model.metadata_props if p.key == key), None)
    try:
        value = None if text is None else json.loads(text)
    except ValueError as exc:
        return None, f"its {key} metadata is not JSON ({exc})"
    except RecursionError:
        return None, f"its {key} metadata is JSON nested too deeply to read"
    if value is None or (isinstance(value, dict) and all(isinstance(v, value_type) for v in value.values())):
        return value, None
    return None, f"its {key} metadata is no mapping of ports to {what}: {text[:100]!r}"


def _kind(name: str, form: Any, inputs: set[str], outputs: set[str]) -> str:
    """Whether the coder of ONNX name ``name`` is an "encoder" (a graph input's: a Restricted too) or a "decoder" (an
    output's); for a name of neither (left out later, ``with_labels``), as its type's name says."""
    if name in inputs or name in outputs:
        return "encoder" if name in inputs else "decoder"
    return "encoder" if isinstance(form, dict) and str(form.get("type", "")).endswith("Encoder") else "decoder"
