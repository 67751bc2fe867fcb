"""The exception hierarchy: every bad input raises a NetGraphError (which is also a ValueError)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Final, Union

from netgraph.core.advice import ADVICE_TYPES, Advice
from netgraph.core.frozen_values import frozen_value
from netgraph.core.naming_scope import SHOWN_EDGE, shortened
from netgraph.core.name_guesses import (  # noqa: F401 - re-exported: their callers import them from here
    MAX_GUESSED, SHORT_NAME, did_you_mean, nearest_name, with_article)

__all__ = [
    "DataRef", "Diagnostic", "EdgeRef", "EdgePlace", "NetGraphError", "WiringError", "CycleError", "ShapeError",
    "SpecError", "OptionError", "FrozenLayerError", "DataError", "TrainingError", "UninitializedError", "did_you_mean",
    "at_layer", "headed", "listed", "nearest_name", "nested", "raise_all", "unknown_inside", "with_article",
]


@dataclasses.dataclass(frozen=True, slots=True)
class EdgeRef:
    """An edge as the user gave it: ``index`` (0-based) into the edges given to the graph at path
    ``graph``; ``text`` is its Python form, for messages (a YAML reader prints its own text instead).
    ``hop`` is the 0-based link of a chain meant (``b -> c`` of ``a -> b -> c`` is 1), ``link`` that link's text;
    None and "" for the whole edge.

    >>> str(EdgeRef((), 2, "mu -> f")), str(EdgeRef((), 0, "a -> b -> c", 1, "b -> c"))
    ('mu -> f', 'b -> c (in chain a -> b -> c)')
    """

    graph: tuple[str, ...]
    index: int
    text: str = ""
    hop: int | None = None
    link: str = ""

    def __str__(self) -> str:  # ``shortened``: a long name would be written whole in each edge a message names
        text = shortened(self.text, SHOWN_EDGE)
        return f"{shortened(self.link, SHOWN_EDGE)} (in chain {text})" if self.link else text


@dataclasses.dataclass(frozen=True, slots=True)
class EdgePlace:
    """Where an edge is, in a message that tells two edges apart: its 0-based index in the Python list of edges
    (``str``); a reader of another form writes its own place instead (a spec reader: line:col).

    >>> str(EdgePlace(EdgeRef((), 2, "mu -> f")))
    '2'
    """

    edge: EdgeRef

    def __str__(self) -> str:
        return str(self.edge.index)


@dataclasses.dataclass(frozen=True, slots=True)
class DataRef:
    """Which data set a problem is about: ``name`` a stable tag (``"training"``, ``"validation"``), ``words`` how
    net_train's messages name it, ``part`` where in it (``"batch 3"``; ``""``: the whole), for a reader that names
    it its own way (the command line names its flag and file).

    >>> v = DataRef("validation", "validation_set")
    >>> f"bad {v.at('batch 3')}", v.at('batch 3').name
    ('bad validation_set (batch 3)', 'validation')
    """

    name: str
    words: str
    part: str = ""

    def at(self, part: str) -> "DataRef":
        """The same data set's ``part``."""
        return dataclasses.replace(self, part=part)

    def __str__(self) -> str:
        return f"{self.words} ({self.part})" if self.part else self.words


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """One problem, as data: what other modules read instead of parsing message text.

    ``layer`` is the path of the layer it concerns (``()`` for the graph itself, e.g. a graph port;
    None when no layer is involved), ``port`` a port name, ``edge`` the 0-based index of the edge in
    the edges given to the graph at path ``graph`` (``()``: the graph that raised), ``option`` a
    layer or function option's keyword name, ``kind`` a short stable tag (``"unknown-port"``,
    ``"cycle"``, ``"shape"``, ...). ``parts`` is the message in pieces, strings, the ``EdgeRef``s
    it mentions (``EdgePlace``s: where they are) and its advice (``advice``), so a reader can print them its own
    way (``render``).
    ``detail`` is the message without its subject (``"must be a number >= 0, found -1"``), for a reader that names
    the subject its own way (the command line names the flag the user typed). ``expected`` and ``found`` are the values compared, where a
    problem is one (an array's shapes). A Diagnostic is a hashable value: a list or dict given to any field is kept as
a tuple (of ``(key, value)`` pairs), a set as a frozenset, another unhashable value as its repr (``frozen_value``).
``data`` says which data set (a ``DataRef``) a problem of data is about.
    ``hint`` is the remedy the message ends with, where one is known (how to convert class indices to a Real port).
    ``example`` is the 0-based index, in the batch the user gave, of the example a problem of data is about.
    ``hop`` is the 0-based link of the ``edge`` when that is a chain and the problem is about one of its links.
    ``declared`` is the graph input port, of the graph at path ``graph``, whose declared shape a layer refused
    (``layer`` and ``port`` are that layer's and its port's; a spec places the problem at the declaration).
    ``item`` is the 0-based index of the item, in the list an option or port shape was given, that the problem is
    about (``dims=[-1, 0]``: 1), so a spec places it at that item.
    ``file``, ``line`` and ``column`` (1-based) place a problem in a spec file (a ``SpecError``'s; None elsewhere).
    ``count`` is how many problems it stands for: 1, or on the last of a capped list ('9 more bad dims') 9.

    >>> Diagnostic("no port 'Outptu'", kind="unknown-port", layer=("lin",), port="Outptu").within("enc").layer
    ('enc', 'lin')
    >>> d = Diagnostic.of("cycle", "edge ", EdgeRef((), 1, "b -> a"), " closes a cycle", edge=1)
    >>> d.message, d.render(lambda ref: f"<{ref.index}>")
    ('edge b -> a closes a cycle', 'edge <1> closes a cycle')
    """

    message: str
    kind: str = "error"
    layer: tuple[str, ...] | None = None
    port: str | None = None
    edge: int | None = None
    option: str | None = None
    graph: tuple[str, ...] = ()
    parts: tuple[str | EdgeRef | EdgePlace | Advice, ...] = ()
    detail: str | None = None
    expected: object = None
    found: object = None
    data: DataRef | None = None
    hint: str | None = None
    example: int | None = None
    hop: int | None = None
    declared: str | None = None
    item: int | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    count: int = 1

    def __post_init__(self) -> None:
        try:
            hash(tuple(self.__dict__.values()))  # as hash(self), cheaper: its fields are the values of its __dict__
        except TypeError:  # a list or dict among its values (a user's option value): that one kept as tuples
            for name, value in list(self.__dict__.items()):
                try:
                    hash(value)
                except TypeError:
                    object.__setattr__(self, name, frozen_value(value))

    @classmethod
    def of(cls, kind: str, *parts: str | EdgeRef | EdgePlace | Advice, **fields: object) -> "Diagnostic":
        """A diagnostic whose message is ``parts`` joined (edges given as ``EdgeRef``)."""
        return cls("".join(map(str, parts)), kind, parts=parts, **fields)  # type: ignore[arg-type]

    @property
    def edges(self) -> list[EdgeRef]:
        """The edges the message mentions, in order."""
        return [p for p in self.parts if isinstance(p, EdgeRef)]

    def render(self, edge_text: Callable[[EdgeRef], str], edge_place: Callable[[EdgeRef], str] = str,
               advice_text: Callable[[Advice], str] = str) -> str:
        """The message with each mentioned edge written as ``edge_text(ref)``, each edge's place (an ``EdgePlace``)
        as ``edge_place(ref)``, and each piece of advice (a port or edge to write, a remedy: ``advice``) as
        ``advice_text(advice)``."""
        if not self.parts:
            return self.message
        return "".join(p if type(p) is str else edge_text(p) if isinstance(p, EdgeRef) else edge_place(p.edge)
                       if isinstance(p, EdgePlace) else advice_text(p) if isinstance(p, ADVICE_TYPES) else p
                       for p in self.parts)

    def within(self, name: str) -> "Diagnostic":
        """The same problem seen from the graph that holds this one as layer ``name``."""
        parts = tuple(dataclasses.replace(p, graph=(name, *p.graph)) if isinstance(p, EdgeRef)
                      else EdgePlace(dataclasses.replace(p.edge, graph=(name, *p.edge.graph)))
                      if isinstance(p, EdgePlace) else p for p in self.parts)
        return dataclasses.replace(self, layer=None if self.layer is None else (name, *self.layer),
                                   graph=(name, *self.graph), parts=parts)

    def prefixed(self, header: str) -> "Diagnostic":
        """The same problem with ``header`` before its message."""
        return dataclasses.replace(self, message=header + self.message,
                                   parts=(header, *self.parts) if self.parts else ())

    def reworded(self, message: str, **fields: object) -> "Diagnostic":
        """The same problem said as ``message`` (its ``parts``, which render the old one, dropped), ``fields``
        replacing its own."""
        return dataclasses.replace(self, message=message, parts=(), **fields)

    def __str__(self) -> str:
        return self.message


