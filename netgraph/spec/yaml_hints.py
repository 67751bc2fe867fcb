"""Hints for a YAML syntax error whose parser message would not help (``syntax_hint``): a '{', '[' or quote left
open, a tab in the indentation or a column no line above uses, an unquoted edge that starts with '[' or holds a group
in a flow list (YAML reads it as a list), a key without its ':'; for a value that is null because a comment follows
its key (``comment_hint``); for a list as a mapping key (``{? [a, b] : p}``, ``[a, b]: p``), how an edge group is
written (``list_key_hint``).

>>> import yaml
>>> try: yaml.safe_load("edges:\\n  - [a, b] -> c\\n")
... except yaml.YAMLError as exc: syntax_hint(exc, "edges:\\n  - [a, b] -> c\\n")[:2]
(2, 5)
"""

from __future__ import annotations

import re
from typing import Any

from yaml.parser import ParserError
from yaml.scanner import ScannerError

from netgraph.spec.line_breaks import yaml_lines
from netgraph.spec.spec_keys import SPEC_KEYS

__all__ = ["syntax_hint", "comment_hint", "list_key_hint", "unclosed_hint", "colon_hint", "empty_file_problem"]

_CLOSERS = {"while parsing a flow mapping": ("{", "}"), "while parsing a flow sequence": ("[", "]")}
_KEY_CHARACTERS = 1024  # YAML's longest key: a longer one is not read as a key (its ':' refused)
_COMMENT = re.compile(r"(?:[^'\"]|'[^']*'|\"[^\"]*\")*?(?<=[ \t])#")  # to the first '#' after a space, not quoted
_GROUP_EDGE = re.compile(r"(\s*-\s+)(\[[^\]\n]*\]\s*->.*?)\s*(?:#.*)?")  # - [a, b] -> p
_FLOW_LIST = re.compile(r"\[[^\[\]\n]*\]")  # [a, b] on one line
_KEYS_VALUE = re.compile(r"\s*:\s*([\w.]+)")  # ": p" after a flow list key, its value an endpoint


def syntax_hint(exc: Any, text: str) -> tuple[int, int, str] | None:
    """(line, column, hint) for the syntax error ``exc`` in ``text`` when a hint explains it better, else None."""
    lines, mark = yaml_lines(text), exc.problem_mark
    return unclosed_hint(exc, lines) or _edge_hint(lines, mark) or _flow_edge_hint(exc, lines) or \
        _mixed_block_hint(exc, lines) or _long_key_hint(lines, mark) or _layout_hint(lines, mark) or \
        colon_hint(text, exc)


def _mixed_block_hint(exc: Any, lines: list[str]) -> tuple[int, int, str] | None:
    """For list items ('- enc: ...') and keys ('a: ...') mixed in one block, at the first of the other kind (a
    '- ' after keys, a key after items; the words of PyYAML and libyaml differ, their context and marks do not):
    what is wrong and how to write it: for ``layers:`` in its own words (named in a mapping, or all '- ' items for a
    NetChain), and a spec key among list items (``outputs:`` under ``edges:``) as indented too far."""
    start, mark = exc.context_mark, exc.problem_mark
    if not isinstance(exc, ParserError) or start is None or mark is None or start.column != mark.column:
        return None
    item = _line(lines, mark.line)[mark.column:].startswith("-")
    if (exc.context, item) not in (("while parsing a block mapping", True), ("while parsing a block collection",
                                                                              False)):
        return None
    owner = next((re.match(r"\s*(?:-\s+)?([^:#\s][^:#]*):\s*(?:#.*)?$", lines[i]) for i in
                  reversed(_content_above(lines, start.line)) if _indent(lines[i]) < start.column), None)
    key = owner.group(1).strip() if owner else None
    odd = None if item else re.match(r"\s*([^:#\s][^:#]*?)\s*:", _line(lines, mark.line))
    odd = odd.group(1) if odd else None
    if item:
        fix = "layers are named in a mapping: remove the '- ' before each name" if key == "layers" else \
            "write its entries all as 'name: value' (a mapping) or all as '- value' (a list)"
    elif key in SPEC_KEYS and odd in SPEC_KEYS:
        fix = f"'{odd}:' is a key of the spec, indented under '{key}:': move it out to the column of '{key}:'"
    elif key == "layers":
        fix = "a list of layers (a NetChain) is written all as '- layer' items: write this one as a '- ' item too"
    else:
        fix = "write its entries all as 'name: value' (a mapping) or all as '- value' (a list)"
    found = "a list item ('- ...') among the keys" if item else "a key ('name: ...') among the list items"
    where = f"'{key}:'" if key else "the file's top level" if start.column == 0 else "this block"
    return mark.line + 1, mark.column + 1, (f"invalid YAML: {found} of {where} (a block is a mapping or a list, not "
                                            f"both); {fix}")


