"""The command line's flag errors say what they are: a kind, the flag's keyword as ``option``, and the value found."""

from __future__ import annotations

import argparse
import math

import pytest

from netgraph.cli.flags import check_train_flags
from netgraph.core.errors import OptionError

FLAGS = ("seed", "batch_size", "rounds", "nproc", "patience", "workers", "learning_rate", "time", "validation",
         "checkpoint", "output", "tensorboard", "device", "checkpoint_interval", "checkpoint_keep", "resume")


def _refusal(**given) -> object:
    args = argparse.Namespace(**{name: None for name in FLAGS} | given)
    with pytest.raises(OptionError) as info:
        check_train_flags(args)
    return info.value.diagnostics[0]


@pytest.mark.parametrize("given, kind, found", [
    ({"learning_rate": -1.0}, "option-value", -1.0),
    ({"time": math.inf}, "option-value", math.inf),
    ({"batch_size": 0}, "option-value", 0),
    ({"workers": -1}, "option-value", -1),
    ({"seed": -1}, "option-value", -1),
    ({"validation": "1.5"}, "option-value", "1.5"),
    ({"checkpoint": " "}, "unusable-folder", " "),
    ({"output": ""}, "unusable-folder", ""),
    ({"tensorboard": ""}, "unusable-folder", ""),
    ({"device": "tpu"}, "device-name", "tpu"),
    ({"checkpoint_interval": 0}, "option-value", 0),
    ({"checkpoint_keep": 2}, "option-combination", 2),  # without --checkpoint: no checkpoint to keep
])
def test_each_flag_error_has_a_kind_the_flag_and_the_value(given, kind, found):
    problem = _refusal(**given)
    assert (problem.kind, problem.option, problem.found) == (kind, next(iter(given)), found)
    assert problem.expected is not None or kind == "device-missing"
