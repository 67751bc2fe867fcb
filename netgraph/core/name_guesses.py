"""Guessing which name a user meant (``did_you_mean``) and naming a type with its article, for messages."""

from __future__ import annotations

import difflib
import functools
import os
import re
import unicodedata
from collections.abc import Iterable
from itertools import islice

__all__ = ["MAX_GUESSED", "SHORT_NAME", "did_you_mean", "did_you_mean_file", "nearest_name", "with_article"]


MAX_GUESSED = 100  # did_you_mean guesses for names up to this long
SHORT_NAME = 3  # did_you_mean also suggests, for names up to this long, the one name one edit away


def did_you_mean(name: object, candidates: Iterable[object]) -> str:
    """A ' (did you mean 'x'?)' suffix, or '' when nothing is close.

    >>> did_you_mean("Outptu", ["Output", "Input"])
    " (did you mean 'Output'?)"
    """
    close = nearest_name(name, candidates)
    return f" (did you mean {close!r}?)" if close is not None else ""


def did_you_mean_file(path: str | os.PathLike, suffixes: tuple[str, ...], folders: bool = False) -> str:
    """' (did you mean ...?)' naming the file of one of ``suffixes`` (or, with ``folders``, the folder) beside a
    missing ``path`` that it likely mistypes (``vae.yml`` for ``vae.yaml``), as typed; '' when none is close. Names
    are compared without their suffix (which many share), of files with one name the one of the typed suffix
    (``data.npz`` over ``data.csv``); never another file of a series, one whose name differs only in digits or a
    version (``run2.yaml``, ``model_v2.yaml`` for ``run1.yaml``, ``model.yaml``: another file, not a typo; ``data.npz``
    for ``data1.npz`` is named), nor a dot-file unless one was typed. Of a folder's entries, the first 1,000 the
    system lists (in no set order) are looked at."""
    folder, typed = os.path.split(str(path))
    try:
        with os.scandir(folder or ".") as entries:
            names = sorted(e.name for e in islice(entries, 1000)
                           if (e.name.lower().endswith(suffixes) and e.is_file()) or (folders and e.is_dir()))
    except OSError:
        return ""
    typed_stem, typed_suffix = os.path.splitext(typed)
    names = [n for n in names if (typed.startswith(".") or not n.startswith("."))
             and not _other_version(typed_stem, os.path.splitext(n)[0])]
    by_stem = {os.path.splitext(n)[0]: n for n in sorted(names, key=lambda n: n.lower().endswith(typed_suffix.lower()))}
    stem = nearest_name(typed_stem, by_stem)  # of a stem's files, the one of the typed suffix (sorted last) is kept
    close = None if stem is None else by_stem[stem]
    return f" (did you mean {os.path.join(folder, close)!r}?)" if close is not None else ""


def _other_version(typed_stem: str, stem: str) -> bool:
    """Whether ``stem`` differs from ``typed_stem`` only in digits or a version mark (``run1``/``run2``,
    ``model``/``model_v2``): another file of a series, not the one meant. A ``stem`` of no digits or version
    (``data`` for ``data1``) is the file the series is named after, not one of it."""
    return (stem.lower() != typed_stem.lower() and _VERSION.search(stem) is not None
            and _VERSION.sub("", stem).lower() == _VERSION.sub("", typed_stem).lower())


_VERSION = re.compile(r"[-_. ]?v?\d+", re.IGNORECASE)


def nearest_name(name: object, candidates: Iterable[object]) -> str | None:
    """The candidate ``name`` is likely a slip for (what ``did_you_mean`` suggests), or None; one it matches but for
    case and accents first ('e' for 'é')."""
    name = name if isinstance(name, str) else str(name)
    if len(name) > MAX_GUESSED:
        return None  # no name is that long (a hostile value: comparing it would take long)
    strs = [str(c) for c in candidates]
    folded = _folded(name)  # 'convolutionlayer': not difflib's 'DeconvolutionLayer'; 'e': 'é' (difflib: unlike)
    same = [s for s in strs if len(s) <= MAX_GUESSED and _folded(s) == folded]
    best = same[0] if same else next((s for s in strs if _swapped(name, s)), None) or _closest(name, strs, 0.6)
    close = [best] if best is not None else []  # 'Tahn': 'Tanh' (a swap), not difflib's 'Tan'
    if not close and 2 <= len(name) <= SHORT_NAME:  # 'l2' for 'l1': difflib's ratio (0.5) is under its cutoff
        close = [s for s in strs if _one_edit(name, s)]
        close = close if len(close) == 1 else []  # one of several as near is a guess, not a hint
    return close[0] if close else None


#: vowels read as a consonant ("a UnitVector", "a one-hot")
_CONSONANT_SOUNDS = ("uni", "use", "usu", "uti", "eu", "one")


def with_article(word: str) -> str:
    """``word`` after its indefinite article, for messages naming a type.

    >>> with_article("ElementwiseLayer"), with_article("NetGraph"), with_article("int"), with_article("UnitVector")
    ('an ElementwiseLayer', 'a NetGraph', 'an int', 'a UnitVector')
    """
    vowel = word[:1].lower() in "aeiou" and not word.lower().startswith(_CONSONANT_SOUNDS)
    return f"{'an' if vowel else 'a'} {word}"


@functools.lru_cache(maxsize=4096)  # the known names (~140) are folded once, not again for every name guessed
def _folded(word: str) -> str:
    """``word`` without case or accents: casefolded, NFKD-decomposed, its combining marks dropped (each word at most
    MAX_GUESSED long: ``nearest_name`` folds no longer one)."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


def _swapped(word: str, candidate: str) -> bool:
    """Whether ``candidate`` is ``word`` with two neighbouring characters swapped (the commonest typo)."""
    if len(word) != len(candidate) or word == candidate:
        return False
    diff = [i for i, (a, b) in enumerate(zip(word, candidate)) if a != b]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == candidate[diff[1]] \
        and word[diff[1]] == candidate[diff[0]]


def _one_edit(word: str, candidate: str) -> bool:
    """Whether ``candidate`` (two letters or more) is ``word`` with one character changed, added or removed."""
    if len(candidate) < 2 or abs(len(word) - len(candidate)) > 1 or word == candidate:
        return False
    if len(word) == len(candidate):
        return sum(a != b for a, b in zip(word, candidate)) == 1
    short, long = sorted((word, candidate), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _closest(word: str, candidates: list[str], cutoff: float) -> str | None:
    """``difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)``'s answer, computed faster: the full
    ``ratio()`` only for candidates in decreasing order of its upper bound ``quick_ratio()``, stopping when the
    bound falls below the best ratio found (ties go to the larger string, as there)."""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    bounds = []
    for candidate in candidates:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() >= cutoff and (bound := matcher.quick_ratio()) >= cutoff:
            bounds.append((bound, candidate))
    best: tuple[float, str] | None = None
    for bound, candidate in sorted(bounds, reverse=True):
        if best is not None and bound < best[0]:
            break
        matcher.set_seq1(candidate)
        score = matcher.ratio()
        if score >= cutoff and (best is None or (score, candidate) > best):
            best = (score, candidate)
    return None if best is None else best[1]
