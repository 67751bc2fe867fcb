"""Evaluation options of ``net(x, ...)`` (Wolfram's BatchSize, NetEvaluationMode, RandomSeeding, WorkingPrecision).

``batch_size=n`` runs the data ``n`` examples at a time and concatenates the outputs; ``mode="train"``
runs as in training (dropout drops, batch normalisation uses the batch's statistics); ``seed=s`` makes
the call's random draws repeatable without touching the global RNG (Wolfram's ``"Inherited"`` is None, torch's global
generator; ``"Automatic"`` a fresh seed per call); ``precision="float64"`` evaluates
a float64 copy of the net (cached beside the float32 one).

>>> options = parse_options({"mode": "Train", "precision": "Real64"})
>>> options.mode, options.precision
('train', torch.float64)
"""

from __future__ import annotations

import contextlib
import dataclasses
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy
import torch

from netgraph.core.errors import DataError, Diagnostic, OptionError, did_you_mean
from netgraph.core.options import random_seeding
from netgraph.data import parse_property
from netgraph.data.decoding import PROPERTIES
from netgraph.core.ports import NetPort
from netgraph.core.torch_state import forked_generator, working_dtype, working_precision
from netgraph.layers._torch_compat import disabled_at_first_need, outside_torch_func
from netgraph.layers.bad_index import examples_at
from netgraph.layers.random import distribution_checks

__all__ = ["OPTION_NAMES", "CALL_KEYWORDS", "WOLFRAM_OPTIONS", "EvaluationOptions", "parse_options", "split_call",
           "snake_options", "OTHER_KEYWORDS", "compiled_module", "seeded", "in_batches", "call_by_name", "working_precision",
           "working_dtype", "PRECISIONS", "outside_transforms", "evaluation_ready"]

OPTION_NAMES = ("batch_size", "mode", "seed", "precision", "decoder", "outputs")
CALL_KEYWORDS = (*OPTION_NAMES, "states", "return_states")  # every keyword of net(...) that is no port name
#: Wolfram's names of the evaluation options, keywords of net(...) too
WOLFRAM_OPTIONS = {"BatchSize": "batch_size", "NetEvaluationMode": "mode", "RandomSeeding": "seed",
                   "WorkingPrecision": "precision"}
_MODES = {"test": "test", "train": "train", "Test": "test", "Train": "train"}  # as listed (Wolfram's too)
PRECISIONS = {"float32": torch.float32, "float64": torch.float64, "Real32": torch.float32, "Real64": torch.float64}


@dataclasses.dataclass(frozen=True)
class EvaluationOptions:
    """Validated evaluation options; ``precision`` None is the working precision (``torch.get_default_dtype()``)."""

    batch_size: int | None = None
    mode: str = "test"
    seed: int | None = None
    precision: torch.dtype | None = None
    decoder: tuple | None = ("Decision", None)  # what decoders return (``netgraph.data.decoding``); None: tensors
    outputs: tuple | None = None  # ports to return (graph outputs or NetPorts, nested paths too)
    one_output: bool = False  # outputs= named one port (not a list): return its tensor

    @property
    def dtype(self) -> torch.dtype:
        """The floating dtype real inputs are cast to."""
        return self.precision or working_dtype()


def parse_options(given: Mapping[str, Any], draws: bool = False) -> EvaluationOptions:
    """Check each option; one OptionError naming every bad one. ``draws``: the net has no inputs, its batch_size
    the number of examples to draw (0 too: an empty batch), not how many go through at a time."""
    problems, values = [], {}
    for name, value in given.items():
        try:
            values[name] = _parsed(name, value, draws)
        except OptionError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise OptionError("; ".join(map(str, problems)), problems)
    if "outputs" in values:
        values["outputs"], values["one_output"] = values["outputs"]
    return EvaluationOptions(**values)


