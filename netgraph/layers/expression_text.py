"""Wolfram expression text -> Python expression text, with each character's column in the original.

>>> translate("Exp[#x] ^ 2")[0]
'Exp(_s_x) ** 2'
>>> translate("1.5*^-3 * #x")[0]
'1.5e-3 * _s_x'
"""

from __future__ import annotations

import re
import unicodedata

from netgraph.layers.expression_errors import (APPLIED_FUNCTION, EMPTY_FUNCTION, NOT_SIGN, PART_OF_FUNCTION,
                                               ExpressionError)
from netgraph.layers.expression_products import with_products

__all__ = ["translate", "SLOT_PREFIX", "list_beside_value", "unmatched_bracket", "prefix_not", "parenthesised_after",
           "function_start", "open_bracket_before"]

_ALLOWED_CHARS = re.compile(r"[A-Za-z0-9_.+\-*/^%()\[\]<>=!,#&\s{}|\";]")
#: || is Wolfram's Or: refused as Or[a, b] is, after a Negative it reads (expression_truth.negative_read_as_truth)
_WOLFRAM_PIECES = {"<|": "{", "|>": "}", "->": ":", "{": "(", "}": ",)", "||": " or "}
SLOT_PREFIX = "_s_"
#: what follows a pure function's ``&`` applied to arguments: its closing brackets, then ``[`` or ``[[`` (Part)
_PURE_CALLED = re.compile(r"([)\s]*)\[(\[)?")
#: a Part, First or Last whose first argument starts here (before a pure function, Part[#^2 &, 1])
_PART_OF = re.compile(r"\b(?:Part|First|Last)\s*\[\s*\Z")
_SLOT = re.compile(r"#([^\W\d_]\w*|[0-9]+)?")  # a name starts with a letter (Unicode too: #μ), then letters, digits, _
_APPLICATIONS = {  # what Wolfram's operators that Python reads otherwise (or not at all) would be
    "//": "'//' (Wolfram's postfix application, x // f) is not read: write f[x]",
    "@": "'@' (Wolfram's prefix application, f@x) is not read: write f[x] (torch's matrix product a @ b is "
         "Dot[#a, #b])",
    "~": "'~' (Wolfram's infix application, x~f~y) is not read: write f[x, y]",
    "**": "'**' (Wolfram's NonCommutativeMultiply, not Python's power) is not read: write x^y for a power",
    **{op: f"{op!r} is not an operator of expressions (comparisons are <, <=, >, >=, == and !=)"
       for op in ("<<", ">>")},
    "--": "'--' (Wolfram's Decrement, x--) is not read: write a minus before a negative with a space or brackets, "
          "#x - (-#y)",  # advised in what was written where it can (_double_minus)
    "++": "'++' (Wolfram's Increment, x++) is not read: write one +, #x + #y",
    "===": "'===' (Wolfram's SameQ) is not read: compare with ==",
    "=!=": "'=!=' (Wolfram's UnsameQ) is not read: compare with !=",
    "<>": "'<>' (Wolfram's StringJoin) is not read: expressions are of numbers",
    "^^": "'^^' (Wolfram's base notation, b^^digits) is not read: write the number in base 10",
    "/.": "'/.' (Wolfram's ReplaceAll) is not read: write the expression with the replacement made"}
#: Wolfram's operators that Python reads otherwise, or not at all, the longest first (a '/.' before a digit is a
#: division, x/.5)
_OPERATOR = re.compile("|".join(re.escape(op) + ("(?![0-9])" if op == "/." else "")
                                for op in sorted(_APPLICATIONS, key=len, reverse=True)))
#: the operand after a '--': a name, number or slot (a call's brackets after it); the one before is _operand_before's
_AFTER_MINUS = re.compile(r"\s*([\w#.]+(?:\[[^\[\]]*\])?)")


def _double_minus(text: str, i: int) -> str:
    """The refusal of the ``--`` at ``text[i]``, its advice in the operands written either side."""
    after = _AFTER_MINUS.match(text, i + 2)
    if not text[:i].strip() and after:
        return (f"'--' (Wolfram's PreDecrement, --x) is not read: a minus of a negative needs brackets: write "
                f"-(-{after.group(1)})")
    before = _operand_before(text, len(text[:i].rstrip()))
    if before and after:
        return (f"'--' (Wolfram's Decrement, x--) is not read: a minus before a negative needs a space or brackets: "
                f"write {before} - (-{after.group(1)})")
    return _APPLICATIONS["--"]
_EXPONENT = re.compile(r"[+-]?[0-9]+(?![0-9.])")


