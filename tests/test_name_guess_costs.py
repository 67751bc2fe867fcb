"""The "did you mean" hints of long lists of bad names cost a little each: the known names folded once, and hints
made only for the problems a message lists."""

from __future__ import annotations

import unicodedata

import pytest

from netgraph import NetChain, NetMapOperator, OptionError, WiringError
from netgraph.core import name_guesses
from netgraph.core.errors import MAX_LISTED
from netgraph.layers.shorthand import known_names


def test_the_known_names_are_folded_once_not_on_every_guess(monkeypatch):
    """``nearest_name`` folded (casefold, NFKD) all ~140 candidates again on every call."""
    calls, real = [0], unicodedata.normalize

    def counted(form, text):
        calls[0] += 1
        return real(form, text)
    names = known_names()
    name_guesses.nearest_name("Tanhh", names)  # first: the candidates folded (or found folded already)
    monkeypatch.setattr(unicodedata, "normalize", counted)
    for typo in ("Sinn", "Tahn", "Ramq", "Tanhh", "Sinn"):
        before = calls[0]
        assert name_guesses.nearest_name(typo, names) in names
        assert calls[0] - before <= 1, calls  # the typed name at most: never the candidates
    assert name_guesses.nearest_name("ramp", names) == "Ramp"


@pytest.mark.parametrize("count", [MAX_LISTED + 5, 2000])
def test_a_long_list_of_bad_names_guesses_only_for_the_problems_its_message_lists(monkeypatch, count):
    """A 10,000-item list refused took 2.5 s: a guess for every bad item, though a message lists MAX_LISTED."""
    calls, real = [0], name_guesses.nearest_name

    def counted(*args):
        calls[0] += 1
        return real(*args)
    monkeypatch.setattr(name_guesses, "nearest_name", counted)
    with pytest.raises(WiringError) as error:
        NetChain(["Tanhh"] * count)
    assert calls[0] <= MAX_LISTED, calls
    lines = str(error.value).splitlines()
    assert lines[0] == f"invalid layers: {count} problems:" and len(lines) == MAX_LISTED + 2
    assert all(line.endswith("found 'Tanhh' (did you mean 'Tanh'?)") for line in lines[1:-1])
    assert lines[-1].endswith(f"... and {count - MAX_LISTED} more (the error's .diagnostics holds every problem)")
    assert len(error.value.diagnostics) == count
    calls[0] = 0
    with pytest.raises(OptionError, match=r"option net=: layer 1 is not a layer .* found 'Tanhh' \(did you mean "
                                          r"'Tanh'\?\)$"):
        NetMapOperator(net=["Tanhh"] * count)
    assert calls[0] <= MAX_LISTED, calls