def _long_key_hint(lines: list[str], mark: Any) -> tuple[int, int, str] | None:
    """For a key longer than YAML's 1024 characters, which the parser does not read as a key, so that its ':' is
    refused ("did not find expected ','", "mapping values are not allowed here"): the key's position and the limit."""
    if mark is None or _line(lines, mark.line)[mark.column:mark.column + 1] != ":":
        return None
    line = _line(lines, mark.line)
    key = re.split(r"[{\[,]", line[:mark.column])[-1].lstrip().removeprefix("- ").lstrip()  # its spaces count
    if len(key) <= _KEY_CHARACTERS:
        return None
    return mark.line + 1, line.rindex(key, 0, mark.column) + 1, (
        f"invalid YAML: this key has {len(key)} characters{' (with the spaces before its :)' * (key != key.rstrip())}"
        f", and YAML reads a key (a name before ':') of at most {_KEY_CHARACTERS}; shorten it")


def unclosed_hint(exc: Any, lines: list[str]) -> tuple[int, int, str] | None:
    """For a '{', '[' or quote left open on an earlier line (``{type: LinearLayer, output: 16`` then the next key,
    ``output: "3}``): the opening bracket's or quote's position and what is missing, where the parser's own position
    is the line after it (the file's end, for a quote); or, when a comment on that line hid its closing bracket
    (``{function: #x + 1}``), the comment's '#'. The error's context (the same words in PyYAML and libyaml) tells the
    collection: a block mapping's error may start at a '[' too (``[a, b]: p`` as its first key)."""
    brackets = _CLOSERS.get(exc.context or "") if isinstance(exc, ParserError) else None
    start, end = exc.context_mark, exc.problem_mark
    line = _line(lines, start.line) if start is not None else ""  # libyaml's marks hold no buffer
    if isinstance(exc, ScannerError) and exc.context == "while scanning a quoted scalar" and start is not None:
        quote = line[start.column:start.column + 1]
        brackets = (quote, quote) if quote in ("'", '"') else None
    if brackets is None or start is None or end is None or end.line <= start.line:
        return None
    comment = _COMMENT.match(line, start.column)
    if comment is not None:
        value = re.match(r"#[^,{}\[\]]*", line[comment.end() - 1:]).group(0).rstrip()
        return start.line + 1, comment.end(), (
            f"invalid YAML: the '#' here starts a comment (after a space it does), which hides the rest of the line, "
            f"its closing {brackets[1]!r} too; quote a value that holds '#': \"{value}\"")
    return start.line + 1, start.column + 1, (
        f"invalid YAML: the {brackets[0]!r} here is not closed: a missing {brackets[1]!r}? "
        f"(YAML read on to line {end.line + 1}, column {end.column + 1}: {exc.problem})")


def colon_hint(text: str, exc: Any) -> tuple[int, int, str] | None:
    """For a key written without its ':' (``act Ramp`` or ``netgraph 1`` above another key): that line, where the
    parser's own position is on a line below it (a simple key left open, or a ':' the scanner refused)."""
    start, end, problem = exc.context_mark, exc.problem_mark, exc.problem or ""
    if end is None or not isinstance(exc, ScannerError):
        return None
    if exc.context == "while scanning a simple key" and start is not None and end.line > start.line:
        return start.line + 1, start.column + 1, (f"invalid YAML: no ':' after this key? (YAML read on to line "
                                                  f"{end.line + 1}, column {end.column + 1}: {problem})")
    lines = yaml_lines(text)
    if start is not None or _line(lines, end.line)[end.column:end.column + 1] != ":":
        return None  # a scanner error with no context at a ':' is a mapping value it does not allow there
    above = _content_above(lines, end.line)
    line = lines[above[-1]] if above else ""
    if not above or ":" in line or line.lstrip().startswith(("-", "[", "{")) or _indent(line) != _indent(lines[end.line]):
        return None
    return above[-1] + 1, _indent(line) + 1, (
        f"invalid YAML: no ':' after the key on this line? (YAML read it and line {end.line + 1} as one text, then "
        f"found the ':' at line {end.line + 1}, column {end.column + 1}: {problem})")


def _layout_hint(lines: list[str], mark: Any) -> tuple[int, int, str] | None:
    """For a syntax error on a line indented with a tab, or to a column no line above uses: where, and a hint."""
    if mark is None or mark.line >= len(lines):
        return None
    line = lines[mark.line]
    lead = line[:len(line) - len(line.lstrip(" \t"))]
    if "\t" in lead or line[mark.column:mark.column + 1] == "\t":
        col = lead.index("\t") if "\t" in lead else mark.column
        return mark.line + 1, col + 1, "YAML indentation: use spaces, not tabs (this line is indented with a tab)"
    content = [lines[i] for i in _content_above(lines, mark.line)]
    above = {col for x in content for col in _block_columns(x)}
    if not above or len(lead) in above or not line.strip():  # nothing above to line up with: parser's words
        return None
    if len(lead) > _indent(content[-1]) and _opens_block(content[-1]):
        return None  # the first line of a nested block is indented further than everything above: rightly
    return mark.line + 1, len(lead) + 1, (
        f"YAML indentation: this line is indented {len(lead)} space{'' if len(lead) == 1 else 's'}, which lines up "
        f"with no line above it; the keys of one mapping (and the items of one list) start in the same column, and a "
        f"value nested under a key is indented further than that key")