Problem = Union[str, Diagnostic]


def _first_field(field: str) -> property:
    """A read-only property: the first Diagnostic's ``field`` (its default where an error holds none)."""
    default = Diagnostic.__dataclass_fields__[field].default

    def get(self: NetGraphError) -> object:
        return getattr(self.diagnostics[0], field) if self.diagnostics else default

    get.__doc__ = f"The first problem's ``{field}`` (``diagnostics[0].{field}``)."
    return property(get)


class NetGraphError(ValueError):
    """Base of every error netgraph raises for bad user input.

    ``errors`` holds each problem's message and ``diagnostics`` each problem as a ``Diagnostic`` (its
    fields say which layer, port, edge and option it concerns) when several were collected and raised
    at once; ``fields`` given beside ``errors`` hold for every problem (a ``Diagnostic``'s own fields win).
    The read-only ``kind``, ``layer``, ``port``, ``edge``, ``option``, ``expected``, ``found``, ``detail``,
    ``hint`` and ``declared`` are the first problem's fields: with several problems, ``kind`` is the first's (the
    others' are ``[d.kind for d in error.diagnostics]``).

    >>> error = OptionError("bad", [Diagnostic("no port 'x'", "unknown-port", port="x"), "worse"], option="y")
    >>> error.kind, error.port, error.option, [d.kind for d in error.diagnostics]
    ('unknown-port', 'x', 'y', ['unknown-port', 'error'])
    """

    kind = _first_field("kind")
    layer = _first_field("layer")
    port = _first_field("port")
    edge = _first_field("edge")
    option = _first_field("option")
    expected = _first_field("expected")
    found = _first_field("found")
    detail = _first_field("detail")
    hint = _first_field("hint")
    declared = _first_field("declared")

    def __init__(self, message: str, errors: Iterable[Problem] = (), *, diagnostics: Iterable[Diagnostic] = (),
                 **fields: object):
        problems = list(errors)
        self.diagnostics = list(diagnostics) or [_with_fields(p, fields) for p in problems] or \
            [Diagnostic(message, **fields)]  # type: ignore[arg-type]
        self.errors = [str(p) for p in problems] or [message]
        super().__init__(message)


