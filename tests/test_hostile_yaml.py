"""Hostile spec files: each gets a SpecError quickly; never code execution, a hang or a crash."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import netgraph
from netgraph import DropoutLayer, FunctionLayer, LinearLayer, NetGraph, OptionError, SpecError, load, net_initialize, save
from netgraph.spec import yaml_nodes

HEAD = "netgraph: 1\nlayers:\n"


@pytest.fixture(autouse=True)
def _each_yaml_loader(yaml_loader):
    """Every test here runs with each YAML loader."""


def refused(text: str, *fragments: str, limit: float = 1.5) -> str:
    """Assert loading ``text`` raises SpecError mentioning every fragment within ``limit`` CPU seconds (CPU time, so
    a loaded machine does not fail it; a hang or a blow-up still does)."""
    start = time.process_time()
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    elapsed = time.process_time() - start
    assert elapsed < limit, f"took {elapsed:.2f}s"
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message}"
    return message


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:builtins.object {{}}",
    "!custom {{a: 1}}",
    "!!binary aGVsbG8=",
    "!!set {{a, b}}",
    "!!timestamp 2001-12-14",
])
def test_yaml_tags_are_refused_and_never_run(tag, tmp_path):
    marker = tmp_path / "executed"
    text = HEAD + f"  a: {tag.format(marker=marker)}\n"
    refused(text, "<string>:3:6: YAML tag", "is not allowed")
    assert not marker.exists()


def test_tags_on_keys_and_whole_documents_are_refused(tmp_path):
    marker = tmp_path / "executed"
    refused(f"!!python/object/apply:os.system ['touch {marker}']\n", "YAML tag")
    refused(HEAD + f"  ? !!python/object/apply:os.system ['touch {marker}']\n  : Tanh\n", "YAML tag")
    assert not marker.exists()


def test_billion_laughs_is_refused_before_expansion():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    bomb = "\n".join(lines) + "\nnetgraph: 1\nlayers: {x: {type: NetArrayLayer, array: *a9}}\n"
    refused(bomb, "aliases expand to more than", "alias bomb", limit=1.0)



def test_a_long_list_is_refused_where_it_passes_the_yaml_nodes_limit_without_reading_on_or_blaming_aliases():
    """Past yaml_nodes the file is refused at once, at the value that passed it (a syntax error after it is never
    reached), and a file without aliases is not told about alias bombs."""
    with netgraph.limits(yaml_nodes=1000):
        message = refused("netgraph: 1\nname: [" + "1, " * 5000 + "1]]\n", "<string>:2:", "more than 1000 values",
                          "yaml_nodes", limit=1.0)
    assert "alias" not in message and "invalid YAML" not in message
    past = 1001 - 3  # the list item that is value 1001 ('netgraph', 1 and 'name' come before the list)
    assert message.startswith(f"<string>:2:{len('name: [') + 1 + 3 * (past - 1)}: ")


def test_a_long_file_ending_in_a_syntax_error_is_not_parsed_again_by_the_slow_pure_parser(yaml_loader, monkeypatch):
    """libyaml's refusal of a long file stands: reading it again with PyYAML's pure parser (the reference for short
    texts) took about five times as long as reading a valid file of that size. A refusal near the start is read
    again (the pure parser reaches it soon)."""
    loaders, read = [], yaml_nodes._read

    def spy(text, file, problems, loader_class):
        loaders.append(loader_class)
        return read(text, file, problems, loader_class)
    monkeypatch.setattr(yaml_nodes, "_read", spy)
    for body, read_by in (("netgraph: 1\nname: [" + "1, " * 100_000 + "1]]\n", [yaml_loader]),
                          ("netgraph: 1\nname: [1]]\n" + "# padding\n" * 10_000, [yaml_loader, "pure"])):
        loaders.clear()
        with pytest.raises(SpecError, match="invalid YAML"):
            NetGraph.from_yaml(body)
        assert loaders == [yaml_nodes.LOADERS[kind] for kind in dict.fromkeys(read_by)]


def test_alias_cycles_are_refused():
    refused(HEAD + "  a: &x [1, *x]\n", "an alias refers to a value that contains it")


def test_deep_nesting_is_refused():
    refused(HEAD + "  a: {type: NetArrayLayer, array: " + "[" * 100_000 + "]" * 100_000 + "}\n", "nested deeper than 100")
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(1000))
    refused(block, "nested deeper than 100")


def test_aliases_count_as_deep_as_their_values():
    """Each alias nests its anchor's value one level deeper: a chain of them is refused at the expanded depth,
    before anything downstream walks the values recursively."""
    text = "a0: &a0 " + "[" * 60 + "1" + "]" * 60 + "\n"
    text += "".join(f"a{i}: &a{i} " + "[" * 30 + f"*a{i - 1}" + "]" * 30 + "\n" for i in range(1, 40))
    # a1's alias sits at depth 32 and reaches 32 + 60 = 92; a2's (line 6, after 8 + 30 characters) 32 + 90 = 122
    refused(HEAD + "  x: Tanh\n" + text, "<string>:6:39: nested deeper than 100 levels (with aliases expanded)")


def test_scalars_a_tag_cannot_read_and_undefined_aliases_are_located():
    refused(HEAD + "  a: {type: LinearLayer, output: !!bool maybe}\n", "<string>:3:41: cannot read 'maybe' as bool")  # at 'maybe'
    message = refused(HEAD + "  a: *nowhere\n", "<string>:3:6: invalid YAML: found undefined alias 'nowhere'")
    assert "indentation" not in message


def test_huge_numbers_are_refused():
    refused(HEAD + "  a: {type: LinearLayer, output: " + "9" * 5000 + "}\n", "out of range", "fit in 64 bits")
    refused(HEAD + "  a: {type: LinearLayer, output: 99999999999999999999999}\n", "out of range")
    refused(HEAD + "  a: {type: LinearLayer, output: 1.0e+400}\n", "option output= must be an int")
    refused(HEAD + "  a: {type: LinearLayer, output: 10000000000}\ninputs: {Input: 4}\n", "is too large")
    refused(HEAD + "  a: {type: RandomArrayLayer, distribution: {type: NormalDistribution, args: [0, 1]},"
                   " output: [100000, 100000, 1000]}\n", "is too large")


@pytest.mark.parametrize("expression, fragment", [
    ("#a.real", "unknown name 'real'"),                  # no attribute access: '.' is Wolfram's Dot
    ("#a + #b.__class__", "names may not start with '_'"),  # dunders
    ("#__globals__", "may not start with '_'"),
    ("(lambda x: x)(#a)", "at column"),                   # lambdas
    ("[x for x in #a]", "at column"),                      # comprehensions
    ("__import__('os').system('echo hi')", "at column"),   # imports
    ("Exp[#a] + eval[#b]", "unknown function 'eval'"),
    ("#a ^ (9^9^9^9)", "overflows to infinity"),          # enormous exponents
    ("#a * 10^99999999999", "overflows to infinity"),
    ("#a" + " + #a" * 2000, "longer than 2000 characters"),
    ("(" * 500 + "#a" + ")" * 500, "expression"),
])
def test_hostile_expressions_are_refused(expression, fragment):
    text = HEAD + "  f: {type: FunctionLayer, function: " + repr(expression).replace("\\'", "''") + "}\n"
    message = refused(text, fragment)
    assert message.startswith("<string>:3:")


@pytest.mark.parametrize("expression", ["#a * 1e400", "#a * 1e400 + Infinity", "#a * 10^400", "Exp[1000] + #a"])
def test_an_overflowing_constant_is_refused_as_in_python(expression):
    """A spec refused these (except with 'Infinity' written anywhere) and FunctionLayer(...) in Python took inf."""
    with pytest.raises(OptionError) as info:
        FunctionLayer(expression)
    message = refused(HEAD + f"  f: {{type: FunctionLayer, function: '{expression}'}}\n", "overflows to infinity")
    assert message.splitlines()[0].endswith(f"layer 'f': {str(info.value).splitlines()[0]}")  # the caret indented


def test_a_float_option_that_overflows_reads_as_in_python():
    """1e400 is inf in Python and in a spec (YAML 1.2 core schema) alike: the layer decides, both ways (the spec's
    problem shows the number as written: found 1e400, where Python has only the inf)."""
    with pytest.raises(OptionError) as info:
        DropoutLayer(1e400)
    assert str(info.value).replace("found inf", "found 1e400") in \
        refused(HEAD + "  d: {type: DropoutLayer, p: 1e400}\n", "DropoutLayer")


def test_file_references_to_devices_and_bombs_are_refused(tmp_path):
    refused(HEAD + "  a: {file: /dev/zero}\n", "leaves this spec's folder")  # never opened
    for i in range(40):  # every file refers to the next twice: 2**40 reads without a limit
        nxt = f"f{i + 1}.yaml" if i < 39 else None
        body = "  x: Tanh\n" if nxt is None else f"  a: {{file: {nxt}}}\n  b: {{file: {nxt}}}\n"
        (tmp_path / f"f{i}.yaml").write_text(HEAD + body + ("edges: [a -> b]\n" if nxt else ""))
    start = time.process_time()
    with pytest.raises(SpecError, match="more than 500 spec files read"):
        NetGraph.from_yaml(tmp_path / "f0.yaml")
    assert time.process_time() - start < 5


def test_arrays_pointing_at_devices_are_refused(tmp_path):
    (tmp_path / "net.yaml").write_text("netgraph: 1\narrays: /dev/zero\nlayers: {a: Tanh}\n")
    with pytest.raises(SpecError, match=r"net\.yaml:2:9: cannot read the arrays file '/dev/zero'"):
        NetGraph.from_yaml(tmp_path / "net.yaml", allow_outside=True)


def test_arrays_are_read_only_from_inside_the_spec_folder_as_file_references_are(tmp_path):
    (tmp_path / "specs").mkdir()
    save(net_initialize(NetGraph({"a": LinearLayer(4)}, [], Input=3), seed=0), tmp_path / "m.yaml")
    (weights,) = tmp_path.glob("*.safetensors")
    for target in (f"../{weights.name}", str(weights), "../../../etc/passwd"):
        (tmp_path / "specs" / "s.yaml").write_text(f"netgraph: 1\narrays: {target}\nlayers:\n  a: {{type: LinearLayer, "
                                                   f"output: 4}}\ninputs: {{Input: 3}}\n")
        with pytest.raises(SpecError) as info:
            NetGraph.from_yaml(tmp_path / "specs" / "s.yaml")
        assert str(info.value).startswith(f"{tmp_path / 'specs' / 's.yaml'}:2:9: 'arrays: {target}' leaves this spec's "
                                          f"folder"), str(info.value)
        assert "allow_outside=True" in str(info.value) and "bytes" not in str(info.value)
    (tmp_path / "specs" / "s.yaml").write_text((tmp_path / "m.yaml").read_text().replace("arrays: ", "arrays: ../"))
    assert load(tmp_path / "specs" / "s.yaml", allow_outside=True) == load(tmp_path / "m.yaml")
    assert NetGraph.from_yaml(tmp_path / "specs" / "s.yaml", base_dir=tmp_path) == load(tmp_path / "m.yaml")


def test_binary_garbage_and_odd_encodings_are_spec_errors(tmp_path):
    (tmp_path / "bin.yaml").write_bytes(bytes(range(256)) * 4)  # bytes 14..127 on line 3 ('\r' breaks one), then 0x80
    with pytest.raises(SpecError, match=r"bin\.yaml:3:115: byte 0x80 is not UTF-8 text"):
        NetGraph.from_yaml(tmp_path / "bin.yaml")
    refused("\x00\x01netgraph: 1", "invalid YAML")
    refused("netgraph: 1\nlayers: {a: Tanh}\n---\nnetgraph: 1\n", "holds one YAML document")


def test_a_bad_byte_or_control_character_is_reported_at_its_line_and_byte_order_marks_are_honoured(tmp_path):
    path = tmp_path / "n.yaml"
    path.write_bytes(b"netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 3}\n  b: \x80\n")
    with pytest.raises(SpecError, match=r"n\.yaml:4:6: byte 0x80 is not UTF-8 text; a spec is UTF-8 \(or UTF-16/32"):
        NetGraph.from_yaml(path)
    with pytest.raises(SpecError, match=r"^<string>:4:6: byte 0x80"):
        NetGraph.from_yaml(path.read_bytes())
    refused("netgraph: 1\nlayers:\n  a: 3\x00\ninputs: {Input: 2}\n", "<string>:3:7: invalid YAML: character #x0000")
    text = "netgraph: 1\nlayers:\n  a: {type: LinearLayer, output: 3}  # é\ninputs: {Input: 2}\n"
    for encoding in ("utf-8-sig", "utf-16", "utf-16-be", "utf-32"):
        raw = text.encode(encoding)
        path.write_bytes(raw if encoding != "utf-16-be" else b"\xfe\xff" + raw)
        assert NetGraph.from_yaml(path).output_shapes == {"Output": (3,)}, encoding
    path.write_bytes(b"\xff\xfe" + b"n\x00e\x00\x00\xd8")  # a UTF-16 BOM, then a lone surrogate
    with pytest.raises(SpecError, match="starts with a UTF-16 byte-order mark but does not decode as UTF-16"):
        NetGraph.from_yaml(path)


def test_a_referenced_file_that_is_no_spec_is_refused_without_repeating_it(tmp_path):
    (tmp_path / "creds.yaml").write_text("aws_secret_access_key: wJalrXUtnFEMI\npassword: hunter2\n")
    (tmp_path / "creds2.yaml").write_text("netgraph: wJalrXUtnFEMI\nlayers:\n  a: {type: hunter2}\n")
    (tmp_path / "main.yaml").write_text("netgraph: 1\nlayers:\n  a: {file: creds.yaml}\n  b: {file: creds2.yaml}\n"
                                        "inputs: {Input: 3}\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(tmp_path / "main.yaml")
    message = str(info.value)
    assert "creds.yaml:1:1: not a netgraph spec: it has no 'netgraph: 1' line" in message
    assert "creds2.yaml:1:1: not a netgraph spec" in message
    assert not [s for s in ("aws_secret", "password", "wJalrXUtnFEMI", "hunter2") if s in message], message


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_file_reference_to_a_device_or_a_folder_says_what_it_is(tmp_path):
    (tmp_path / "d.yaml").mkdir()
    (tmp_path / "s.yaml").write_text("netgraph: 1\nlayers:\n  a: {file: /dev/zero}\n  b: {file: d.yaml}\n")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(tmp_path / "s.yaml", allow_outside=True)
    assert "s.yaml:3:13: 'file:' names a spec file; '/dev/zero' is not a regular file (a device" in str(info.value)
    assert "s.yaml:4:13: 'file:' names a spec file; " in str(info.value) and "d.yaml' is a folder" in str(info.value)
    with pytest.raises(SpecError, match="'/dev/zero' is not a regular file"):
        NetGraph.from_yaml(Path("/dev/zero"))


def test_many_errors_do_not_take_long_and_reading_stops_at_a_hundred():
    text = HEAD + "".join(f"  l{i}: {{type: LinearLayr{i}, output: 3}}\n" for i in range(2000))
    message = refused(text, "100 problems", "reading stopped at 100 problems; there may be more", limit=5)
    assert message.count("unknown layer type") == 100 and len(message) < 20_000
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    assert (info.value.complete, info.value.problem_count) == (False, None)  # how many in all is not known


def test_an_alias_of_a_huge_value_is_not_repeated_in_full():
    """50 aliases of a 1 MB layer type: the message cuts the value (no did-you-mean over it), told once at the anchor
    with the first few uses: short and fast."""
    text = "netgraph: 1\nname: &b " + "x" * 1_000_000 + "\nlayers:\n" + "".join(f"  l{i}: {{type: *b}}\n" for i in range(50))
    message = refused(text, "layer 'l0': unknown layer type 'xxx", "xxx' (1000000 characters)",
                      "; the same for layers 'l1' (5:3), 'l2' (6:3), ", "... (49 in all), which take this value through")
    assert message.count("unknown layer type") == 1  # told once, at the anchor
    assert len(message) < 2_000  # the type shortened as the message names it (it was cut at 30,000 afterwards)


def test_thousands_of_duplicate_keys_are_refused_at_once_in_one_short_message():
    message = refused(HEAD + "  a: Tanh\n" * 300_000, "more than 100 duplicate keys (the first at line 4)", limit=1)
    assert message.startswith("<string>:104:3: ") and "\n" not in message


def test_no_import_paths_or_code_objects_can_be_named():
    """A TorchLayer needs a live torch module: a spec cannot name one by import path (unlike Hydra's _target_)."""
    message = refused(HEAD + "  t: {type: TorchLayer, module: os.system}\n  n: NetGraph\n")
    assert "<string>:3:33: layer 't': TorchLayer needs a torch.nn.Module, found str" in message
    assert "<string>:4:6: layer 'n': 'NetGraph' is not a layer by its name alone (it needs options): write it as " \
           "{type: NetGraph, ...}" in message


def test_the_command_line_widens_where_file_references_may_read_only_when_asked(tmp_path, capsys):
    from netgraph.cli import main
    (tmp_path / "a").mkdir()
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "block.yaml").write_text("netgraph: 1\ntype: NetChain\nlayers: [3, Tanh]\n")
    spec = tmp_path / "a" / "net.yaml"
    spec.write_text("netgraph: 1\nlayers:\n  b: {file: ../parts/block.yaml}\ninputs: {Input: 2}\n")
    assert main(["check", str(spec)]) == 1
    assert "leaves this spec's folder" in capsys.readouterr().err
    assert main(["check", str(spec), "--base-dir", str(tmp_path / "a")]) == 1  # not wide enough
    assert "(command line: --allow-outside or --base-dir DIR)" in capsys.readouterr().err
    assert main(["check", str(spec), "--base-dir", str(tmp_path)]) == 0
    assert main(["check", str(spec), "--allow-outside"]) == 0
    assert "ok, inputs Input (2) -> outputs Output (3)" in capsys.readouterr().out
    assert main(["check", str(spec)]) == 1  # the flags hold for their command only
    assert NetGraph.from_yaml(spec, base_dir=tmp_path).output_shapes == {"Output": (3,)}