def _number_ends_at(text: str, end: int) -> bool:
    """Whether a number literal (``2``, ``1.5``, ``.5``; not an exponent, the 3 of ``2*^3``) ends at
    ``text[end - 1]``: read back from there only."""
    start = end
    while start > 0 and (text[start - 1].isdigit() or text[start - 1] == "."):
        start -= 1
    number = text[start:end]
    return (start == 0 or not re.match(r"[A-Za-z_#]", text[start - 1])) and number.count(".") <= 1 and \
        any(c.isdigit() for c in number) and not re.search(r"\*\^[+-]?\Z", text[max(start - 3, 0):start])


#: the last characters of a value (a name, number, slot, string, bracket's close, ``|>``): what a ``!`` after one is
#: (Factorial, else Not), and what a list beside one is (``_LIST_BESIDE``)
_VALUE_END = r"[)\]}\w.\"#]|\|>"
_ENDS_IN_VALUE = re.compile(rf"(?:{_VALUE_END})\s*\Z")


def _after_value(text: str, i: int) -> bool:
    """Whether ``text`` before ``i`` ends in a value (spaces aside): a ``!`` there is Factorial, else Not."""
    return _ENDS_IN_VALUE.search(text, 0, i) is not None


def _slot(text: str, i: int, name: str) -> str:
    """The name of the slot at ``text[i]``: Wolfram's # is #1 where numbered slots are used, and #01 is #1."""
    if text[i + 1:i + 2] == "#":
        raise ExpressionError("## (Wolfram's sequence of all arguments) is not read: name each port, #1 + #2", text, i)
    if name.isdigit() and int(name) == 0:
        raise ExpressionError("#0 (in Wolfram the function itself) is not a port: the ports are #, #1, #2, ... or "
                              "#name", text, i)
    if name.isdigit():
        return str(int(name))
    if name and unicodedata.normalize("NFKC", name) != name:  # Python reads the identifier NFKC-normalised
        raise ExpressionError(f"slot #{name} is not in Unicode NFKC form (Python reads it as "
                              f"#{unicodedata.normalize('NFKC', name)}): write it so, as port names are", text, i)
    return "1" if not name and re.search(r"#[0-9]", text) else name


def bracket(text: str, i: int, brackets: list[str]) -> tuple[str, int]:
    """The Python for the bracket or span at ``text[i]`` and the characters it takes; tracks ``brackets``."""
    if text[i] == ";":
        if text[i:i + 2] != ";;":
            raise ExpressionError("';' is only allowed as a span i;;j inside [[ ]]", text, i)
        if not brackets or brackets[-1] != "part":
            raise ExpressionError("a span i;;j is only allowed inside [[ ]], as in #x[[2;;4]]", text, i)
        return ":", 2
    if text[i] == "[":
        if not re.search(r"[\w\])&#]\Z", text[:i].rstrip()):  # [#x] as [#x, #x]: a list; # is a slot: #[[1]]
            raise ExpressionError("'[' must follow a function or a value (Sin[#x], #x[[1]]): group with ( ), and "
                                  "write several outputs as {e1, e2} or <|\"a\" -> e1, \"b\" -> e2|>", text, i)
        brackets.append("part" if text[i:i + 2] == "[[" else "call")
        return ("[", 2) if brackets[-1] == "part" else ("(", 1)
    kind = brackets.pop() if brackets else "call"
    if kind == "call":
        return ")", 1
    if text[i:i + 2] != "]]":
        raise ExpressionError("a part x[[...]] must be closed by ]]", text, i)
    return "]", 2


