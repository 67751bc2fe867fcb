"""A torch Dataset whose items hold different keys is a DataError (kind example-keys) naming the odd item by its
index in the Dataset with the keys expected and found, as a list of example dicts in that state is; an extra key was
dropped silently (torch's collation keys a batch by its first item) and a missing one was torch's bare KeyError."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError
from netgraph.train import net_train
from tests.test_train import known_function, mlp

ODD = 11


class Items(torch.utils.data.Dataset):
    """16 example dicts of Input and Target; item ``odd`` holds ``extra`` too, and lacks ``dropped``."""

    def __init__(self, odd: int, extra: dict, dropped: str | None = None):
        self.x, self.y = known_function(16, 0)
        self.odd, self.extra, self.dropped = odd, extra, dropped

    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> dict:
        item = {"Input": self.x[i], "Target": self.y[i]}
        if i == self.odd:
            item = {k: v for k, v in {**item, **self.extra}.items() if k != self.dropped}
        return item


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("odd", [0, ODD])
@pytest.mark.parametrize("held_out", [None, 0.25])
def test_an_item_with_an_extra_key_is_named_by_its_index(seed, odd, held_out):
    torch.manual_seed(seed)  # the shuffles: the item comes first in its batch or not
    with pytest.raises(DataError) as info:
        net_train(mlp(), Items(odd, {"Extra": torch.zeros(1)}), batch_size=4, random_seed=seed,
                  validation_set=held_out, max_training_rounds=2, progress=False)
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.expected, problem.found) == \
        ("example-keys", odd, ("Input", "Target"), ("Input", "Target", "Extra"))
    assert f"example {odd} has ['Input', 'Target', 'Extra']" in str(info.value)


@pytest.mark.parametrize("seed", [0, 1])
def test_an_item_missing_a_key_is_named_by_its_index(seed):
    torch.manual_seed(seed)
    with pytest.raises(DataError) as info:
        net_train(mlp(), Items(ODD, {}, dropped="Target"), batch_size=4, random_seed=seed, max_training_rounds=2,
                  progress=False)
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.expected, problem.found) == \
        ("example-keys", ODD, ("Input", "Target"), ("Input",))
    assert f"most items of its batch have ['Input', 'Target'], example {ODD} has ['Input']" in str(info.value)


def test_a_list_of_example_dicts_in_that_state_says_the_same():
    x, y = known_function(16, 0)
    examples = [{"Input": x[i], "Target": y[i]} for i in range(16)]
    examples[ODD]["Extra"] = torch.zeros(1)
    with pytest.raises(DataError) as info:
        net_train(mlp(), examples, batch_size=4, max_training_rounds=1, progress=False)
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.found) == ("example-keys", ODD, ("Input", "Target", "Extra"))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("extra, dropped", [({"Extra": torch.zeros(1)}, None), ({}, "Target")])
def test_a_batch_whose_items_all_hold_other_keys_than_the_first_batch_s_is_named(seed, extra, dropped):
    """Found in review: items were compared within their batch only, so a whole batch (here one item) holding an
    extra key or lacking one passed (to the net's own check, which names no item). The first batch's keys are the
    ones the others must hold: the seeds draw item ODD later."""
    torch.manual_seed(seed)
    with pytest.raises(DataError) as info:
        net_train(mlp(), Items(ODD, extra, dropped), batch_size=1, random_seed=seed, max_training_rounds=2,
                  progress=False)
    problem = info.value.diagnostics[0]
    odd_keys = tuple(k for k in ("Input", "Target", *extra) if k != dropped)
    assert (problem.kind, problem.example, problem.expected, problem.found) == \
        ("example-keys", ODD, ("Input", "Target"), odd_keys)
    assert "the first batch's items (item " in str(info.value)


def test_an_odd_item_of_an_unnumbered_batch_is_named_by_its_place_in_the_batch():
    """Found in review: without the items' indices in the Dataset, the place in the batch was called 'example 1'."""
    from netgraph.train.datasets import _collate
    items = [{"Input": torch.zeros(2)}, {"Input": torch.zeros(2), "Extra": torch.zeros(1)}, {"Input": torch.ones(2)}]
    with pytest.raises(DataError, match=r"entry 1 of the batch has \['Input', 'Extra'\]") as info:
        _collate(items, "training data")
    assert info.value.diagnostics[0].example is None and info.value.kind == "example-keys"


@pytest.mark.parametrize("first, later", [([5], [2]), ([5, 9], [2, 3])])
def test_a_first_batch_of_odd_items_is_named_beside_the_later_item(first, later):
    """Found in session 41: the first batch's keys are the reference, so where it holds the odd items alone (one
    item, here item 5 with an extra key), the next normal item was named as odd and item 5 not at all. Which is odd
    cannot be told from two batches: the refusal names both."""
    from netgraph.train.datasets import _Collate, _NumberedItems
    collate = _Collate("training data")
    collate(_NumberedItems([{"Input": torch.zeros(2), "Extra": torch.zeros(1)} for _ in first], first))
    with pytest.raises(DataError) as info:
        collate(_NumberedItems([{"Input": torch.ones(2)} for _ in later], later))
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.expected, problem.found) == \
        ("example-keys", later[0], ("Input", "Extra"), ("Input",))
    items = f"item {first[0]}" if len(first) == 1 else f"items {', '.join(map(str, first))}"
    assert f"the first batch's items ({items} of the Dataset) have ['Input', 'Extra'], example {later[0]} has " \
           f"['Input']" in str(info.value)


class _CountedKeys(dict):
    """An item that counts how often its keys are compared."""

    compared = 0

    def keys(self):
        type(self).compared += 1
        return super().keys()


def test_an_items_keys_are_compared_once_per_read_not_once_per_column():
    """Found in review: each column read compared the item's keys again (and built item 0's set again)."""
    from netgraph.train.item_columns import item_columns

    class Counted(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int) -> dict:
            return _CountedKeys(Input=i, Target=-i, Weight=1) if i != 3 else _CountedKeys(Input=i, Odd=0)

    columns = item_columns(Counted(), ["Input", "Target", "Weight"], first=Counted()[0])
    _CountedKeys.compared = 0
    assert [columns[key][2] for key in ("Input", "Target", "Weight")] == [2, -2, 1]
    assert _CountedKeys.compared == 1
    for _ in range(2):  # refused each time it is read, as before
        with pytest.raises(DataError) as info:
            columns["Target"][3]
        assert info.value.kind == "example-keys" and info.value.diagnostics[0].example == 3
