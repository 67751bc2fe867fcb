"""Bool tensors at class ports in streamed data (a generator, a Dataset whose items are all tensors, a DataLoader):
taken as encoded, they would be read as class indices (True as index 1, the second label). Where a label is a boolean
they are labels and become their class indices, as in-memory data's are (``as_labels``); elsewhere they are refused
(``encoded_form_problem``), as in-memory data's are. Only a bool tensor at a class port does any work per batch.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import torch

from netgraph.core.coders import ClassDecoder, ClassEncoder, Coder
from netgraph.data.encoding import encode, encoded_form_problem
from netgraph.train.data import Streamed
from netgraph.train.data_sets import data_error
from netgraph.train.encoded_columns import coder_for, output_for, port_words

__all__ = ["read_streamed_labels"]


def read_streamed_labels(net: Any, data: Any) -> None:
    """Have each batch of streamed ``data`` read with its bool tensors at the net's class ports as labels (nothing
    for in-memory data, whose columns are read so once, or a net without class ports)."""
    keys = [*net.input_ports, *net.output_ports, "Target", *(f"{p}Target" for p in net.output_ports)]
    coded = {key: (coder, output_for(net, key)) for key in keys
             if isinstance(coder := coder_for(net, key), (ClassEncoder, ClassDecoder))}
    if isinstance(data, Streamed) and coded:
        data.read_labels = functools.partial(_labelled, coded)  # the coders found once, not per batch


def _labelled(coded: dict[str, tuple[Coder, str]], batch: Mapping, where: Any) -> Mapping:
    """``batch`` with its bool tensors at class ports as class indices; a DataError where no label is a boolean."""
    bools = [key for key in coded if isinstance(value := batch.get(key), torch.Tensor) and value.dtype == torch.bool]
    if not bools:
        return batch
    read = dict(batch)
    for key in bools:
        coder, port = coded[key]
        if problem := encoded_form_problem(coder, batch[key]):
            raise data_error(where, f"{port_words(coder, key, port)}: {problem}", layer=(), port=key,
                             kind="encoded-form")
        read[key] = encode(coder, key, batch[key], what="target" if isinstance(coder, ClassDecoder) else "input port")
    return read
