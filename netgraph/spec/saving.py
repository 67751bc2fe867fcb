"""Saving nets: the spec as YAML plus every array in a safetensors file beside it, never pickle.

``save_net(net, "model.yaml")`` writes ``model.yaml`` (the spec, with ``arrays: model.safetensors``)
and ``model.safetensors`` (tensors keyed ``<layer path>.<Array>``, as in the compiled module's
``state_dict``), each atomically (a temporary file, then ``os.replace``). Loading the spec restores
the arrays; ``read_arrays`` is the part of the spec reader that does it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from netgraph.core.files import atomic_write
from netgraph.core.errors import SpecError
from netgraph.spec.dump import dump_data, spec_data
from netgraph.spec.yaml_nodes import MAX_BYTES
from safetensors.torch import load as safetensors_load
from safetensors.torch import save as safetensors_bytes

__all__ = ["save_net", "read_arrays", "read_limited"]


def save_net(net: Any, path: Path) -> Path:
    """Write ``net`` (a NetGraph, or a compiled module: its ``to_net()``) as spec + safetensors; returns ``path``."""

    if not hasattr(net, "explicit_edges") and hasattr(net, "to_net"):
        net = net.to_net()
    if path.suffix == ".safetensors":
        raise SpecError(f"save(net, {str(path)!r}): give the path of the YAML spec (e.g. 'model.yaml'); the "
                        f"arrays go beside it in a .safetensors file")
    arrays: dict[str, torch.Tensor] = {}
    data = spec_data(net, arrays=arrays)
    weights = path.with_suffix(".safetensors")
    if arrays:
        data = {"netgraph": data.pop("netgraph"), "arrays": weights.name, **data}
        tensors = {k: v.detach().cpu().contiguous().clone() for k, v in arrays.items()}
        metadata = {"format": "netgraph", "netgraph": "1", "spec": path.name}
        atomic_write(weights, safetensors_bytes(tensors, metadata))
    atomic_write(path, dump_data(data).encode("utf-8"))
    return path


def read_arrays(reader: Any, data: Any, f: Any, prefix: tuple) -> None:
    """Load the safetensors file named by a spec's ``arrays:`` into ``reader.arrays`` (keys under ``prefix``)."""
    name, loc = data["arrays"], data.value_locs["arrays"]
    if not isinstance(name, str) or not name:
        reader.error(f, loc, f"'arrays:' names a safetensors file beside the spec, found {name!r}")
        return
    file = Path(f.folder, name)
    try:
        tensors = safetensors_load(read_limited(file, binary=True))
    except OSError as exc:
        reader.error(f, loc, f"cannot read the arrays file {str(file)!r}: {exc.strerror or exc}")
        return
    except Exception as exc:  # noqa: BLE001 - safetensors raises its own types for malformed files
        reader.error(f, loc, f"{str(file)!r} is not a valid safetensors file: {exc}")
        return
    head = ".".join(prefix)
    for key, tensor in tensors.items():
        full = f"{head}.{key}" if head else key
        if full not in reader.arrays:  # arrays saved with an enclosing spec take precedence
            reader.arrays[full] = tensor
            reader.array_origin[full] = (f, loc)


def read_limited(path: Path, binary: bool = False) -> Any:
    """A regular file's contents, refusing devices, pipes and files over MAX_BYTES (never a hang)."""
    if not path.is_file():
        raise OSError(f"{str(path)!r} is not a regular file" if path.exists() else f"no such file {str(path)!r}")
    limit = MAX_BYTES * (64 if binary else 1)
    if path.stat().st_size > limit:
        raise OSError(f"{str(path)!r} is larger than {limit} bytes")
    return path.read_bytes() if binary else path.read_text(encoding="utf-8")