def _parsed(name: str, value: Any, draws: bool, *label: str) -> Any:
    """Option ``name``'s ``value`` checked (named ``label`` in an error, where given: Wolfram's name); ``draws``: the
    net has no inputs, its batch_size the number of examples to draw (0 too)."""
    if draws and name == "batch_size":
        return _batch_size(value, *label, least=0)
    return _PARSERS[name](value, *label)


def _batch_size(value: Any, label: str = "batch_size", least: int = 1) -> int | None:
    if value is None or (isinstance(value, str) and value == "Automatic"):  # Wolfram's BatchSize -> Automatic
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:  # numpy's integers too
        kind = "a positive integer" if least else "an integer >= 0 (the number of examples to draw)"
        raise OptionError(f"{label}= must be {kind}, None or 'Automatic', found {value!r}", option="batch_size",
                          kind="option-value", expected=f"{kind}, None or 'Automatic'", found=value)
    return int(value)


def _mode(value: Any, label: str = "mode") -> str:
    mode = _MODES.get(value) if isinstance(value, str) else None
    if mode is None:
        raise OptionError(f"{label}= must be 'test' or 'train' (Wolfram's NetEvaluationMode), found {value!r}"
                          f"{_hint(value, _MODES)}", option="mode", kind="option-value", expected=("test", "train"),
                          found=value)
    return mode


def _outputs(value: Any) -> tuple[tuple | None, bool]:
    if value is None:
        return None, False
    specs = list(value) if isinstance(value, list) else [value]
    bad = [v for v in specs if not isinstance(v, (str, NetPort))]
    if bad or not specs:
        raise OptionError(f"outputs= takes a NetPort, an output port name or a list of these (Wolfram's "
                          f"net[data, NetPort[...]]), found {value!r:.80}", option="outputs", kind="option-value",
                          expected="a NetPort, an output port name or a list of these", found=value)
    return tuple(specs), not isinstance(value, list)


def _seed(value: Any, label: str = "seed") -> int | None:
    return random_seeding(value, label)  # Wolfram's RandomSeeding: 'Inherited' (as None) and 'Automatic' too


def _precision(value: Any, label: str = "precision") -> torch.dtype | None:
    if value is None or value in (torch.float32, torch.float64):
        return value
    dtype = PRECISIONS.get(value) if isinstance(value, str) else None
    if dtype is None:
        raise OptionError(f"{label}= must be 'float32' or 'float64' (or Wolfram's 'Real32', 'Real64'), found "
                          f"{value!r}{_hint(value, PRECISIONS)}", option="precision", kind="option-value",
                          expected=("float32", "float64"), found=value)
    return dtype


def _hint(value: Any, spellings: Mapping[str, Any]) -> str:
    """Did-you-mean for a string not among ``spellings`` (its listed spelling, for another case)."""
    return did_you_mean(value, spellings) if isinstance(value, str) else ""


_PARSERS: dict[str, Callable[..., Any]] = {"batch_size": _batch_size, "mode": _mode, "seed": _seed,
                                             "precision": _precision, "decoder": parse_property,
                                             "outputs": _outputs}


def snake_options(ports: tuple[str, ...], keywords: Mapping[str, Any], draws: bool = False) -> Mapping[str, Any]:
    """``keywords`` with Wolfram's option names (``RandomSeeding=7``) as ours (``seed=7``); an input port of that
    name keeps its data. An option given under both names is an OptionError; a bad value is one under the name given
    (``draws``: as ``parse_options``'s, a net without inputs takes ``BatchSize=0``).

    >>> snake_options(("Input",), {"RandomSeeding": 7, "BatchSize": 2})
    {'seed': 7, 'batch_size': 2}
    """
    if not any(k in WOLFRAM_OPTIONS and k not in ports for k in keywords):
        return keywords
    renamed: dict[str, Any] = {}
    for key, value in keywords.items():
        name = WOLFRAM_OPTIONS[key] if key in WOLFRAM_OPTIONS and key not in ports else key
        if name != key and name in keywords:
            raise OptionError(f"net(...) got both {name}= and {key}=, Wolfram's name for it; give one of them",
                              option=name, kind="option-combination", found=(name, key))
        if name != key:
            _parsed(name, value, draws, key)  # a bad value is named as given (RandomSeeding=, not seed=)
        renamed[name] = value
    return renamed