def translate(text: str) -> tuple[str, list[int]]:
    """Wolfram syntax -> Python syntax, with origin[i] = column in ``text`` of output char i.

    ``f[x]`` becomes a call ``f(x)``; ``x[[i, j]]`` a subscript ``x[i, j]``, inside which a span ``i;;j;;k``
    becomes the slice ``i:j:k`` (read back by ``expression_forms.part_index``).
    """
    out: list[str] = []
    origin: list[int] = []
    brackets: list[str] = []  # "part" for [[, "call" for [
    i = 0
    stripped = text.rstrip()
    end = len(stripped) - 1 if stripped.endswith("&") and not stripped.endswith("&&") else len(text)
    if end < len(text) and re.search(r"[\r\n]\s*\Z", stripped[:-1]) and stripped[:-1].strip():  # #^2 then & below
        raise ExpressionError("& starts a line after a whole expression: Wolfram ends an expression at a line break "
                              "outside brackets, so & would stand alone; put & on the expression's last line",
                              text, end)
    while i < end:
        ch = text[i]
        if operator := _OPERATOR.match(text, i):
            found = operator.group()
            raise ExpressionError(_double_minus(text, i) if found == "--" else _APPLICATIONS[found], text, i)
        if not _ALLOWED_CHARS.fullmatch(ch):
            raise ExpressionError(f"character {ch!r} is not allowed", text, i)
        if ch == "#":
            m = _SLOT.match(text, i)
            name = _slot(text, i, m.group(1) or "")
            piece = SLOT_PREFIX + name
            if out and re.search(r"[\w.]\Z", out[-1]):  # #x#y, 2#x: two operands, not one name
                out.append(" ")
                origin.append(i)
            out.append(piece)
            origin += [i] * len(piece)
            i = m.end()
            if name.isdigit() and re.match(r"\w", text[i:i + 1]):  # #2E is #2 E: a numbered slot ends at its digits
                if text[i] == "_":
                    raise ExpressionError("names may not start with '_'", text, i)
                out.append(" ")
                origin.append(i)
            continue
        two = text[i:i + 2]
        if ch == "&" and "&" not in (two[1:], text[i - 1:i]):  # a pure function's end, not And's &&
            _refuse_taken_function(text, i)
            if not re.sub(r"[)\]\s]", "", text[i + 1:]):
                i += 1  # (body &), Apply[body &]: a pure function's end inside its brackets
                continue
        if ch in "[];":
            piece, width = bracket(text, i, brackets)
            out.append(piece)
            origin += [i] * len(piece)
            i += width
            continue
        if two in _WOLFRAM_PIECES or ch in "{}":  # lists {a, b} -> tuples; <|"k" -> v|> -> a dict
            key = two if two in _WOLFRAM_PIECES else ch
            piece = ")" if key == "}" and _last_piece(out) == "(" else _WOLFRAM_PIECES[key]  # {}: ()
            out.append(piece)
            origin += [i] * len(piece)
            i += len(key)
            continue
        if ch == '"':
            m = re.compile(r'"([A-Za-z][A-Za-z0-9_]*)"').match(text, i)
            if not m:
                raise ExpressionError("a string must be a port name in double quotes, such as \"Mean\"", text, i)
            out.append(m.group(0))
            origin += list(range(i, m.end()))
            i = m.end()
            continue
        if ch == "|":
            raise ExpressionError("'|' is only allowed in <| ... |> (for Or, Unitize the sum of the comparisons: "
                                  "Unitize[(#x > 1) + (#x < -1)])", text, i)
        if two == "*^":  # Wolfram's 1.5*^-3 is 1.5e-3
            if not _number_ends_at(text, i):  # 2*^3*^4 read 2e3 times a name e4 (as the product of two operands)
                raise ExpressionError("Wolfram's scientific notation m*^n needs a number m right before *^ (one "
                                      "exponent per number)", text, i)
            if not (m := _EXPONENT.match(text, i + 2)):
                raise ExpressionError("Wolfram's scientific notation m*^n needs an integer exponent n", text, i)
            out.append("e" + m.group(0))
            origin += [i] * (1 + len(m.group(0)))
            i = m.end()
            continue
        if ch == "E" and _number_ends_at(text, i) and (m := _EXPONENT.match(text, i + 1)):
            raise _upper_exponent(text, i, m.group(0))
        if ch == "!" and two != "!=":  # a prefix !c is Python's not c, refused once read (a Negative in c is named)
            if _after_value(text, i):  # Factorial, x!
                raise ExpressionError(NOT_SIGN, text, i)
            out.append(" not ")
            origin += [i] * 5
            i += 1
            continue
        if ch == "=" and text[i + 1:i + 2] != "=" and (i == 0 or text[i - 1] not in "<>!="):  # not ==, <=, >=, !=
            raise ExpressionError("'=' (Set) is not allowed: compare with ==, <= or >=", text, i)
        if ch == "_" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            raise ExpressionError("names may not start with '_'", text, i)
        if ch == "." and not text[i + 1:i + 2].isdigit() and not _number_ends_at(text, i):  # a . b: Wolfram's Dot
            out.append(" @ ")
            origin += [i] * 3
            i += 1
            continue
        piece = {"^": "**", "&": " and "}.get(ch, ch)
        out.append(piece)
        origin += [i] * len(piece)  # (an And's error points at its first '&')
        i += 2 if ch == "&" and text[i:i + 2] == "&&" else 1
    return with_products("".join(out), origin, text)


