"""decoder=('TopDecisions', k) / ('TopProbabilities', k): the k numbers it takes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import ClassDecoder, OptionError
from netgraph.data import decode, parse_property


def test_a_top_property_takes_numpys_integers_as_k():
    """np.int64(2), as a loop over np.arange gives, was refused where 2 worked; numpy's bool is no k."""
    parsed = parse_property(("TopDecisions", np.int64(2)))
    assert parsed == ("TopDecisions", 2) and type(parsed[1]) is int
    probabilities = torch.tensor([[0.25, 0.5, 0.25]])
    assert decode(ClassDecoder(["a", "b", "c"]), "Output", probabilities, parse_property(("TopProbabilities",
                  np.int32(1)))) == [[("b", 0.5)]]
    for k in (np.int64(0), np.bool_(True)):
        with pytest.raises(OptionError, match="needs k a positive int"):
            parse_property(("TopDecisions", k))
