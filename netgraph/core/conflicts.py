"""``Conflict``: the error ``unify``/``broadcast`` (``types``) and a layer's ``infer`` raise, with the fields a
Diagnostic keeps; its own module, as every layer and rule raises it."""

from __future__ import annotations

from netgraph.core.frozen_values import frozen_value

__all__ = ["Conflict"]


class Conflict(Exception):
    """Raised by ``unify``/``broadcast`` with a short 'expected X, found Y' text; callers add context. A layer's
    ``infer`` may name the ``option`` behind the expected type (``weights``), where a spec then places the error. An
    operator names the ``inner`` layer the problem lies in (its path below the operator: option, layer, ...) and that
    layer's ``problem`` without its subject, which each level of nesting passes on, not wraps. ``port``, ``expected``
    and ``found``: the layer's port at fault and the values compared (shapes, sizes, ranks, dtypes, or in words what
    was needed), which every Conflict raised gives, kept hashable as a Diagnostic keeps them (``frozen_value``: lists
    as tuples). ``kind``: the Diagnostic's kind where the problem is not a shape conflict (``"shape"``, when None):
    an inner net's refusal of another kind keeps its own. ``parts``: its text in pieces where it gives advice (an
    inner net's, as ``Diagnostic.parts`` hold it), so a spec writes that advice in YAML. ``inner_ports``: the inner
    net's ports whose types, given by the operator, it refused (the one that clashed, or each one declared), so an
    operator tells which of its own ports those types came from. ``item``: the 0-based index of the list item at
    fault (a shape's dim), where one is."""

    def __init__(self, *args: object, option: str | None = None, inner: tuple[str, ...] = (),
                 problem: str | None = None, port: str | None = None, expected: object = None,
                 found: object = None, kind: str | None = None, parts: tuple = (),
                 inner_ports: tuple[str, ...] = (), item: int | None = None) -> None:
        super().__init__(*args)
        self.option, self.inner, self.problem, self.kind, self.parts = option, inner, problem, kind, parts
        self.inner_ports, self.item = inner_ports, item
        self.port, self.expected, self.found = port, frozen_value(expected), frozen_value(found)

    def reworded(self, text: str, port: str | None = None, inner: tuple[str, ...] = (),
                 inner_ports: tuple[str, ...] = ()) -> "Conflict":
        """A Conflict saying ``text`` (this one's in its own words) that keeps the ``expected`` and ``found`` values
        compared and its ``kind``, at ``port`` where the rule rewording it knows its own port (not the inner
        ``option`` or layer); ``inner``: the path below the operator of what holds that port (an inner net's own
        port: its option), where it is no port of the operator; ``inner_ports``: the inner net's ports it is about,
        where the rewording knows them (else this one's)."""
        return Conflict(text, port=port, inner=inner, expected=self.expected, found=self.found, kind=self.kind,
                        inner_ports=inner_ports or self.inner_ports)

    def noted(self, note: str) -> "Conflict":
        """This Conflict, every field kept, with ``note`` after its text (and its ``parts``, where it has them)."""
        return Conflict(f"{self}{note}", option=self.option, inner=self.inner, problem=self.problem, port=self.port,
                        expected=self.expected, found=self.found, kind=self.kind,
                        parts=(*self.parts, note) if self.parts else (), inner_ports=self.inner_ports)
