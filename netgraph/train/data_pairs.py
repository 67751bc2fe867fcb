"""What a pair (inputs, targets) given in Keras's forms needs here, for net_train's DataError: a dict by the net's
ports, shown with their names (``fit([xa, xb], y)``, ``fit({'a': x}, y)``).

>>> print(pair_problem(([1, 2], 3), ("a", "b"), ("Output",)).split(": ", 1)[1])
give a dict by port, Keras's list of inputs as {'a': inputs[0], 'b': inputs[1], 'Target': targets}
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["pair_problem", "dict_pair_problem", "is_pair", "is_pair_of_values", "is_dict_pair", "pair_dict",
           "pair_columns", "lone_target_key", "tuples_advice",
           "rules_problem"]


def pair_problem(pair: tuple, inputs: Sequence[str], outputs: Sequence[str]) -> str:
    """A pair (inputs, targets) for a net of other than one input, or of one input and several outputs: the dict by
    port that says it (Keras's list of inputs, one per input port in order, taken apart as ``inputs[i]``)."""
    listed = _listed(pair[0], len(inputs))
    keys = [f"{p!r}: {'inputs[%d]' % i if listed else '...'}" for i, p in enumerate(inputs)]
    if len(outputs) == 1:
        keys.append("'Target': targets")
    else:
        by_output = _listed(pair[1], len(outputs))
        keys += [f"{p!r}: {'targets[%d]' % i if by_output else '...'}" for i, p in enumerate(outputs)]
    keras = "Keras's list of inputs as " if listed else ""
    if len(inputs) == 1:  # one input, several outputs: the targets of which output?
        return (f"a pair (inputs, targets) needs a net with one output port; this one has {len(outputs)} "
                f"({', '.join(outputs)}): give a dict by port, {{{', '.join(keys)}}}")
    return (f"a pair (inputs, targets) needs a net with exactly one input port; this one has {len(inputs)} "
            f"({', '.join(inputs)}): give a dict by port, {keras}{{{', '.join(keys)}}}")


def is_pair(value: Any) -> bool:
    """Whether ``value`` is in the form of an (input, target) pair, a tuple of two, whatever they hold: an example
    of a list of them (its parts are checked as each port's values, so a dict there is named as one), or the data
    whose first part gives the input's example shape (a dict there gives none). ``is_pair_of_values`` asks more: a
    pair that is read as the dict {input: ..., target: ...} holds no dict (``(dict, y)`` is Keras's dict of inputs).

    >>> is_pair(([1], [2])), is_pair(({"a": 1}, [2])), is_pair([[1], [2]])
    (True, True, False)
    """
    return isinstance(value, tuple) and len(value) == 2


def is_pair_of_values(value: Any, forms: tuple[type, ...] = (tuple,)) -> bool:
    """Whether ``value`` is an (inputs, targets) pair: two items (a tuple, or one of ``forms``), neither a dict (a dict
    among them is Keras's ``fit(dict, y)``, or a batch of two example dicts).

    >>> is_pair_of_values(([1], [2])), is_pair_of_values(({"a": 1}, [2])), is_pair_of_values([[1], [2]], (list,))
    (True, False, True)
    """
    return isinstance(value, forms) and len(value) == 2 and not any(isinstance(d, Mapping) for d in value)


def is_dict_pair(value: Any, forms: tuple[type, ...] = (tuple,)) -> bool:
    """Whether ``value`` is Keras's ``(dict, targets)``: two items (of ``forms``), a dict of inputs and no dict."""
    return isinstance(value, forms) and len(value) == 2 and isinstance(value[0], Mapping) and \
        not isinstance(value[1], Mapping)


def pair_dict(value: Any, keys: Sequence[str], forms: tuple[type, ...] = (tuple,)) -> Any:
    """``value`` as the dict {``keys[0]``: inputs, ``keys[1]``: targets} where it is an (inputs, targets) pair
    (``is_pair_of_values``), else as it is.

    >>> pair_dict((1, 2), ("Input", "Target")), pair_dict(({"a": 1}, 2), ("Input", "Target"))
    ({'Input': 1, 'Target': 2}, ({'a': 1}, 2))
    """
    return dict(zip(keys, value)) if is_pair_of_values(value, forms) else value


def pair_columns(pair: tuple, inputs: Sequence[str], outputs: Sequence[str]) -> dict[str, Any]:
    """The dict a pair (inputs, targets) stands for in a net of one input and one output: the targets under
    ``"Target"``, or under ``"<output>Target"`` where the input port itself is named ``Target`` (the key the loss reads
    then).

    >>> sorted(pair_columns(([1.0], [2.0]), ("Target",), ("Output",)))
    ['OutputTarget', 'Target']
    """
    return pair_dict(pair, (inputs[0], lone_target_key(inputs, outputs[0])))


def lone_target_key(inputs: Sequence[str], output: str) -> str:
    """The key of a net's one output's targets: ``"Target"``, or ``"<output>Target"`` where an input port is named
    ``Target`` (its key is that input's data).

    >>> lone_target_key(("Input",), "Output"), lone_target_key(("Target",), "Output")
    ('Target', 'OutputTarget')
    """
    return f"{output}Target" if "Target" in inputs else "Target"


def dict_pair_problem(pair: tuple) -> str:
    """Keras's ``fit(dict, y)``: the targets go into the dict."""
    keys = ", ".join(f"{str(k)!r}: ..." for k in pair[0])
    return (f"a pair (inputs, targets) whose inputs are a dict: put the targets in it, {{{keys}, 'Target': targets}} "
            f"(with several outputs, each under its port's name)")


def tuples_advice(item: Any, dataset: Any, ports: tuple[Sequence[str], Sequence[str]]) -> str:
    """What to give instead of a Dataset or loader whose items are tuples (``item``, collated or not), for a net of
    ``ports`` (inputs, outputs): a TensorDataset's tensors as a dict by port, where they are one per key, else
    items as dicts by port (a tuple's entries taken in the order of the inputs, then the outputs).

    >>> tuples_advice([1, 2, 3], None, (("a", "b"), ("Output",)))
    "make each item a dict by port, {'a': item[0], 'b': item[1], 'Target': item[2]}"
    """
    inputs, outputs = ports
    keys = [*inputs, *([lone_target_key(inputs, outputs[0])] if len(outputs) == 1 else outputs)]
    tensors = getattr(dataset, "tensors", None)
    if isinstance(tensors, tuple) and len(tensors) == len(keys):
        return f"give the tensors by port: net_train(net, dict(zip({keys!r}, dataset.tensors)))"
    listed = _listed(item, len(keys))
    return "make each item a dict by port, {" + ", ".join(
        f"{k!r}: {'item[%d]' % i if listed else '...'}" for i, k in enumerate(keys)) + "}"


def rules_problem(data: Mapping, inputs: Sequence[str], outputs: Sequence[str]) -> str:
    """Why a dict {input: target} (Wolfram's rules {x -> y}, one example a key) is no data for a net of ``inputs`` and
    ``outputs`` ('' when ``data`` is not one): no key is a port or target, and each holds one text, path or number.
    What to give: the pairs and the dict by port that a pair stands for, or (not one input and one output) the dict.

    >>> rules_problem({"good": "pos", "bad": "neg"}, ("Input",), ("Output",)).rsplit(", or as ", 1)[1]
    "a dict of columns {'Input': inputs, 'Target': targets}"
    """
    ports = {*inputs, *outputs, "Target", *(f"{p}Target" for p in outputs)}
    if not data or any(str(k) in ports for k in data) or \
            not all(isinstance(v, (str, os.PathLike, int, float)) for v in data.values()):
        return ""
    keys = ", ".join(repr(k) for k in list(data)[:3]) + (", ..." if len(data) > 3 else "")
    found = (f"a dict whose keys ({keys}) are no input port or target, each holding one value, looks like Wolfram's "
             f"rules {{input -> target}}, one example a key; ")
    if len(inputs) == 1 and len(outputs) == 1:
        return (found + f"give the examples as (input, target) pairs, list(data.items()), or as a dict of columns "
                        f"{{{inputs[0]!r}: inputs, {lone_target_key(inputs, outputs[0])!r}: targets}}")
    targets = [lone_target_key(inputs, outputs[0])] if len(outputs) == 1 else outputs  # several: by the port's name
    columns = ", ".join(f"{p!r}: ..." for p in (*inputs, *targets))
    return found + f"(input, target) pairs need a net of one input and one output: give a dict by port, {{{columns}}}"


def _listed(value: Any, count: int) -> bool:
    return isinstance(value, (list, tuple)) and len(value) == count