def split_call(ports: tuple[str, ...], args: tuple, keywords: Mapping[str, Any],
               outputs: tuple[str, ...] = ()) -> tuple[dict, EvaluationOptions]:
    """Separate a call's input data from its options.

    With the data given positionally (one tensor, or a dict by port name) every option keyword is an
    option. With the data given as keywords, a keyword that names both an input port and an option is
    ambiguous: an OptionError says to pass the data as a dict. With the data given positionally, a keyword that
    is no option is a DataError naming it (a misspelt option, or a port beside positional data). An output port
    name after the data (Wolfram's legacy ``net[x, "port"]``) is a DataError pointing to ``outputs=``.
    """
    clashes = [k for k in keywords if k in OPTION_NAMES and k in ports]
    if clashes and not args:
        raise OptionError(f"{clashes[0]!r} is both an input port of this net and an evaluation option of net(...); "
                          f"pass the inputs as one dict, net({{{', '.join(repr(p) + ': ...' for p in ports)}}}), "
                          f"and options as keywords", option=clashes[0], port=clashes[0], layer=(), kind="name-clash",
                          found=clashes[0])
    options = {k: v for k, v in keywords.items() if k in OPTION_NAMES}
    data = {k: v for k, v in keywords.items() if k not in OPTION_NAMES}
    if len(args) == 2 and (_is_probe(args[1]) or _is_output_name(args[1], outputs)):
        legacy = "NetPort[...]" if _is_probe(args[1]) else '"port"'  # Wolfram's net[x, NetPort[...]], net[x, "port"]
        given = list(args[1]) if isinstance(args[1], tuple) else args[1]  # outputs= takes a list of names
        raise DataError(f"what a call returns is picked by outputs=: net(x, outputs={given!r}) (Wolfram's "
                        f"net[x, {legacy}])", option="outputs", found=args[1], kind="option-value",
                        expected="outputs=")
    if len(args) == 2 and _is_property(args[1]):  # Wolfram's net[x, "Probabilities"]: the decoder's property
        if "decoder" in options:
            raise OptionError(f"net(x, {args[1]!r}, decoder={options['decoder']!r}): the property is given twice "
                              f"(the second argument is Wolfram's net[x, prop], decoder=)", option="decoder",
                              kind="option-combination", found=(args[1], options["decoder"]))
        options["decoder"], args = args[1], args[:1]
    if args and data:
        _unknown_keywords(ports, data)
    if args and len(args) == 1 and isinstance(args[0], Mapping) and not data:
        data, args = dict(args[0]), ()
    if args and len(args) == 1 and isinstance(args[0], (list, tuple)) and args[0] and not data \
            and all(isinstance(e, Mapping) for e in args[0]) and any(k in ports for k in args[0][0]):
        data, args = _by_port(args[0]), ()  # a list of examples by port: Wolfram's batch form
    return {"args": args, "inputs": data}, parse_options(options, draws=not ports)


def _is_probe(value: Any) -> bool:
    """A NetPort, or a list of NetPorts and port names holding one, as Wolfram's second argument."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    return any(isinstance(v, NetPort) for v in items) and all(isinstance(v, (NetPort, str)) for v in items)


def _is_output_name(value: Any, outputs: tuple[str, ...]) -> bool:
    """An output port's name (no decoder property), or a list of them, as Wolfram's legacy second argument."""
    items = list(value) if isinstance(value, (list, tuple)) and value else [value]  # a tuple of names too
    return all(isinstance(v, str) and v in outputs and v not in PROPERTIES for v in items)


def _is_property(value: Any) -> bool:
    """A decoder property as Wolfram's second argument: "Probabilities", or ("TopProbabilities", n)."""
    return isinstance(value, str) or (isinstance(value, tuple) and bool(value) and isinstance(value[0], str))


