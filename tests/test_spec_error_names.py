"""Spec errors about names and paths: a path that names no file, a value of the wrong kind, a function or torch
name where netgraph spells it otherwise, a misspelt port, a quoted format version."""

from __future__ import annotations

import re

import pytest

from netgraph import NetGraph, SpecError
from tests.test_spec_errors import errors_of, positions


@pytest.fixture(autouse=True)
def _each_yaml_loader(yaml_loader):
    """Every test here runs with each YAML loader."""


@pytest.mark.parametrize("name, message", [("specs", "'{}' is a folder, not a spec file"),
                                           ("specs/vae.yam", "no spec file '{}'")])
def test_a_path_that_names_no_file_is_refused_as_such(name, message, tmp_path, monkeypatch):
    # a folder or a mistyped path was read as YAML text: "found a str value"
    (tmp_path / "specs").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError, match=re.escape(message.format(name))):
        NetGraph.from_yaml(name)


def test_a_spec_path_that_cannot_be_read_has_no_line_and_column(tmp_path, monkeypatch):
    """`from_yaml("netgraph")` said 'netgraph:1:1: cannot read ...', as if line 1 of a file were wrong."""
    (tmp_path / "specs").mkdir()
    monkeypatch.chdir(tmp_path)
    for name, problem in [("netgraph", "no spec file 'netgraph'"), ("specs", "'specs' is a folder, not a spec file")]:
        with pytest.raises(SpecError) as info:
            NetGraph.from_yaml(name)
        assert str(info.value) == f"cannot read the spec: {problem}"
    (tmp_path / "s.yaml").write_text("netgraph: 1\nlayers:\n  a: {file: gone.yaml}\ninputs: {Input: 2}\n")
    assert errors_of((tmp_path / "s.yaml").read_text(), tmp_path, "s.yaml")[0].startswith(f"{tmp_path / 's.yaml'}:3:")


def test_a_wrong_kind_of_value_is_named_with_its_article():
    """'found a int value' read badly; the article follows the type name."""
    with pytest.raises(SpecError, match=r"<string>:4:7: 'nets:' is a mapping .*found an int value$"):
        NetGraph.from_yaml("netgraph: 1\nlayers: {a: Tanh}\ninputs: {Input: 2}\nnets: 0\n")


def test_a_path_into_a_plain_layer_is_not_called_a_nested_graph():
    errors = errors_of("netgraph: 1\nlayers:\n  a: 4\n  s: 2\ninputs: {Input: 3}\nedges: [a -> s.Input.x]\n")
    assert positions(errors) == ["<string>:6:14"]
    assert "layer 's' is a LinearLayer, not a NetGraph or NetChain" in errors[0] and "nested graph 's'" not in errors[0]


def test_a_function_name_given_as_a_layer_type_says_how_to_write_that_layer():
    errors = errors_of("netgraph: 1\nlayers: {a: {type: Tanh}, b: {type: Plus}}\n")
    assert positions(errors) == ["<string>:2:20", "<string>:2:37"]
    assert errors[0].endswith("unknown layer type 'Tanh'; 'Tanh' is a function: write the layer as Tanh alone, or "
                              "{type: ElementwiseLayer, function: Tanh}")
    assert "{type: ThreadingLayer, function: Plus}" in errors[1]


def test_a_misspelt_function_name_given_as_a_layer_type_is_told_the_near_one():
    """Found by QA: {type: Tanhh} had no "did you mean" (the bare Tanhh had one)."""
    errors = errors_of("netgraph: 1\nlayers: {a: {type: Tanhh}, b: {type: Pluss}, c: {type: LinearLayr}}\n")
    assert positions(errors) == ["<string>:2:20", "<string>:2:38", "<string>:2:56"]
    assert errors[0].endswith("unknown layer type 'Tanhh' (did you mean 'Tanh'?); 'Tanh' is a function: write the "
                              "layer as Tanh alone, or {type: ElementwiseLayer, function: Tanh}")
    assert "'Pluss' (did you mean 'Plus'?)" in errors[1] and "{type: ThreadingLayer, function: Plus}" in errors[1]
    assert errors[2].endswith("unknown layer type 'LinearLayr' (did you mean 'LinearLayer'?)")


def test_a_misspelt_top_level_type_is_told_the_near_shorthand_too():
    """Found by QA: a spec of one layer, 'type: Tanhh', had no "did you mean" either."""
    assert errors_of("netgraph: 1\ntype: Tanhh\n") == [
        "<string>:2:7: a spec's top-level type is NetGraph, NetChain or a layer type (a layer alone), found 'Tanhh' (did "
        "you mean 'Tanh'?); 'Tanh' is a function: write the layer with type: ElementwiseLayer and function: Tanh "
        "as the file's keys"]


