"""The command line's output-path errors have kinds and fields a program reads: "-o -", an empty -o and one ending
with a separator are "output-path" (the path found, a file name expected), an output that is the input file
"overwrites-input", and a --checkpoint or --tensorboard folder that cannot be one "unusable-folder" naming its option."""

from __future__ import annotations

import pytest

from netgraph.cli.flags import check_train_flags
from netgraph.cli.parser import build_parser
from netgraph.core.errors import OptionError
from netgraph.core.files import refuse_folder_name, refuse_overwriting
from tests.diagnostic_helpers import sole_diagnostic


@pytest.mark.parametrize("output", ["-", " ", "out/"])
def test_an_output_path_that_names_no_file_is_an_output_path(output):
    d = sole_diagnostic(lambda: refuse_folder_name(output, "-o", "net.svg"), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == ("output-path", "output", "a file name, e.g. net.svg", output)


def test_an_output_that_is_the_input_file_overwrites_the_input(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("layers: []\n")
    d = sole_diagnostic(lambda: refuse_overwriting(spec, spec, "-o"), OptionError)
    assert (d.kind, d.option, d.found) == ("overwrites-input", "output", str(spec))


@pytest.mark.parametrize("flag, option", [("--checkpoint", "checkpoint"), ("--tensorboard", "tensorboard")])
def test_a_folder_flag_that_cannot_be_a_folder_names_its_option(tmp_path, flag, option):
    blocker = tmp_path / "file"
    blocker.write_text("")
    args = build_parser().parse_args(["train", "s.yaml", "--data", "d.npz", flag, str(blocker / "x")])
    d = sole_diagnostic(lambda: check_train_flags(args), OptionError)
    assert (d.kind, d.option, d.found) == ("unusable-folder", option, str(blocker / "x"))
