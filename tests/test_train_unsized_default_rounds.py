"""Data without a length (an iterable of batches with no ``__len__``) trains 10 rounds unless told otherwise; the
results' summary says that the 10 is that default, and a one-shot generator's refusal no longer says
"max_training_rounds=10" as if it had been given."""

from __future__ import annotations

import pytest

from netgraph import DataError
from netgraph.train import net_train
from netgraph.train.api import net_train as documented
from tests.test_train import known_function, mlp

DEFAULT = "10 rounds (default for data without a length)"


class Batches:
    """A re-iterable of 2 batch dicts without a length."""

    def __init__(self):
        self.x, self.y = known_function(8, 0)

    def __iter__(self):
        return iter([{"Input": self.x[:4], "Target": self.y[:4]}, {"Input": self.x[4:], "Target": self.y[4:]}])


def test_data_without_a_length_trains_10_rounds_and_the_summary_says_it_is_that_default():
    results = net_train(mlp(), Batches(), random_seed=0, progress=False, all=True)
    assert (results.total_rounds, results.reason_training_stopped) == (10, "MaxTrainingRounds")
    assert repr(results).startswith(f"NetTrainResults({DEFAULT}, 20 batches, loss ")


def test_rounds_given_or_data_with_a_length_are_summarised_without_the_default():
    given = net_train(mlp(), Batches(), max_training_rounds=10, random_seed=0, progress=False, all=True)
    x, y = known_function(8, 0)
    sized = net_train(mlp(), {"Input": x, "Target": y}, batch_size=4, random_seed=0, progress=False, all=True)
    for results in (given, sized):
        assert "default for data without a length" not in repr(results)
        assert repr(results).startswith(f"NetTrainResults({results.total_rounds} rounds, ")


def test_a_one_shot_generator_refused_says_the_10_rounds_are_the_default():
    x, y = known_function(8, 0)
    with pytest.raises(DataError, match=r"but 10 rounds would run \(the default for data without a length\); give"):
        net_train(mlp(), iter([{"Input": x, "Target": y}]), random_seed=0, progress=False)


def test_the_docstring_says_the_default_for_data_without_a_length():
    assert "10 for data without a length" in " ".join(documented.__doc__.split())
