"""What a torch or Keras user reaches for on a net (``net.parameters()``, ``net.to("cuda")``, ``net.summary()``):
the AttributeError says what netgraph has instead. A NetGraph is a frozen value, not an ``nn.Module``.

>>> class Net:
...     __getattr__ = missing_attribute
>>> try:
...     Net().parameters
... except AttributeError as e:
...     print(str(e)[:81])
'Net' object has no attribute 'parameters': a net is a frozen value, not a torch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

from netgraph.core.errors import FrozenLayerError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.core.torch_option_names import torch_option_hint
from netgraph.core.torch_array_names import torch_array_name

__all__ = ["missing_attribute", "missing_layer_attribute", "hinting_getattr", "attribute_hint", "ATTRIBUTE_HINTS",
           "shape_keyword_hint", "frozen_net_error", "keras_compile_message", "frozen_layer_error",
           "frozen_distribution_error"]

_MODULE = ("a net is a frozen value, not a torch.nn.Module: module = net.compile() is one (module.parameters(), "
           "module.to('cuda'), module.state_dict(), a torch training loop), and module.to_net() gives the net back")
_CHILDREN = ("a net is a sequence of its top-level layers, as nn.Sequential: list(net) or `for layer in net` gives "
             "them in order, len(net) counts them, net[0] or net['name'] takes one, net.layers.items() pairs them "
             "with their names")

#: An attribute of torch's nn.Module or Keras's Model -> what netgraph has instead.
ATTRIBUTE_HINTS: dict[str, str] = {
    **dict.fromkeys(("parameters", "named_parameters", "buffers", "named_buffers", "modules", "named_modules",
                     "state_dict", "load_state_dict", "to", "cuda", "cpu", "half",
                     "double", "float", "bfloat16", "zero_grad", "requires_grad_", "register_forward_hook",
                     "register_forward_pre_hook", "register_full_backward_hook", "apply", "forward"), _MODULE),
    **dict.fromkeys(("children", "named_children"), _CHILDREN),
    "eval": "net(x) runs in test mode already (dropout off); net(x, mode='train') runs in training mode",
    "train": "net(x, mode='train') runs in training mode; net_train(net, data) trains the net",
    **dict.fromkeys(("append", "extend", "add_module"), "a net is a frozen value: net_append(net, layer) returns the "
                    "net with it at the end (net_append(net, {'name': layer}) names it)"),
    "insert": "a net is a frozen value: net_insert(net, layer, before) returns the net with it before that layer",
    "training": "a net holds no mode: net(x) runs in test mode, net(x, mode='train') in training mode",
    "device": "a net evaluates on the CPU; on a GPU, net.compile().to('cuda')(x.cuda()), or net_train(net, data, "
              "target_device='cuda')",
    "fit": "net_train(net, data, **options) trains it (Wolfram's NetTrain) and returns the trained net",
    "predict": "call the net: net(x) (batch_size= splits a large x)",
    "summary": "net.information() prints the summary (Wolfram's Information[net])",
    "count_params": "net.information('ArraysTotalElementCount') counts the arrays' elements",
    "get_weights": "net_extract(net, 'All') gives every array by path, net_extract(net, ('lin', 'Weights')) one",
    "set_weights": "net_replace_part(net, {('lin', 'Weights'): w}) returns a net with the new array",
    "save": "netgraph.save(net, 'net.yaml') writes the spec and its weights; netgraph.load reads them",
    "evaluate": "the loss on data: netgraph.train.loss.attach_losses(net, loss_function) gives net_train's loss, "
                "loss(outputs, batch) (README 'Custom training loops'); validation_set= reports it while training",
    "get_layer": "net['name'] (or net[0], a path net['enc', 'l1']) gives a layer",
    **dict.fromkeys(("load_weights", "save_weights"),
                    "netgraph.save(net, 'net.yaml') writes its arrays; net_replace_part(net, dict(load(path)."
                    "information('Arrays'))) gives a net built in code a saved net's arrays"),
    "trainable": "net_set_learning_rate_multipliers(net, {'layer': 0}) freezes a layer (learning_rate_multipliers= "
                 "in net_train for one run)",
}


def hinting_getattr(hints: Mapping[str, str]) -> Callable[[Any, str], NoReturn]:
    """A ``__getattr__`` raising Python's AttributeError, with what to use instead (``attribute_hint``), written when
    read: a probe that misses (the library's ``getattr(layer, "_applications", 1)``) costs no hint."""
    def missing(self: Any, name: str) -> NoReturn:  # no obj=: the message guesses the name meant, not Python again
        raise AttributeError(_MissingWords(self, name, hints), name=name)
    return missing


class _MissingWords:
    """An AttributeError's message, written when it is read (``str``)."""

    __slots__ = ("obj", "name", "hints")

    def __init__(self, obj: Any, name: str, hints: Mapping[str, str]) -> None:
        self.obj, self.name, self.hints = obj, name, hints

    def __str__(self) -> str:
        return f"{type(self.obj).__name__!r} object has no attribute {self.name!r}" \
               f"{attribute_hint(self.obj, self.name, self.hints)}"

    def __repr__(self) -> str:
        return repr(str(self))

    def __reduce__(self) -> tuple:
        return str, (str(self),)  # its words, not the object (an error sent to another process)


def attribute_hint(obj: Any, name: str, hints: Mapping[str, str]) -> str:
    """What to use instead of ``obj.<name>``, after ': ': ``hints[name]`` where given; for an array's name as torch
    or Keras writes it (``weight``, ``running_mean``, ``gamma``) or as its key (``Weights``), where the array is; else
    the public attribute a typo meant (`` (did you mean 'information'?)``); '' when nothing is known."""
    if hint := hints.get(name):
        return f": {hint}"
    arrays = getattr(type(obj), "ARRAYS", {})  # the class's table: reading the instance here could recurse
    key = torch_array_name(name, arrays) or \
        next((k for k in arrays if name.lower() in (k.lower(), k.lower()[:-1], k.lower()[:-2])), None)
    if key:
        return f": its array {quoted(key)} is layer.arrays[{quoted(key)}] (also layer.{arrays[key]})"
    return "" if name.startswith("_") else did_you_mean(name, (n for n in dir(obj) if not n.startswith("_")))


#: ``__getattr__`` of a net: Python's AttributeError, with what to use instead for a torch or Keras name.
missing_attribute = hinting_getattr(ATTRIBUTE_HINTS)
#: ``__getattr__`` of a layer: Python's AttributeError; for an array's name as torch writes it (``weight``) or as its
#: key (``Weights``), where the array is.
missing_layer_attribute = hinting_getattr({})


def shape_keyword_hint(name: str, inputs: tuple[str, ...]) -> str:
    """For Keras's ``input_shape=`` / ``shape=`` given to a NetGraph or NetChain: how netgraph names a port's shape;
    for Wolfram's ``LearningRateMultipliers`` option of a net: the function that stores them.

    >>> shape_keyword_hint("input_shape", ("Input",))
    " (Keras's input_shape= is the input port's shape by its name here: Input=(5,), or NetChain(layers, input=(5,)))"
    """
    if name in ("learning_rate_multipliers", "LearningRateMultipliers"):
        return " (Wolfram's LearningRateMultipliers option of a net is net_set_learning_rate_multipliers(net, rules) here)"
    if name not in ("input_shape", "shape", "input_dim", "batch_input_shape") or not inputs:
        return ""
    return (f" (Keras's {name}= is the input port's shape by its name here: {inputs[0]}=(5,), or NetChain(layers, "
            f"input=(5,)))")


def _freeze_hint(stored: str, one_run: str) -> str:
    """How to freeze arrays in training (Keras's ``trainable = False``): the rules as Python writes them."""
    return ("; to freeze its arrays in training (Keras's trainable = False), give them a learning-rate multiplier of "
            f"0: net_set_learning_rate_multipliers(net, {stored}), or net_train(..., learning_rate_multipliers={one_run})")


def frozen_net_error(net: Any, name: str, deleting: bool = False) -> FrozenLayerError:
    """The error for ``net.<name> = ...`` (or ``del net.<name>``) on a frozen net (Keras's ``trainable``: how to
    freeze), a FrozenLayerError as a layer's.

    >>> str(frozen_net_error(object(), "layers")).split("): ")[1]
    'use net.replace_layers(...) or a surgery function, not net.layers = ...'
    """
    freeze = _freeze_hint("{'All': 0}", "{'body': 0}") if name == "trainable" else ""
    given = f"del net.{name}" if deleting else f"net.{name} = ..."
    return _frozen(f"{type(net).__name__} is immutable (a value: edits return new nets): use "
                   f"net.replace_layers(...) or a surgery function, not {given}{freeze}", "frozen-net", name, net)


def frozen_layer_error(layer: Any, name: str, options: Iterable[str], deleting: bool = False) -> FrozenLayerError:
    """The error for ``layer.<name> = ...`` (or ``del layer.<name>``): what to use instead (``layer.replace``; for
    Keras's ``trainable``, a learning-rate multiplier of 0).

    >>> str(frozen_layer_error(object(), "output", ["output"]))[:56]
    'object is frozen (a value: edits return new layers), not'
    """
    options = list(options)
    given = f"del layer.{name}" if deleting else f"layer.{name} = ..."
    if name == "trainable":
        hint = _freeze_hint("{'layer': 0}", "{'layer': 0}")
    elif name in options:
        hint = (f": layer.replace({name}=...) is a copy with {name} changed; net_replace_part(net, {{'name': "
                f"new_layer}}) puts it in a net")
    else:
        meant = torch_option_hint(type(layer).__name__, name) or did_you_mean(name, options)
        hint = f": it has no option {quoted(name)}{meant}; its options are {', '.join(options)}"
    return _frozen(f"{type(layer).__name__} is frozen (a value: edits return new layers), not {given}{hint}",
                   "frozen-layer", name, layer)


def frozen_distribution_error(dist: Any, name: str, deleting: bool = False) -> FrozenLayerError:
    """The error for ``distribution.<name> = ...`` (or ``del``): a distribution is a frozen value, made anew.

    >>> str(frozen_distribution_error(object(), "params")).split("...: ")[1]
    'make one with the parameters wanted, object()'
    """
    kind = type(dist).__name__
    given = f"del distribution.{name}" if deleting else f"distribution.{name} = ..."
    return _frozen(f"{kind} is frozen (a value: new parameters make a new one), not {given}: make one with the "
                   f"parameters wanted, {kind}({', '.join(getattr(dist, 'PARAMS', ()))})", "frozen-distribution", name,
                   dist)


def _frozen(message: str, kind: str, name: str, value: Any) -> FrozenLayerError:
    """The FrozenLayerError for an assignment to ``value``'s ``name``, with AttributeError's ``name`` and ``obj``."""
    error = FrozenLayerError(message, kind=kind, option=name)
    error.name, error.obj = name, value
    return error


def keras_compile_message(options: dict) -> str:
    """The words for ``net.compile(optimizer=..., loss=...)``: Keras's compile options are net_train's."""
    return (f"net.compile() makes the nn.Module and takes only checks=; Keras's compile(optimizer=, loss=, metrics=) "
            f"are net_train's method=, loss_function=, metrics= (found {', '.join(f'{k}=' for k in options)})")
