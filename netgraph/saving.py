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

from netgraph.files import atomic_write
from netgraph.errors import SpecError

__all__ = ["save_net", "read_arrays"]


def save_net(net: Any, path: Path) -> Path:
    """Write ``net`` (a NetGraph, or a compiled module: its ``to_net()``) as spec + safetensors; returns ``path``."""
    from safetensors.torch import save as safetensors_bytes

    from netgraph.spec_dump import dump_data, spec_data
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
    from safetensors.torch import load as safetensors_load
    name, loc = data["arrays"], data.value_locs["arrays"]
    if not isinstance(name, str) or not name:
        reader.error(f, loc, f"'arrays:' names a safetensors file beside the spec, found {name!r}")
        return
    from netgraph.spec_load import read_limited
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