def test_a_file_of_900k_one_line_layers_is_refused_at_the_yaml_layers_limit_without_reading_it_all():
    text = HEAD + "".join(f"  l{i}: Tanh\n" for i in range(900_000))  # 14 MB: under yaml_bytes and yaml_nodes
    # the pure parser reads all 900,000 layers in ~45 CPU s, the first 100,000 (the default limit) in ~5: a limit of
    # 1,000 proves the same (the file is refused as its parser reaches the limit) in 1/100 of the time
    with netgraph.limits() as default:
        assert default.yaml_layers == 100_000
    with netgraph.limits(yaml_layers=1000):
        refused(text, "<string>:1003:3: more than 1000 layers (the yaml_layers limit")
    nets = "netgraph: 1\nnets:\n  b: {type: NetChain, layers: [Tanh, Tanh, Tanh, Tanh, Tanh]}\nlayers:\n"
    with netgraph.limits(yaml_layers=30):
        refused(nets + "  - {ref: b}\n" * 10, "more than 30 layers, counting nested nets, 'ref:' uses")
        refused(HEAD + "".join(f"  l{i}: Tanh\n" for i in range(31)), "more than 30 layers")
        assert len(NetGraph.from_yaml(HEAD + "".join(f"  l{i}: Tanh\n" for i in range(30)) + "inputs: {Input: 2}\n").layers) == 30


def test_a_tag_after_an_anchor_is_refused_at_the_tag():
    refused(HEAD + "  a: &x !!python/object:os.system 3\n", "<string>:3:9: YAML tag '!!python/object:os.system'")
