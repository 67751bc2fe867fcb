"""torch's and Keras's names for a layer's arrays (a ``state_dict``'s ``bn.running_mean``, ``ln.weight``; Keras's
``kernel``, ``gamma``) and the array each is here, so that an error naming one says which array to give.

>>> torch_array_name("running_var", ("Scaling", "Biases", "MovingMean", "MovingVariance"))
'MovingVariance'
>>> array_name_note("weight", ("Scaling", "Biases"))
" (torch's weight is 'Scaling' here)"
>>> torch_array_hint("weight_ih_l0", ("InputWeights", "StateWeights", "Biases"))
'recurrent_from_torch(module) makes the layer of an nn.LSTM, nn.GRU or nn.RNN with its arrays'
>>> array_name_hint("bias", ("Weights", "Biases"), "with_arrays({}=...)")
'with_arrays(Biases=...)'
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable

from netgraph.core.errors import did_you_mean
from netgraph.core.naming_scope import quoted

__all__ = ["torch_array_name", "array_name_note", "torch_array_hint", "array_name_hint"]

#: torch's name -> the arrays it may be here, in order (a layer has at most one of them)
_TORCH = {"weight": ("Weights", "Scaling", "Slope"), "bias": ("Biases",), "running_mean": ("MovingMean",),
          "running_var": ("MovingVariance",)}
#: Keras's names torch does not share
_KERAS = {"kernel": ("Weights",), "embeddings": ("Weights",), "gamma": ("Scaling",), "beta": ("Biases",),
          "moving_mean": ("MovingMean",), "moving_variance": ("MovingVariance",), "alpha": ("Slope",)}
#: torch's buffers that hold no array here -> why
_NO_ARRAY = {"num_batches_tracked": " (netgraph keeps no count of batches: leave num_batches_tracked out; "
                                    "BatchNormalizationLayer's momentum weighs the moving statistics)"}
#: torch's packed arrays of nn.LSTM / nn.GRU / nn.RNN: every gate's weights stacked (weight_ih_l0, bias_hh_l1_reverse)
_PACKED = re.compile(r"(weight|bias)_(ih|hh)_l\d+(_reverse)?")
_BY_PATH = "net_replace_part(net, {(layer, array): value}) sets an array of a net's layer by its path"
_FROM_TORCH = "recurrent_from_torch(module) makes the layer of an nn.LSTM, nn.GRU or nn.RNN with its arrays"


def torch_array_name(name: str, arrays: Iterable[str]) -> str | None:
    """The array of ``arrays`` that torch's or Keras's ``name`` is, or None."""
    arrays = tuple(arrays)
    return next((a for a in _TORCH.get(name, _KERAS.get(name, ())) if a in arrays), None)


def array_name_note(name: Hashable, arrays: Iterable[str]) -> str:
    """' (torch's running_var is 'MovingVariance' here)' for another library's name of one of ``arrays``, why a torch
    buffer has no array here, that arrays are named by text (``name`` a path or a number), else ``did_you_mean``'s."""
    arrays = tuple(arrays)
    if not isinstance(name, str):  # with_arrays({("a", "Weights"): w}): a net's path, given to a layer
        return f" (arrays are named by text, one of {list(arrays)}: found {type(name).__name__} {quoted(name)})"
    if (ours := torch_array_name(name, arrays)) is not None:
        return f" ({'torch' if name in _TORCH else 'Keras'}'s {name} is {ours!r} here)"
    if _packed(name, arrays):
        return f" (torch's {name} stacks every gate's arrays, which are arrays of their own here: {_FROM_TORCH})"
    return _NO_ARRAY.get(name) or did_you_mean(name, arrays)


def torch_array_hint(name: str, arrays: Iterable[str]) -> str | None:
    """What to do instead of giving a recurrent layer torch's packed array ``name``, else None."""
    return _FROM_TORCH if _packed(name, tuple(arrays)) else None


def array_name_hint(name: Hashable, arrays: Iterable[str], remedy: str) -> str | None:
    """What to do instead of naming an array ``name`` that ``arrays`` lack: ``remedy`` formatted with the array that
    torch's or Keras's ``name`` is here (``"with_arrays({}=...)"``), else ``torch_array_hint``'s (or None)."""
    arrays = tuple(arrays)
    if isinstance(name, tuple):
        return _BY_PATH
    ours = torch_array_name(name, arrays)
    return torch_array_hint(name, arrays) if ours is None else remedy.format(ours)


def _packed(name: Hashable, arrays: tuple[str, ...]) -> bool:
    """``name`` is a torch recurrent module's packed array and ``arrays`` a recurrent layer's."""
    packed = isinstance(name, str) and _PACKED.fullmatch(name) is not None
    return packed and any(a.endswith("InputWeights") for a in arrays)