def _refuse_taken_function(text: str, amp: int) -> None:
    """Refuse the pure function whose ``&`` is at ``text[amp]`` when it is applied, ``(body &)[args]``, or a part is
    taken of it, ``(body &)[[i]]``, ``Part[body &, i]``: refused as written, before Python's parser."""
    if after := _PURE_CALLED.match(text, amp + 1):
        raise _pure_function_called(text, amp, after)
    if taken := _PART_OF.search(text, 0, function_start(text, amp)):
        raise ExpressionError(PART_OF_FUNCTION, text, taken.start())


def _pure_function_called(text: str, amp: int, after: re.Match) -> ExpressionError:
    """The refusal of the pure function whose ``&`` is at ``text[amp]`` applied to arguments, ``(body &)[args]``
    (Wolfram's Function[body][args]), or a part of it, ``(body &)[[i]]``, at the function's start, read before
    Python's parser (a chain ``#x&[#y]&[#y]&...`` is refused at its first ``&``); one of no body at its ``&``."""
    start = function_start(text, amp)
    if not text[start:amp].lstrip("( \t\r\n"):  # &[#x], (&)[#x]: nothing before the &
        return ExpressionError(EMPTY_FUNCTION, text, amp)
    if (closing := after.group(1).rstrip()).endswith(")"):  # ((body &))[args]: from the outer bracket
        start = open_bracket_before(text, amp + len(closing))
    if after.group(2):
        return ExpressionError(PART_OF_FUNCTION, text, start)
    return ExpressionError(f"{APPLIED_FUNCTION} is not allowed", text, start)


def open_bracket_before(text: str, end: int, at_comma: bool = False) -> int:
    """The column of the innermost bracket still open at ``text[end]`` (or, ``at_comma``, of a comma outside
    brackets, if nearer); -1 when there is none."""
    depth = 0
    for j in range(end - 1, -1, -1):
        depth += (text[j] in ")]}") - (text[j] in "([{")
        if depth < 0 or at_comma and depth == 0 and text[j] == ",":
            return j
    return -1


def function_start(text: str, amp: int) -> int:
    """Where the pure function whose ``&`` is at ``text[amp]`` starts: its bracket ``(``, else the start of its
    argument or of the text (``&`` binds more loosely than any operator)."""
    j = open_bracket_before(text, amp, at_comma=True)
    return j if j >= 0 and text[j] == "(" else len(text) - len(text[j + 1:].lstrip())


def _upper_exponent(text: str, i: int, exponent: str) -> ExpressionError:
    """The error for Python's ``2E-3`` (``E`` at ``text[i]``): Wolfram reads it as 2 E - 3, E being Euler's number.
    (A lowercase ``2e-3`` has no other reading, ``e`` being no name here, and is read as Python reads it.)"""
    start = i
    while start > 0 and (text[start - 1].isdigit() or text[start - 1] == "."):
        start -= 1
    mantissa, number, digits = text[start:i], f"{text[start:i]}E{exponent}", exponent.lstrip("+-")
    signed = exponent[0] in "+-"
    wolfram = f"{mantissa} E {exponent[0]} {digits}"
    reading = f"so {number} is {wolfram}" if signed else f"and {number} as {mantissa} times a name E{digits}"
    return ExpressionError(f"{number} is ambiguous: Wolfram reads E after a number as the constant E (2.718...), "
                           f"{reading}; write {mantissa}*^{exponent} or {mantissa}e{exponent} for {mantissa} times "
                           f"10^{exponent.lstrip('+')}" + (f", or {wolfram} for Wolfram's reading" if signed else ""),
                           text, start)


def prefix_not(text: str) -> ExpressionError | None:
    """The refusal of a prefix Not, !c, in ``text``, or None: where Python cannot read the ``not c`` it became."""
    bang = re.search(r"!(?!=)", text)
    return ExpressionError(NOT_SIGN, text, bang.start()) if bang else None


#: a list or association beside a value (``{#x, #y} 2``, ``2 {#x}``): the one juxtaposition that is no product
_LIST_BESIDE = re.compile(rf"(?:{_VALUE_END})\s*(?=\{{|<\|)|(?:\}}|\|>)\s*(?=[#\w.({{])")

#: a number and Wolfram's ``*^`` right before an exponent (``1.5*^`` before the 3 of ``1.5*^3``)
_NUMBER_BEFORE_EXPONENT = re.compile(r"(?<![A-Za-z0-9_#.])[0-9]*\.?[0-9]+\.?\*\^[+-]?\Z")


