"""Every FunctionLayer expression the README and specs/ show is read (a reading rule once refused `#[[-1]] &`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from netgraph import FunctionLayer, OptionError

ROOT = Path(__file__).resolve().parent.parent


def _readme_expressions() -> list[str]:
    """The string given first to each FunctionLayer(...) in the README, in code or inline, and each
    `function:` of a FunctionLayer in its YAML lines."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    called = [m.group(2) for m in re.finditer(r"FunctionLayer\((['\"])(.*?)\1", readme)]
    in_yaml = re.findall(r"type: FunctionLayer, function: \"([^\"]*)\"", readme)
    return called + in_yaml


def _spec_expressions() -> list[str]:
    """The ``function`` of each FunctionLayer layer in specs/*.yaml."""
    found = []
    for path in sorted((ROOT / "specs").glob("*.yaml")):
        layers = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("layers") or {}
        found += [layer["function"] for layer in (layers.values() if isinstance(layers, dict) else layers)
                  if isinstance(layer, dict) and layer.get("type") == "FunctionLayer"
                  and isinstance(layer.get("function"), str)]
    return found


SHOWN_REFUSED = {"ReLU6[#x] + 1": "ReLU6\\[#x\\] is Clip\\[#x, \\{0, 6\\}\\] here"}  # the README shows its error
EXPRESSIONS = sorted(set(_readme_expressions() + _spec_expressions() + ["#[[-1]] &", "#[[1]]", "#[[2;;]] &"])
                     - set(SHOWN_REFUSED))


def test_the_documents_show_expressions():
    assert len(EXPRESSIONS) >= 10 and any(text.startswith("#[[") for text in EXPRESSIONS)


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_each_documented_expression_is_read(text):
    assert FunctionLayer(text).input_ports


@pytest.mark.parametrize("text, said", sorted(SHOWN_REFUSED.items()))
def test_an_expression_the_readme_shows_refused_is_refused_as_shown(text, said):
    assert text in _readme_expressions()
    with pytest.raises(OptionError, match=said):
        FunctionLayer(text)
