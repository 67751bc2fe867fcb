"""The error classes a user catches are importable from netgraph and named in the README's list of them (QA of the
README: ``from netgraph import ExpressionError`` failed, and the list left out TrainingError, which is exported)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import netgraph
from netgraph import FunctionLayer, NetGraphError, OptionError

README = Path(netgraph.__file__).parent.parent / "README.md"


def test_a_bad_expression_raises_the_exported_expression_error():
    from netgraph import ExpressionError
    with pytest.raises(ExpressionError) as info:
        FunctionLayer("x +* 2")
    assert isinstance(info.value, OptionError) and info.value.diagnostics[0].kind == "expression-syntax"
    assert info.value.column == 3  # where '*' is, in the text as given


def test_the_readme_error_list_names_every_exported_error_class():
    errors = README.read_text(encoding="utf-8").split("### Errors", 1)[1]
    listed = set(re.findall(r"`(\w+Error)`", errors.strip().split("\n\n", 1)[0]))  # the paragraph listing them
    exported = {name for name in netgraph.__all__ if isinstance(cls := getattr(netgraph, name), type)
                and issubclass(cls, NetGraphError)}
    assert "ExpressionError" in exported and exported - {"NetGraphError"} <= listed
