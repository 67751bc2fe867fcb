"""A long flat list of numbers (an array written inline) in flow style, by libyaml's C emitter when PyYAML has it:
the same text PyYAML's pure emitter writes (its emitter was ported from libyaml's), about 12 times faster.

The rest of a spec stays with the pure emitter: libyaml has no option for indenting a list under its key (it writes
``edges:\\n- a -> b`` where specs have ``edges:\\n  - a -> b``). The list is written as PyYAML writes it at the
same indent and column: inside a made-up document whose keys put it there, cut out of libyaml's text.

>>> print(flow_text(["1.5", "2", "true"], indent=4, column=9, width=100))
 [1.5, 2, true]
>>> print(flow_text([str(i) for i in range(40)], indent=2, column=7, width=60))
 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
  31, 32, 33, 34, 35, 36, 37, 38, 39]
"""

from __future__ import annotations

import io
from typing import Any

import yaml
from yaml.events import (DocumentEndEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent, StreamEndEvent, StreamStartEvent)

__all__ = ["C_EMITTER", "FlowNumbers", "flow_numbers", "flow_text", "pure_flow_text"]

C_EMITTER: type | None = getattr(yaml, "CSafeDumper", None)  # None: PyYAML without libyaml (every list: pure)
MIN_ITEMS = 8  # shorter lists: the pure emitter (libyaml's setup costs about as much as a few items)


class FlowNumbers(str):
    """Stands for a flat list of numbers in the node tree (a scalar, so the representer and serializer pass it in one
    step); ``texts``: each item as PyYAML's representer writes it."""
    texts: list[str]


def flow_numbers(values: list, dumper: Any) -> FlowNumbers | None:
    """``values`` as one ``FlowNumbers`` when libyaml is there and it is a long list of Python bools, ints and floats
    (exactly those types: a subclass may have its own representer); None otherwise (written item by item). Items
    whose ``repr``/``str`` is not YAML's text are written by ``dumper``'s representer."""
    if C_EMITTER is None or len(values) < MIN_ITEMS or not (types := set(map(type, values))) <= _NUMBER_TYPES:
        return None
    out = FlowNumbers("_")  # plain text no resolver reads as another type: what the serializer and emitter see
    out.texts = [*map(repr, values)] if types == {float} else [*map(str, values)] if types == {int} else []
    joined = "".join(out.texts)
    if not out.texts or "e" in joined or "n" in joined:  # 1e+17 (PyYAML writes 1.0e+17), inf, nan, bools
        out.texts = [dumper.represent_data(v).value for v in values]
    return out


_NUMBER_TYPES = {float, int, bool}


def flow_text(texts: list[str], indent: int, column: int, width: int) -> str:
    """``[texts...]`` as the pure emitter writes a flow list of plain scalars whose '[' follows an indicator (':' of
    a key, '-' of an item) ending at ``column``, the flow indent being ``indent`` (continuation lines start there)."""
    key_len, depth = column - (indent - 2) - 1, (indent - 2) // 2
    if indent < 2 or indent % 2 or key_len < 0:
        raise ValueError(f"no block context puts a flow list at indent {indent}, column {column}")
    if key_len >= 128:  # libyaml would write a key this long as '? key'
        return pure_flow_text(texts, indent, column, width)
    stream = io.StringIO()
    emitter = C_EMITTER(stream, width=width, allow_unicode=True)
    events = [StreamStartEvent(), DocumentStartEvent(explicit=False)]
    for _ in range(depth):  # nested mappings: the innermost one's keys at indent - 2
        events += [MappingStartEvent(None, None, True, flow_style=False), ScalarEvent(None, None, (True, False), "a")]
    events += [MappingStartEvent(None, None, True, flow_style=False)]
    if key_len:  # a key of the same length: its ':' ends at ``column``
        events += [ScalarEvent(None, None, (True, False), "k" * key_len)]
    else:  # an item of a list (libyaml writes it at its key's indent): its '-' is at ``column``
        events += [ScalarEvent(None, None, (True, False), "a"), SequenceStartEvent(None, None, True, flow_style=False)]
    for event in events:
        emitter.emit(event)
    emitter.emit(SequenceStartEvent(None, None, True, flow_style=True))
    for text in texts:
        emitter.emit(ScalarEvent(None, None, (True, False), text))
    closing = [SequenceEndEvent()] + [SequenceEndEvent()] * (not key_len) + [MappingEndEvent()] * (depth + 1)
    for event in [*closing, DocumentEndEvent(explicit=False), StreamEndEvent()]:
        emitter.emit(event)
    skipped = depth + (not key_len)
    lines = stream.getvalue().split("\n", skipped)
    return lines[skipped][column:].removesuffix("\n")


def pure_flow_text(texts: list[str], indent: int, column: int, width: int) -> str:
    """``flow_text``'s text, written by the pure emitter put in the state a block leaves it in at ``column``."""
    stream = io.StringIO()
    emitter = yaml.emitter.Emitter(stream, width=width, allow_unicode=True)
    emitter.column, emitter.indent, emitter.whitespace, emitter.indention = column, indent - 2, False, False
    emitter.states, emitter.open_ended = [lambda: None], False  # after ']': nothing more to write
    emitter.event = SequenceStartEvent(None, None, True, flow_style=True)
    emitter.expect_flow_sequence()
    for text in texts:
        emitter.emit(ScalarEvent(None, None, (True, False), text))
    emitter.emit(SequenceEndEvent())
    return stream.getvalue()