def _with_fields(problem: Problem, fields: dict[str, object]) -> Diagnostic:
    """``problem`` as a Diagnostic, with each of ``fields`` it leaves unset (None)."""
    if not isinstance(problem, Diagnostic):
        return Diagnostic(str(problem), **fields)  # type: ignore[arg-type]
    unset = {k: v for k, v in fields.items() if getattr(problem, k) is None}
    return dataclasses.replace(problem, **unset) if unset else problem  # type: ignore[arg-type]


class WiringError(NetGraphError):
    """An edge names an unknown layer or port, feeds a port twice, or connects the wrong kinds of port.

    >>> from netgraph import NetGraph, LinearLayer
    >>> NetGraph({"a": LinearLayer(2)}, [("a", "b")], Input=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    netgraph.core.errors.WiringError: invalid wiring: edge a -> b: there is no layer 'b'; a graph port is written ...
    """


class CycleError(WiringError):
    """The layers' connectivity has a cycle; a NetGraph must be acyclic."""


class ShapeError(NetGraphError):
    """Port shapes or dtypes conflict, or a shape needed to build the net is unknown.

    >>> from netgraph import NetChain, LinearLayer
    >>> NetChain([LinearLayer(2), LinearLayer(3, input=4)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    netgraph.core.errors.ShapeError: shape conflict: ...
    """


class SpecError(NetGraphError):
    """A YAML spec (or its dict form) is malformed; each of ``errors`` is ``file:line:col: message``, and the
    matching Diagnostic holds ``message`` with that place as its ``file``, ``line`` and ``column`` fields, beside
    the fields of the problem it came from (a layer's ``kind``, ``port``, ``expected``, ``found``, ...).
    ``complete``: whether ``diagnostics`` holds every problem (a spec's reading shows at most 100);
    ``problem_count``: how many there are in all, None where reading stopped early (not known)."""

    complete: bool = True
    problem_count: int | None = None


class OptionError(NetGraphError):
    """A layer, distribution or function was given an invalid option or argument.

    >>> from netgraph import LinearLayer
    >>> LinearLayer(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    netgraph.core.errors.OptionError: LinearLayer option output= dims must be positive ints (...), found -1
    """


class FrozenLayerError(OptionError, dataclasses.FrozenInstanceError):
    """An attribute of a layer was set or deleted (``layer.trainable = False``): layers are frozen values, edits
    return new layers. Also dataclasses' FrozenInstanceError (an AttributeError), as before; ``name`` is the
    attribute's."""


class DataError(NetGraphError):
    """Data given to a net (call or training) is missing a port or has the wrong shape or dtype.

    >>> import torch; from netgraph import NetChain, LinearLayer, net_initialize
    >>> net_initialize(NetChain([LinearLayer(2)], input=3))(torch.zeros(1, 4))
    Traceback (most recent call last):
    netgraph.core.errors.DataError: input port 'Input': expected shape (b, 3) with b the batch size, found (1, 4)
    """


class TrainingError(NetGraphError):
    """Training cannot go on: the loss became NaN or infinite (the message names the first bad layer), or a checkpoint
    could not be written (the message names it)."""