def test_a_misspelt_port_is_told_its_near_name_only():
    """Found by QA: 'Inptu' was told both "did you mean 'Input'?" and to declare 'inputs: {Inptu: null}'."""
    errors = errors_of("netgraph: 1\nlayers: {a: 2}\ninputs: {Input: 2}\nedges: [Inptu -> a]\n")
    assert "'Inptu' is not a layer or declared graph port (Input) (did you mean 'Input'?)" in errors[0]
    assert "Inptu: null" not in errors[0]
    errors = errors_of("netgraph: 1\nlayers: {a: 2}\ninputs: {Input: 2}\nedges: [Input -> a -> Outptu]\n")
    assert "(did you mean" not in errors[0] and "(here 'outputs: {Outptu: null}')" in errors[0]


@pytest.mark.parametrize("dtype, right", [("int64", "Integer"), ("int32", "Integer"), ("long", "Integer"),
                                          ("torch.int64", "Integer"), ("float32", "Real"), ("float64", "Real"),
                                          ("double", "Real")])
def test_a_torch_dtype_name_in_a_port_is_told_netgraphs_spelling(dtype, right):
    """Found by QA with torch habits: 'dtype: int64' was refused naming only Real or Integer, not which one. The
    names are Wolfram's; a torch name is no alias, as a port's dtype is a kind (Real runs at the working precision,
    whatever float width is named), so the message names the kind to write."""
    for port in (f"{{shape: [5], dtype: {dtype}}}", dtype):
        errors = errors_of(f"netgraph: 1\nlayers: {{e: {{type: EmbeddingLayer, output: 4, n: 10}}}}\n"
                           f"inputs: {{Input: {port}}}\n")
        assert len(errors) == 1 and f"write {right}" in errors[0] and repr(dtype) in errors[0], errors


def test_a_quoted_format_version_is_told_to_lose_its_quotes():
    assert errors_of('netgraph: "1"\nlayers: {a: 3}\n') == [
        "<string>:1:11: unsupported format version '1': this netgraph reads 'netgraph: 1' ('1' is quoted, so it is "
        "text: write 1 without quotes)"]


@pytest.mark.parametrize("shorthand, hint", [
    ("Add", "(Keras's Add is the shorthand Plus (ThreadingLayer('Plus')) here)"),
    ("Multiply", "(Keras's Multiply is the shorthand Times (ThreadingLayer('Times')) here)"),
    ("Dense", "(Keras's Dense is LinearLayer here)"),
    ("BatchNorm2d", "(torch's BatchNorm2d is BatchNormalizationLayer here)")])
def test_another_librarys_layer_name_as_a_shorthand_says_netgraphs_name_as_python_does(shorthand, hint):
    """`add: Add` said only "'Add' is not a layer" where NetChain(['Add']) names the shorthand Plus (found by QA
    writing a residual block from the README): the YAML shorthand now gives Python's hint."""
    errors = errors_of(f"netgraph: 1\nlayers:\n  a: 3\n  b: {shorthand}\ninputs: {{Input: 3}}\nedges: [Input -> a -> b]\n")
    assert errors == [f"<string>:4:6: layer 'b': {shorthand!r} is not a layer {hint}; write a mapping such as "
                      "{type: LinearLayer, output: 3}, or a shorthand (an int for LinearLayer, a function name such as "
                      "Tanh, a list for a NetChain)"]


@pytest.mark.parametrize("typed, meant", [("specs/vae.yam", "specs/vae.yaml"), ("specs/vae.yml", "specs/vae.yaml"),
                                          ("specs/vea.yaml", "specs/vae.yaml"), ("vae", "vae.yaml")])
def test_a_mistyped_spec_path_names_the_spec_file_beside_it_meant(typed, meant, tmp_path, monkeypatch):
    """`netgraph run specs/normal_reparameterization.yml` said only "no spec file": the .yaml beside it went unnamed."""
    for folder in (tmp_path, tmp_path / "specs"):
        folder.mkdir(exist_ok=True)
        (folder / "vae.yaml").write_text("netgraph: 1\nlayers: {a: Tanh}\ninputs: {Input: 2}\n")
        (folder / "vae.txt").write_text("not a spec")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(typed)
    assert str(info.value) == f"cannot read the spec: no spec file {typed!r} (did you mean {meant!r}?)"
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml("specs/nosuch.yaml")  # nothing close: no guess (".yaml" alone makes no likeness)
    assert str(info.value) == "cannot read the spec: no spec file 'specs/nosuch.yaml'"
