"""Devices a module can run on: ``target_device`` / ``--device`` read and checked against this machine.

Here, below training, so that the command line checks ``--device`` without importing netgraph.train.

>>> parse_device("CPU")
device(type='cpu')
>>> parse_device("tpu")
Traceback (most recent call last):
netgraph.core.errors.OptionError: target_device must be 'cpu' or 'cuda' (or 'cuda:N'), found 'tpu'
"""

from __future__ import annotations

import numbers
from typing import Any

import torch

from netgraph.core.errors import OptionError

__all__ = ["parse_device", "missing_device"]


def parse_device(value: Any) -> torch.device:
    """'cpu' / 'CPU', 'cuda' / 'GPU', 'cuda:1' or a torch.device; else an OptionError, option ``target_device``,
    kind ``device-name`` (not a device) or ``device-missing`` (not on this machine, ``detail`` says why)."""
    if value is None:
        return torch.device("cpu")
    text = str(_wolfram_gpus(value) if isinstance(value, (tuple, list)) and value else value)  # empty: refused below
    text = {"GPU": "cuda", "gpu": "cuda", "CPU": "cpu"}.get(text, text)
    try:
        device = torch.device(text)
    except (RuntimeError, TypeError):
        device = None
    if device is None or device.type not in ("cpu", "cuda"):
        hint = _spelling_hint(text)
        detail = f"must be 'cpu' or 'cuda' (or 'cuda:N'), found {value!r}" + (f"; {hint}" if hint else "")
        raise OptionError(f"target_device {detail}", option="target_device", kind="device-name", found=value,
                          detail=detail, hint=hint)
    if device.type == "cpu" and device.index == 0:
        device = torch.device("cpu")  # as every CPU tensor's device is (torch.device("cpu", 0) is unequal to it)
    detail = missing_device(device)
    if detail is not None:
        raise OptionError(f"target_device={value!r}: {detail}", option="target_device", kind="device-missing",
                          detail=detail)
    return device


def _spelling_hint(text: str) -> str | None:
    """The device ``text`` means in torch's spelling (lower case, no spaces, a GPU as 'cuda'), which torch reads,
    where it has another (torch refuses 'CPU:0', ' cpu' and 'GPU:0') and this machine has it, else None."""
    meant = text.strip().lower()
    meant = "cuda" + meant[3:] if meant.startswith("gpu") else meant
    try:
        device = torch.device(meant)
        usable = meant != text and device.type in ("cpu", "cuda") and missing_device(device) is None
    except (RuntimeError, TypeError):
        usable = False
    return f"did you mean {meant!r}? torch's device names are lower case, without spaces" if usable else None


def _index(value: Any) -> bool:
    """Whether ``value`` is a device index: an integer (numpy's too), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _wolfram_gpus(value: tuple | list) -> str:
    """Wolfram's {"GPU", n} (n from 1) as 'cuda:<n - 1>'; torch's (type, index) (('cpu', 0), ('cuda', 1): from 0) as
    'type:index'; one device alone (('CPU',), ['cuda:1']) as that device; several GPUs ({"GPU", All}, a list):
    OptionError."""
    if len(value) == 1 and isinstance(value[0], (str, torch.device)):
        return str(value[0])
    if len(value) == 2 and isinstance(value[0], str) and value[0].lower() in ("cpu", "cuda") \
            and _index(value[1]):  # spelled as the string is: ('Cpu', 0) refused as 'Cpu:0'; Wolfram's 'CPU' read
        return f"{'cpu' if value[0] == 'CPU' else value[0]}:{int(value[1])}"
    if len(value) == 2 and value[0] in ("GPU", "gpu") and _index(value[1]):
        if value[1] >= 1:
            return f"cuda:{int(value[1]) - 1}"
        detail = f"Wolfram's ('GPU', n) counts the GPUs from 1 ('cuda:0' is ('GPU', 1)), found {value!r}"
        raise OptionError(f"target_device={value!r}: {detail}", option="target_device", kind="device-name",
                          detail=detail)
    if value[-1] == "All" and (missing := missing_device(torch.device("cuda"))):  # no GPU: not '--nproc 0'
        raise OptionError(f"target_device={value!r}: {missing}", option="target_device", kind="device-missing",
                          detail=missing)
    several = torch.cuda.device_count() if value[-1] == "All" else len(value[-1]) if isinstance(value[-1], list) \
        else len(value)
    detail = (f"one process trains on one device: several GPUs train in several processes, netgraph train --nproc "
              f"{several} --device cuda (or torchrun with net_train(..., distributed=True)); found {value!r}")
    raise OptionError(f"target_device={value!r}: {detail}", option="target_device", kind="device-name", detail=detail)


def missing_device(device: torch.device) -> str | None:
    """Why this machine cannot run on ``device`` (no CUDA, a GPU index past the last one, a CPU index past 0), or
    None."""
    if device.type == "cpu" and device.index:
        return ("torch has one CPU device, 'cpu' (or 'cpu:0'), which runs on all the cores it may use "
                "(torch.set_num_threads sets how many)")
    if device.type != "cuda":
        return None
    if not torch.cuda.is_available():
        return f"CUDA is not available in this torch installation (torch {torch.__version__}); use the cpu"
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        have = "cuda:0" if count == 1 else f"cuda:0 to cuda:{count - 1}"
        return f"there is no CUDA device {device.index}; this machine has {count} ({have})"
    return None