def _line(lines: list[str], index: int) -> str:
    return lines[index] if index < len(lines) else ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content_above(lines: list[str], line: int) -> list[int]:
    """The indices of the lines above ``line`` that hold more than a comment."""
    return [i for i in range(line) if lines[i].strip() and not lines[i].lstrip().startswith("#")]


def _block_columns(line: str) -> list[int]:
    """The columns where a line's block content starts: its indentation, and after each '- ' (a list item's
    mapping keys line up with the first key, '- type: X' then '  output: 3')."""
    col, rest = _indent(line), line.lstrip(" ")
    columns = [col]
    while rest.startswith("- "):
        col += 2 + _indent(rest[2:])
        rest = rest[2:].lstrip(" ")
        columns.append(col)
    return columns


def _opens_block(line: str) -> bool:
    """Whether a line ends with a key whose value is on the lines below (``layers:``) or is a bare ``-``."""
    body = re.sub(r"\s+#.*$", "", line).rstrip()
    return body.endswith(":") or body.lstrip(" ") == "-" or body.endswith(" -")


def _edge_hint(lines: list[str], mark: Any) -> tuple[int, int, str] | None:
    """For a syntax error on an unquoted edge that starts with '[' (``- [a, b] -> p``): where, and a hint."""
    found = _GROUP_EDGE.fullmatch(_line(lines, mark.line)) if mark is not None else None
    if found is None:
        return None
    return mark.line + 1, len(found.group(1)) + 1, (
        f"an edge that starts with '[' must be quoted, or YAML reads the group as a list: - \"{found.group(2)}\"")


def _flow_edge_hint(exc: Any, lines: list[str]) -> tuple[int, int, str] | None:
    """For an unquoted edge holding a group inside a flow list (``edges: [Input -> [a, b]]``, ``[[a, b] -> c]``),
    whose group YAML reads as a list: the edge's start, and the edge quoted."""
    mark = exc.problem_mark
    if not isinstance(exc, ParserError) or exc.context != "while parsing a flow sequence" or mark is None:
        return None
    line = _line(lines, mark.line)
    before, after = line[:mark.column], line[mark.column:]
    if before.rstrip().endswith("->") and after.startswith("["):  # Input -> [a, b]
        start = max(before.rfind(","), before.rfind("[")) + 1
    elif after.startswith("->") and before.rstrip().endswith("]"):  # [a, b] -> c
        start = before.rfind("[")
    else:
        return None
    end = _edge_end(after)
    if start < 0 or end <= 0:
        return None
    start += len(before[start:]) - len(before[start:].lstrip())
    edge = (before[start:] + after[:end]).strip()
    return mark.line + 1, start + 1, (f"an edge holding a group '[...]' inside a flow list must be quoted, or YAML "
                                      f"reads the group as a list: \"{edge}\"")


def comment_hint(lines: list[str] | None, loc: Any) -> str:
    """A hint when the value at ``loc`` is empty because what follows its key is a comment (``function: #x``)."""
    line = lines[loc.line - 1] if lines and 0 < loc.line <= len(lines) else ""
    rest = line[loc.col - 1:].strip()
    if not (line[:loc.col - 1].rstrip().endswith(":") and rest[:1] == "#" and rest[1:2].strip()):
        return ""
    return (f" (YAML read the value as null: {rest[:40]!r} is a comment, as '#' after a space starts one; "
            f"quote an expression that starts with '#': \"{rest[:40]}\")")


def _edge_end(text: str) -> int:
    """Where the edge ``text`` continues ends: at its first ',' or ']' outside a group '[...]' (-1: not on the line).

    >>> _edge_end("[a, b] -> c, d -> e]")
    11
    """
    depth = 0
    for i, char in enumerate(text):
        if char in ",]" and depth == 0:
            return i
        depth += (char == "[") - (char == "]")
    return -1


def list_key_hint(line: str, col: int) -> str:
    """A hint for a list written as a mapping key at ``col`` (1-based) of ``line``: an edge group is quoted."""
    found = _FLOW_LIST.match(line, col - 1)
    group = found.group() if found else "[a, b]"
    value = _KEYS_VALUE.match(line, found.end()) if found else None  # on the key's line: {[a, b]: p}
    dst = value.group(1) if value else "dst"
    return (f"; a group of sources as an edge's key is quoted, or YAML reads it as a list: \"{group}\": {dst} "
            f"(or the list item - \"{group} -> {dst}\")")


def empty_file_problem(text: str) -> tuple[int, int, str]:
    """(line, col, problem) for a file that holds no YAML value: blank, or only comments (at its first one).

    >>> empty_file_problem("\\n  # a note\\n")
    (2, 3, "the file holds only comments; a spec starts with 'netgraph: 1'")
    """
    for line, row in enumerate(yaml_lines(text), 1):
        if row.strip().startswith("#"):
            return line, row.index("#") + 1, "the file holds only comments; a spec starts with 'netgraph: 1'"
    return 1, 1, "the file is empty; a spec starts with 'netgraph: 1'"
