"""Wolfram's ValidationSet -> Scaled[0.1], written in Python as ("Scaled", 0.1) or "Scaled[0.1]": one OptionError saying
the fraction itself is the option's value (it was "cannot make a tensor from str", or no data file 'Scaled[0.1]')."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, OptionError, net_train

DATA = {"Input": torch.randn(20, 2), "Output": torch.randn(20, 1)}


@pytest.mark.parametrize("given, shown", [(("Scaled", 0.1), "('Scaled', 0.1)"), (["Scaled", 0.25], "['Scaled', 0.25]"),
                                          ("Scaled[0.1]", "'Scaled[0.1]'"), (" Scaled[ 0.3 ] ", "' Scaled[ 0.3 ] '")])
def test_a_wolfram_scaled_fraction_says_to_pass_the_fraction(given, shown):
    fraction = given[1] if isinstance(given, (tuple, list)) else given.strip()[7:-1].strip()
    with pytest.raises(OptionError) as info:
        net_train(NetChain([LinearLayer(1)], input=2), DATA, validation_set=given, max_training_rounds=1, progress=False)
    assert str(info.value) == (f"validation_set={shown}: a fraction of the data to hold out is written "
                               f"validation_set={fraction} (Wolfram's Scaled[{fraction}])")
    assert info.value.diagnostics[0].option == "validation_set"