def _by_port(examples: Sequence[Mapping]) -> dict[str, Any]:
    """A list of example dicts (no batch dim) as one dict of examples by port, tensors of one shape stacked."""
    keys = list(examples[0])
    for i, example in enumerate(examples[1:], 2):
        if set(example) != set(keys):
            raise DataError(f"a list of examples needs the same ports in each: example 1 has {sorted(keys)}, "
                            f"example {i} has {sorted(example)}", kind="example-keys", example=i - 1,
                            expected=tuple(sorted(keys)), found=tuple(sorted(example)))
    data = {}
    for key in keys:
        values = [e[key] for e in examples]
        kind = type(values[0])
        if kind in (torch.Tensor, numpy.ndarray) and all(type(v) is kind and v.shape == values[0].shape for v in values):
            values = torch.stack(values) if kind is torch.Tensor else numpy.stack(values)
        data[key] = values
    return data


_ON_THE_CPU = "net(x) evaluates on the CPU; on a GPU, net.compile().to('cuda')(x.cuda())"
#: Another library's keyword of a call -> what netgraph has instead (Wolfram's TargetDevice, torch's device=).
OTHER_KEYWORDS = {**dict.fromkeys(("TargetDevice", "target_device"), f" (Wolfram's TargetDevice: {_ON_THE_CPU})"),
                  "device": f" (torch's device: {_ON_THE_CPU})",
                  **dict.fromkeys(("training", "train"), " (torch's training=True is mode='train' here)")}


def _keyword_hint(name: str) -> str:
    return OTHER_KEYWORDS.get(name) or did_you_mean(name, CALL_KEYWORDS)


def _unknown_keywords(ports: tuple[str, ...], data: Mapping[str, Any]) -> None:
    """The DataError for keywords beside positional data: each is a misspelt option or a port (data goes one way)."""
    problems = [Diagnostic(f"unknown keyword {k!r} of net(...){_keyword_hint(k)}: with the data given "
                           f"positionally, keywords are the evaluation options ({', '.join(CALL_KEYWORDS)})",
                           "unknown-option", option=k, expected=tuple(CALL_KEYWORDS), found=k)
                for k in data if k not in ports]
    keywords, entries = ", ".join(f"{p}=..." for p in ports), ", ".join(f"{p!r}: ..." for p in ports)
    problems += [Diagnostic(f"input port {k!r} given as a keyword beside positional data: give every input one way, "
                            f"net({keywords}) or net({{{entries}}})", "positional-data", layer=(), port=k,
                            expected="every input one way", found=k) for k in data if k in ports]
    raise DataError("; ".join(map(str, problems)), problems)


def compiled_module(net: Any, options: EvaluationOptions) -> torch.nn.Module:
    """The net's compiled module for the distribution checks, mode and precision, cached on the net.

    A train-mode module's batch-norm running statistics move as it runs, but train mode never reads
    them and the test-mode module is another module, so no call changes what another returns. Its arrays
    are constants (they need no grad): a call given inputs that require grad differentiates the inputs only,
    and leaves no gradients behind on this private module.
    """
    key = (distribution_checks(), options.mode, options.dtype)
    if net._compiled is None:
        net._compiled = {}
    if key not in net._compiled:
        net._compiled[key] = outside_transforms(lambda: _evaluation_module(net, key, options))
    return net._compiled[key]


def _evaluation_module(net: Any, key: tuple, options: EvaluationOptions) -> torch.nn.Module:
    with working_precision(options.dtype):  # compiled in it: float64 arrays and constants are never rounded
        module = net.compile(checks=key[0]).cached_by_net()  # through float32 on the way
    return evaluation_ready(module, options)


def evaluation_ready(module: torch.nn.Module, options: EvaluationOptions) -> torch.nn.Module:
    """``module`` in the ``options``' mode, its arrays constants (no grad), at their precision where one is given."""
    module.train(options.mode == "train").requires_grad_(False)
    return module.to(options.dtype) if options.precision is not None else module


