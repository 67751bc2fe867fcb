"""The text encoders: ``TokensEncoder`` (words split on whitespace) and ``CharactersEncoder`` (one character at a
time), text → a sequence of indices into a vocabulary, as frozen descriptions (``netgraph.data`` encodes).

>>> TokensEncoder(["good", "film"]).tokens
('<pad>', '<unk>', 'good', 'film')
>>> CharactersEncoder("ab").port_type()
PortType(shape=('n',), dtype='Integer')
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata
from typing import Any, ClassVar

from netgraph.core.coder_base import Encoder, Labels, coder_option, labels_option
from netgraph.core.plain_numbers import plain_numbers
from netgraph.core.errors import Diagnostic
from netgraph.core.layer_arguments import with_argument_errors
from netgraph.core.name_guesses import did_you_mean
from netgraph.core.types import INTEGER, PortType

__all__ = ["TokensEncoder", "CharactersEncoder"]

_UNICODE_FORMS = ("NFC", "NFD", "NFKC", "NFKD")
_Text = coder_option({"type": "string"})
_Flag = coder_option({"type": "boolean"})
_MaxLength = coder_option({"type": ["integer", "null"], "minimum": 1})
_Normalization = coder_option({"enum": [*_UNICODE_FORMS, None]})


@dataclasses.dataclass(frozen=True, repr=False)
class TokensEncoder(Encoder):
    """Text → a sequence of token indices (``"n"``, Integer): words split on whitespace (a text only: a list of
    strings is a batch of texts), looked up in ``vocabulary``; index 0 is ``padding``, 1 is ``unknown`` (any token not in the vocabulary),
    then the vocabulary in order. ``max_length`` refuses longer sequences; batches pad to the longest.
    ``normalization`` ("NFC", "NFD", "NFKC", "NFKD"; None: off) puts the text in that Unicode form (before
    ``lowercase``, as NFKC can give capitals: "ℌ" is "H") before it is split, so "café" typed as e + a combining
    accent finds the vocabulary's "café".

    >>> from netgraph.data import encode
    >>> coder = TokensEncoder(["the", "cat"])
    >>> coder.tokens
    ('<pad>', '<unk>', 'the', 'cat')
    >>> encode(coder, "Input", "the cat sat")  # "sat" is unknown
    tensor([2, 3, 1])
    """

    vocabulary: Labels = ()
    unknown: _Text = "<unk>"
    padding: _Text = "<pad>"
    max_length: _MaxLength = None
    lowercase: _Flag = False
    normalization: _Normalization = None

    def __post_init__(self) -> None:
        plain_numbers(self, arrays=True)
        problems: list[Diagnostic] = []
        object.__setattr__(self, "vocabulary", labels_option(self, self.vocabulary, problems, "vocabulary"))
        if self.max_length is not None and (isinstance(self.max_length, bool) or not isinstance(self.max_length, int)
                                            or self.max_length < 1):
            self._problem(problems, f"a positive int or None, found {self.max_length!r}", "max_length")
        for name in ("unknown", "padding"):
            if not isinstance(getattr(self, name), str):
                self._problem(problems, f"a string, found {getattr(self, name)!r}", name)
        if not isinstance(self.lowercase, bool):
            self._problem(problems, f"True or False, found {self.lowercase!r}", "lowercase")
        self._check_normalization(problems)
        if never := [t for t in self.vocabulary if not self._can_occur(t)]:
            self._problem(problems, f"the vocabulary entry {never[0]!r:.60} could never match: {self._split_rule}",
                          "vocabulary")
        if capitals := [t for t in self.vocabulary if self.lowercase is True and isinstance(t, str) and t != t.lower()]:
            self._problem(problems, f"lowercase=True lowercases the text before looking it up, so the vocabulary "
                          f"entry {capitals[0]!r} could never match; write the vocabulary in lowercase", "lowercase")
        if isinstance(self.unknown, str) and isinstance(self.padding, str):
            self._check_special_tokens(problems)
        self._raise(problems)

    def _check_special_tokens(self, problems: list[Diagnostic]) -> None:
        """unknown= and padding= differ from each other and from every vocabulary entry; a clash named by the option
        given (a default said as such)."""
        given = [f.name for f in dataclasses.fields(self) if f.name in ("unknown", "padding")
                 and getattr(self, f.name) != f.default]
        if self.unknown == self.padding and len(given) == 1:
            other = "padding" if given[0] == "unknown" else "unknown"
            self._problem(problems, f"{self.unknown!r} is {other}='s token too (its default); the two must differ",
                          given[0])
        elif self.unknown == self.padding:
            self._problem(problems, f"unknown= and padding= are both {self.unknown!r}; they must differ", "unknown")
        for name in ("unknown", "padding"):
            if getattr(self, name) in self.vocabulary:
                default = "" if name in given else " (its default)"
                self._problem(problems, f"{getattr(self, name)!r}{default} is also a vocabulary entry; {name}= must "
                              f"differ from every vocabulary entry", name)

    _split_rule: ClassVar[str] = "a text is split on whitespace into words, strings without spaces"

    def _check_normalization(self, problems: list[Diagnostic]) -> None:
        """A known Unicode form or None, and every vocabulary entry already in it (else it could never match)."""
        if self.normalization is not None and self.normalization not in _UNICODE_FORMS:
            self._problem(problems, f"one of None, {', '.join(map(repr, _UNICODE_FORMS))}, found "
                          f"{self.normalization!r}{did_you_mean(str(self.normalization), _UNICODE_FORMS)}", "normalization")
        elif self.normalization is not None and (changed := [t for t in self.vocabulary if isinstance(t, str) and
                                                             unicodedata.normalize(self.normalization, t) != t]):
            self._problem(problems, f"the text is put in Unicode form {self.normalization} before it is looked up, so "
                          f"the vocabulary entry {ascii(changed[0])} could never match; write the vocabulary in that "
                          f"form: unicodedata.normalize({self.normalization!r}, entry)", "normalization")

    def normalized(self, text: str) -> str:
        """``text`` as it is looked up: in Unicode form ``normalization``, then lowercased (``lowercase``), the order
        of the vocabulary's checks (a form's capitals, "ℌ" in NFKC "H", are lowercased too)."""
        text = unicodedata.normalize(self.normalization, text) if self.normalization else text
        return text.lower() if self.lowercase else text

    @staticmethod
    def _can_occur(token: Any) -> bool:
        """Whether splitting some text can give ``token``."""
        return isinstance(token, str) and token.split() == [token]

    @property
    def tokens(self) -> tuple:
        """Every token by index: padding, unknown, then the vocabulary."""
        return (self.padding, self.unknown, *self.vocabulary)

    @functools.cached_property
    def token_index(self) -> dict:
        """Each token's index (made once per encoder: a text is looked up token by token)."""
        return {t: i for i, t in enumerate(self.tokens)}

    def port_type(self) -> PortType:
        return PortType(("n",), INTEGER)

    @property
    def index_count(self) -> int | None:
        return len(self.tokens)


@dataclasses.dataclass(frozen=True, repr=False)
class CharactersEncoder(TokensEncoder):
    """Text → a sequence of character indices: ``vocabulary`` a string (or list) of characters.

    >>> from netgraph.data import encode
    >>> encode(CharactersEncoder("abc"), "Input", "cab")  # 0 is padding, 1 unknown, then a, b, c
    tensor([4, 2, 3])
    """

    _split_rule: ClassVar[str] = "a text is read one character at a time, so entries are single characters"

    @staticmethod
    def _can_occur(token: Any) -> bool:
        return isinstance(token, str) and len(token) == 1

    def __post_init__(self) -> None:
        if isinstance(self.vocabulary, str):
            object.__setattr__(self, "vocabulary", tuple(self.vocabulary))
        super().__post_init__()


for _coder in (TokensEncoder, CharactersEncoder):  # TokensEncoder(["a"], "u", "p", 3, 4): an OptionError, as a layer's
    with_argument_errors(_coder)