class UninitializedError(NetGraphError):
    """The net has arrays without values; call ``net_initialize(net)`` first."""


MSG_UNKNOWN_INPUT_SHAPE: Final = (  # {form}: the net's kind's, e.g. NetGraph(layers, edges, Input=3)
    "give the graph input a shape, e.g. {form}, or in YAML under "
    "'inputs:'; shapes exclude the batch dimension."
)


MAX_LISTED = 20  # problems one message lists (a net of 100,000 layers may have 200,000); its diagnostics keep all


def plain_class(error: NetGraphError) -> type[NetGraphError]:
    """``error``'s class where that takes a message alone, else the nearest base that does (an ExpressionError
    takes its text too)."""
    return next(c for c in type(error).__mro__ if c.__init__ is NetGraphError.__init__)


def headed(error: NetGraphError, header: str, cls: type[NetGraphError] | None = None) -> NetGraphError:
    """An error of class ``cls`` (default ``error``'s, see ``plain_class``) saying ``header`` before its message, each
    of its Diagnostics kept (their kind, layer, port, ...), with the header before its message too."""
    return (cls or plain_class(error))(header + str(error), diagnostics=[d.prefixed(header) for d in error.diagnostics])


def nested(error: NetGraphError, prefix: tuple[str, ...], header: str) -> NetGraphError:
    """``error`` as seen from the net holding, at path ``prefix``, the net it arose in: ``header`` before its message
    and its Diagnostics', their layer and graph paths nested in ``prefix``. Of its class (see ``plain_class``)."""
    diagnostics = []
    for diagnostic in error.diagnostics:
        for name in reversed(prefix):
            diagnostic = diagnostic.within(name)
        diagnostics.append(diagnostic.prefixed(header))
    return plain_class(error)(header + str(error), diagnostics=diagnostics)


def at_layer(error: NetGraphError, path: tuple[str, ...]) -> NetGraphError:
    """``error``, raised by the layer at ``path`` about itself, with each Diagnostic that names no layer naming this
    one (one that names a layer keeps it). Of its class (see ``plain_class``); its message and other fields kept;
    ``error`` itself where each names a layer."""
    if all(d.layer is not None for d in error.diagnostics):
        return error
    diagnostics = [d if d.layer is not None else dataclasses.replace(d, layer=path) for d in error.diagnostics]
    return plain_class(error)(str(error), diagnostics=diagnostics)


def unknown_inside(message: str, path: tuple[str, ...], error: BaseException) -> Diagnostic:
    """The "unknown-shape" Diagnostic saying ``message`` about the layer at ``path`` whose arrays ``error`` could not
    size: at the layer inside it and its port that ``error`` names, where it names one (an operator's inner layer,
    its path below the operator), as a top-level layer's is named; else at the layer itself.

    >>> unknown_inside("m: ...", ("m",), ShapeError("...", layer=("net", "1"), port="Output")).layer
    ('m', 'net', '1')
    """
    inner = getattr(error, "layer", None) if isinstance(error, NetGraphError) else None
    return Diagnostic(message, "unknown-shape", layer=(*path, *inner) if inner else path,
                      port=error.port if inner else None)  # type: ignore[attr-defined]


def raise_all(errors: list[Problem], cls: type[NetGraphError], header: str, *, cause: BaseException | None = None,
              **fields: object) -> None:
    """Raise one ``cls`` with every problem in ``errors`` once as its diagnostics (nothing when the list is empty),
    from ``cause`` where one is given (user code's exception behind the first problem); its message lists each
    different wording once, the first ``MAX_LISTED`` of them and how many more. ``fields`` (``data=``, say) hold for
    every problem's Diagnostic."""
    if not errors:
        return
    errors = list(dict.fromkeys(errors))  # a chain (a, typo, b) finds its one missing layer from both sides
    worded = dict(zip(map(str, errors), errors))  # the same words for two edges: one line
    lines = list(worded)
    count = sum(e.count if isinstance(e, Diagnostic) else 1 for e in worded.values())  # a line 'N more ...': N
    text = f"{header}: {lines[0]}" if len(lines) == 1 else f"{header}: {count} problems:\n{listed(lines)}"
    if cause is not None:
        raise cls(text, errors, **fields) from cause
    raise cls(text, errors, **fields)


def listed(lines: list[str], indent: str = "  ") -> str:
    """``lines`` as a list of '- ' items, the first ``MAX_LISTED`` of them and a last saying how many more, and
    where all are (a big net can have thousands of problems: the error's ``diagnostics`` keep them)."""
    shown = [f"{indent}- {line}" for line in lines[:MAX_LISTED]]
    more = len(lines) - MAX_LISTED
    if more > 0:
        shown.append(f"{indent}... and {more} more (the error's .diagnostics holds every problem)")
    return "\n".join(shown)