def outside_transforms(build: Callable[[], Any]) -> Any:
    """``build()`` run as plain torch code, outside any torch.func transform (grad, vmap, jacrev) and any graph
    torch.compile traces: a net's cached module is made on its first call, which may come inside them, and making
    it sets its arrays' ``requires_grad`` and dtype in place, which the transforms refuse (torch's "attempting to
    call Tensor.requires_grad_() inside of a function being transformed") and dynamo's guards trip on."""
    if not torch.compiler.is_compiling():
        return _untransformed(build)
    return _outside_graph()(build)


def _untransformed(build: Callable[[], Any]) -> Any:
    with outside_torch_func():
        return build()


# _untransformed behind torch.compiler.disable, made where torch.compile first runs
_outside_graph = disabled_at_first_need(_untransformed, "a net's cached module is made outside the graph: making it "
                                        "sets its arrays in place")


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Draws inside come from torch's CPU generator seeded with ``seed``; its state is restored after. Seeded calls
    in several threads run one at a time.

    The evaluation module runs on the CPU, so only that generator is forked (``torch.manual_seed`` would
    also seed CUDA's, lazily and for good).
    """
    if seed is None:
        yield
        return
    with forked_generator(seed):
        yield


def call_by_name(module: Any, inputs: Mapping[str, Any]) -> Any:
    """``module(**inputs)``, the leading inputs its ``forward`` names passed by position, in its order: Python
    binds each keyword by comparing it with every parameter name, so 8,000 input ports took 8,000² comparisons."""
    code = getattr(getattr(type(module), "forward", None), "__code__", None)
    names = code.co_varnames[1:code.co_argcount] if code is not None and not code.co_posonlyargcount else ()
    given = []
    for name in names:
        if name not in inputs:
            break
        given.append(inputs[name])
    if len(given) == len(inputs):
        return module(*given)
    taken = set(names[:len(given)])
    return module(*given, **{k: v for k, v in inputs.items() if k not in taken})


def in_batches(run: Callable[[dict], Any], tensors: dict[str, Any], batch_size: int | None) -> Any:
    """``run(tensors)``, or ``run`` on slices of ``batch_size`` examples (of tensors, or of lists of examples) with
    the outputs joined: tensors concatenated, lists chained (an error that names an example names it in the whole
    batch)."""
    total = len(next(iter(tensors.values()))) if tensors else 0
    if batch_size is None or total <= batch_size:
        return run(tensors)

    def run_slice(i: int) -> Any:
        with examples_at(range(i, min(i + batch_size, total))):
            return run({p: x[i:i + batch_size] for p, x in tensors.items()})
    return _joined([run_slice(i) for i in range(0, total, batch_size)])


def _joined(parts: list[Any]) -> Any:
    """The batches' outputs as one call's: dicts port by port, lists of examples chained, tensors concatenated."""
    if isinstance(parts[0], dict):
        return {k: _joined([part[k] for part in parts]) for k in parts[0]}
    return [x for part in parts for x in part] if isinstance(parts[0], list) else torch.cat(parts)


def check_port_names(names: Any, ports: tuple[str, ...], what: str, option: str) -> list[str]:
    """``names`` (a port name or a list of them) as a list, each one of ``ports``; else an OptionError."""
    listed = [names] if isinstance(names, str) else names
    if not isinstance(listed, (list, tuple)) or not listed or not all(isinstance(n, str) for n in listed):
        raise OptionError(f"{option}= must be {what} name or a list of them, found {names!r:.80}", option=option,
                          kind="option-value", expected=f"{what} name or a list of them", found=names)
    wrong = [n for n in listed if n not in ports]
    if wrong:
        raise OptionError(f"{option}=: {wrong[0]!r} is not {what}{did_you_mean(wrong[0], ports)}; this net's are "
                          f"{list(ports)}", option=option, port=wrong[0], layer=(), kind="unknown-port",
                          expected=tuple(ports), found=wrong[0])
    return list(listed)
