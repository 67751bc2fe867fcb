"""net_train's number options refused as Diagnostic fields (option, kind, expected, found, detail), so the command
line names the flag the user typed (--batch-size) from them, as it does --stop-on, with no message parsing."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, OptionError, net_train
from netgraph.cli.train import worded_by_flags
from netgraph.train.options import check_number
from tests.diagnostic_helpers import sole_diagnostic


def _train(**options):
    x = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    net_train(NetChain([LinearLayer(1)], input=2), {"Input": x, "Output": x[:, :1]}, progress=False, **options)


@pytest.mark.parametrize("options, option, expected, found", [
    ({"batch_size": 0}, "batch_size", "an integer > 0", 0),
    ({"batch_size": 2.5}, "batch_size", "an integer > 0", 2.5),
    ({"max_training_rounds": -1}, "max_training_rounds", "an integer > 0", -1),
    ({"learning_rate": -0.1}, "learning_rate", "a number >= 0", -0.1),
    ({"max_training_time": 0}, "max_training_time", "a number > 0", 0),
    ({"num_workers": -1}, "num_workers", "an integer >= 0", -1),
    ({"distributed_timeout": 1e30}, "distributed_timeout", "at most 8.64e+13 seconds", 1e30),
    ({"learning_rate_multipliers": {"1": -1}}, "learning_rate_multipliers", "a number >= 0", -1),
])
def test_a_refused_number_names_its_option_and_values(options, option, expected, found):
    d = sole_diagnostic(lambda: _train(**options), OptionError)
    assert (d.option, d.kind, d.expected, d.found) == (option, "option-value", expected, found), d
    assert str(d.message).endswith(d.detail) and d.detail.startswith("must be")


def test_an_unhashable_value_is_kept_as_its_repr():
    d = sole_diagnostic(lambda: check_number([1, 2], "batch_size", integer=True), OptionError)
    assert (d.option, d.found) == ("batch_size", "[1, 2]")
    hash(d)


@pytest.mark.parametrize("options, flag", [({"batch_size": 0}, "--batch-size"), ({"max_training_rounds": 0}, "--rounds"),
                                           ({"learning_rate": -1}, "--learning-rate"), ({"num_workers": -1}, "--workers"),
                                           ({"max_training_time": -1}, "--time")])
def test_the_command_line_words_net_trains_number_refusal_by_its_flag(options, flag):
    with pytest.raises(OptionError) as caught:
        _train(**options)
    worded = worded_by_flags(caught.value)
    assert str(worded).startswith(f"{flag} must be "), str(worded)
    assert worded.diagnostics[0].option == caught.value.diagnostics[0].option