def list_beside_value(text: str) -> ExpressionError | None:
    """The error for a list ``{...}`` (or ``<|...|>``) side by side with a value, if ``text`` has one: Wolfram's
    implicit multiplication of operands is read (``expression_products``), but a list is only the outputs."""
    if m := _LIST_BESIDE.search(text):
        end = m.start() + len(m.group().rstrip())
        left = "<|...|>" if text[:end].endswith("|>") else _operand_before(text, end)
        right = _operand_after(text, m.end())
        return ExpressionError(f"a list beside a value ({left} {right}) is not read: a list {{e1, e2}} or <|...|> "
                               f"is the whole expression (its outputs), not a factor", text, m.end())
    return None


_CLOSER = {"(": ")", "[": "]", "{": "}"}


def unmatched_bracket(text: str) -> ExpressionError | None:
    """The error for the first bracket of ``text`` that closes none, is closed by another kind or is never closed,
    named as written (Python's parser reads ``f[x]`` as ``f(x)`` and ``{a, b}`` as a tuple, so its own error names
    parentheses); None when every bracket matches.

    >>> str(unmatched_bracket("Max[#x, #y")).splitlines()[0]
    "expression 'Max[#x, #y' at column 4: syntax error ('[' is never closed)"
    """
    opened: list[int] = []
    quoted = False
    for i, ch in enumerate(text):
        quoted = quoted != (ch == '"')  # an association's "name" may hold any character
        if quoted or ch not in "()[]{}":
            continue
        if ch in _CLOSER:
            opened.append(i)
        elif not opened:
            return ExpressionError(f"syntax error ({ch!r} closes no bracket)", text, i)
        elif _CLOSER[text[start := opened.pop()]] != ch:
            return ExpressionError(f"syntax error ({text[start]!r} at column {start + 1} is closed by {ch!r}, not "
                                   f"{_CLOSER[text[start]]!r})", text, i)
    return ExpressionError(f"syntax error ({text[opened[-1]]!r} is never closed)", text, opened[-1]) if opened else None


def _operand_before(text: str, end: int) -> str:
    """The operand that ends at ``text[end - 1]``: a name, number or slot, with its brackets (``Sin[#x]``,
    ``#x[[1]]``)."""
    start, depth = end, 0
    while start > 0 and (depth or text[start - 1] in ")]}" or re.match(r"[#\w.]", text[start - 1])):
        ch = text[start - 1]
        if ch in ")]}" or ch in "([{":
            depth += 1 if ch in ")]}" else -1
        if depth < 0:
            break
        start -= 1
    if mantissa := _NUMBER_BEFORE_EXPONENT.search(text, 0, start):  # 1.5*^3: the exponent is not the operand
        start = mantissa.start()
    return text[start:end]


def _operand_after(text: str, start: int) -> str:
    """The operand that starts at ``text[start]``, shortened: ``#y``, ``2``, ``Sin[...]``, ``(...)``."""
    if text[start] in "({<":
        return {"(": "(...)", "{": "{...}", "<": "<|...|>"}[text[start]]
    name = re.match(r"#?[A-Za-z0-9_.]*", text[start:]).group()
    if _number_ends_at(text, start + len(name)) and (exponent := _EXPONENT.match(text, start + len(name) + 2)) \
            and text[start + len(name):start + len(name) + 2] == "*^":  # Wolfram's 1.5*^3: one number
        return text[start:exponent.end()]
    return name + ("[...]" if text[start + len(name):start + len(name) + 1] == "[" else "")


def parenthesised_after(text: str, end: int, brackets: str = "()") -> str | None:
    """The text inside the parentheses (or other ``brackets``) that open at ``text[end:]`` (after spaces): ``'#a'``
    of ``exp(#a)`` read from the end of ``exp``; None when none open there or they do not close.

    >>> parenthesised_after("1 + exp (#a * (2 + #b)) - 1", 7)
    '#a * (2 + #b)'
    >>> parenthesised_after("ReLU6[Exp[#x[[1]]]] + 1", 5, "[]")
    'Exp[#x[[1]]]'
    """
    start = len(text) - len(text[end:].lstrip())
    if text[start:start + 1] != brackets[0]:
        return None
    depth = 0
    for i in range(start, len(text)):
        depth += {brackets[0]: 1, brackets[1]: -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1:i]
    return None


def _last_piece(out: list[str]) -> str:
    """The last of the translated pieces ``out`` that is not blank (``(`` after ``{ ``), else ''."""
    return next((piece for piece in reversed(out) if piece.strip()), "")
