"""Values a spec cannot read (a tag, a number beyond 64 bits) and duplicate keys: one problem each among the file's
others.

``UnreadValues`` is a part of ``yaml_nodes``' composer: given a ``problems`` list, a value it cannot read is recorded
there and read as None, with the places its None would cause problems at (kind None: the reader drops those);
without one (a caller that wants the first refusal alone), it is refused.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from netgraph.spec.problems import MAX_PROBLEMS, TooManyProblems
from netgraph.spec.scalar_spans import Loc

__all__ = ["UnreadValues", "MAX_DUPLICATES", "TAG"]

TAG = "tag:yaml.org,2002:"  # the prefix of YAML's own tags (!!str is tag:yaml.org,2002:str)
MAX_DUPLICATES = 100  # duplicate keys recorded; past them the file is refused at once (a hostile file)
_ANCHOR = re.compile(r"&[^\s,\[\]{}]*[ \t]+")  # an anchor before a tag: '&x '


class UnreadValues:
    """The composer's recording of values it cannot read (``problems``, ``open``: the lists being read)."""

    problems: list | None
    open: list
    marked: set  # the lists already recorded as holding a value that cannot be read
    duplicates: list
    line_text: Callable[[int], str]
    refuse: Callable[..., None]
    refuse_now: Callable[..., None]

    def tag_refused(self, tag: str, key: bool, line: int, col: int, anchor: Any) -> tuple[Loc, str] | None:
        """A tag not allowed: on a key, told (None); on a value, (where the tag is, past an anchor, and the problem)."""
        found = _ANCHOR.match(self.line_text(line), col - 1) if anchor else None
        loc, shown = Loc(line, found.end() + 1 if found else col), tag.replace(TAG, "!!")
        if key:  # told; the key is read as its text
            return self.bad_value(loc, f"YAML tag {shown!r} is not allowed on a key")
        return loc, (f"YAML tag {shown!r} is not allowed: a spec is plain data (mappings, lists, strings, numbers, "
                     f"booleans, null); it never constructs Python objects")

    def bad_value(self, loc: Loc, problem: str, at: Loc | None = None, kind: str = "yaml-syntax") -> None:
        """A value that cannot be read (None in its place): recorded in ``problems`` beside the file's other
        problems when given, and ``at`` (the value's place, when not ``loc``) and the lists holding it (kind None;
        the reader drops what the None causes at those places), else refused. Reading stops at MAX_PROBLEMS
        problems (TooManyProblems: the reader tells those recorded, and that it stopped)."""
        if self.problems is None:
            self.refuse(loc, problem)
            return
        self.problems.append((loc, problem, kind))
        if at is not None and at != loc:  # the value's place (past its tag): its None causes no problem there
            self.problems.append((at, "", None))
        for held in reversed(self.open):  # the lists holding it, up to a mapping: their Nones cause problems too
            if held is None or held in self.marked:  # a list recorded: so are those holding it, up to a mapping
                break
            self.marked.add(held)
            self.problems.append((held, "", None))
        self.stop_when_full()

    def stop_when_full(self) -> None:
        """Stop reading once MAX_PROBLEMS problems are recorded (a hostile file: reading on costs time and memory)."""
        if sum(kind is not None for _, _, kind in self.problems[self.start:]) >= MAX_PROBLEMS:
            raise TooManyProblems

    def duplicate(self, key: str, first: Loc, loc: Loc) -> None:
        """A key given twice: refused, or recorded (its value, already read for problems, dropped)."""
        shown = repr(key) if len(repr(key)) <= 60 else f"{repr(key)[:40]}...{repr(key)[-12:]}"  # a hostile key: cut
        why = "give several merge sources in one: <<: [*a, *b]" if key == "<<" else \
            "YAML would silently keep the last one"  # PyYAML merges every '<<' given: none is lost, so none is kept
        problem = f"duplicate key {shown} (first given at line {first.line}); {why}"
        if self.problems is None:
            self.refuse(loc, problem, kind="duplicate-key")
        elif len(self.duplicates) >= MAX_DUPLICATES:  # a hostile file: refused at once, alone
            self.refuse_now(loc, f"more than {MAX_DUPLICATES} duplicate keys (the first at line "
                            f"{self.duplicates[0].line}); a mapping gives each key once", "limit")
        else:
            self.duplicates.append(loc)
            self.problems.append((loc, problem, "duplicate-key"))
