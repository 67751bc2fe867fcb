"""The yaml_nodes limit checked before composing: a long spec's parser events counted first, without building values.

Composing a value costs about five times what parsing it does, so a 6 MB flow list of 2.1 million numbers was
refused only once two million of them had been composed (10 s on a loaded machine). ``value_past_limit`` counts
the values as the composer does (each after its children) and gives where the one past the limit starts, so that
the composer refuses there at once with its own message; it gives None (compose as before) wherever the composer
could refuse something else first: an anchor or alias, nesting past yaml_depth, too many layers or duplicate
keys, or text the parser refuses.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (AliasEvent, CollectionStartEvent, DocumentEndEvent, MappingStartEvent, NodeEvent,
                         ScalarEvent)

from netgraph.core.limits import current_limits

__all__ = ["counted_past", "value_past_limit"]


def counted_past(loader_class: type, text: str, max_duplicates: int) -> tuple[int, int] | None:
    """``value_past_limit`` of ``text`` under the limits in force, read by a parser of its own; None without
    reading when ``text`` is too short to hold more values than yaml_nodes (each needs a character or two of its
    own: a null after a key, ``{a, b}``, shares one)."""
    limits = current_limits()
    if 2 * len(text) <= limits.yaml_nodes:
        return None
    parser = loader_class(text)
    try:
        return value_past_limit(parser, limits.yaml_nodes, limits.yaml_depth, limits.yaml_layers, max_duplicates)
    finally:
        parser.dispose()


def value_past_limit(parser: Any, max_nodes: int, max_depth: int, max_layers: int,
                     max_duplicates: int) -> tuple[int, int] | None:
    """(line, column), 1-based, of the value the composer would count past ``max_nodes`` in the first document
    ``parser`` reads, or None when it holds no more or something else may be refused first."""
    stack: list[list] = []  # per open collection: [is a mapping, next is a key, keys seen, items, counts layers]
    count = duplicates = 0
    layers_next = False  # the value just keyed 'layers' (its items are layers, counted by yaml_layers)
    try:
        while (event := parser.get_event()) is not None:
            if type(event) is ScalarEvent and event.anchor is None and stack and not stack[-1][0] \
                    and not stack[-1][4] and len(stack) < max_depth:  # an item of a list (most of a long spec)
                count += 1
                if count > max_nodes:
                    return event.start_mark.line + 1, event.start_mark.column + 1
                continue
            if isinstance(event, (AliasEvent, DocumentEndEvent)):
                return None
            if not isinstance(event, NodeEvent):  # stream and document starts, collection ends
                if stack and not isinstance(event, (yaml.StreamStartEvent, yaml.DocumentStartEvent)):
                    frame = stack.pop()
                    count += 1
                    if count > max_nodes:
                        return frame[5]
                    _next_item(stack)
                continue
            if event.anchor is not None or len(stack) + 1 > max_depth:
                return None
            frame = stack[-1] if stack else None
            keyed = frame is not None and frame[0] and frame[1]
            if frame is not None and (keyed or not frame[0]) and frame[4]:
                frame[3] += 1
                if frame[3] > max_layers:
                    return None
            if keyed and isinstance(event, ScalarEvent):
                if event.value in frame[2]:
                    duplicates += 1
                    if duplicates >= max_duplicates:
                        return None
                frame[2].add(event.value)
            where = (event.start_mark.line + 1, event.start_mark.column + 1)
            if isinstance(event, CollectionStartEvent):
                stack.append([isinstance(event, MappingStartEvent), True, set(), 0, layers_next, where])
                layers_next = False
                continue
            layers_next = keyed and event.value == "layers"
            count += 1
            if count > max_nodes:
                return where
            _next_item(stack)
    except (yaml.YAMLError, UnicodeError):
        return None
    return None


def _next_item(stack: list[list]) -> None:
    """A value is complete: a mapping's next node is its key again after a value, its value after a key."""
    if stack and stack[-1][0]:
        stack[-1][1] = not stack[-1][1]
