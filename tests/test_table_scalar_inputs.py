"""A .csv's texts feed a ScalarEncoder input as the numbers they write ('1.5'), as its 'true' feeds a BooleanEncoder:
they were refused as "expected a number, found str '1.5'"."""

from __future__ import annotations

import decimal

import numpy as np
import pytest
import torch

from netgraph import ClassDecoder, LinearLayer, NetChain, ScalarEncoder, SoftmaxLayer, net_train
from netgraph.core.errors import DataError


def _net():
    return NetChain([LinearLayer(2), SoftmaxLayer()], input=ScalarEncoder(min=0, max=4),
                    output=ClassDecoder(["warm", "cold"]))


def _table(tmp_path, rows):
    path = tmp_path / "t.csv"
    path.write_text("text,label\n" + "".join(f"{text},{label}\n" for text, label in rows), encoding="utf-8")
    return path


def test_a_csv_of_numbers_trains_a_scalar_encoder_as_the_numbers_do(tmp_path):
    rows = [("1.5", "warm"), ("3", "cold"), (" 0.5", "warm"), ("4e0", "cold")]
    from_table = net_train(_net(), str(_table(tmp_path, rows)), max_training_rounds=3, batch_size=2, random_seed=0)
    from_numbers = net_train(_net(), [(float(text), label) for text, label in rows], max_training_rounds=3,
                             batch_size=2, random_seed=0)
    assert torch.equal(from_table(2.0, decoder=None), from_numbers(2.0, decoder=None))


def test_a_csv_text_that_is_no_number_is_refused_naming_its_line(tmp_path):
    path = _table(tmp_path, [("1.5", "warm"), ("hot", "cold")])
    with pytest.raises(DataError) as info:
        net_train(_net(), str(path), max_training_rounds=1, random_seed=0)
    assert str(info.value) == (f"bad training data: input port 'Input' (ScalarEncoder): example 1 ({path}:3, "
                               f"column 'text'): expected a number, found str 'hot'")


def test_a_csv_nan_is_refused_naming_its_line_as_an_infinity_is(tmp_path):
    """A NaN was refused by training's own check, with another message than an infinity's."""
    path = _table(tmp_path, [("1.5", "warm"), ("nan", "cold")])
    with pytest.raises(DataError) as info:
        net_train(_net(), str(path), max_training_rounds=1)
    assert info.value.kind == "encoding"
    assert f"example 1 ({path}:3, column 'text'): the number nan is not finite: a ScalarEncoder" in str(info.value)


@pytest.mark.parametrize("text", ["1e400", "-2.5e400", "1" + "0" * 400], ids=["1e400", "-2.5e400", "401 digits"])
def test_a_csv_number_beyond_float32_is_refused_as_the_number_given_is(tmp_path, text):
    path = _table(tmp_path, [("1.5", "warm"), (text, "cold")])
    with pytest.raises(DataError) as info:  # was inf: a TrainingError at round 1
        net_train(_net(), str(path), max_training_rounds=1, random_seed=0)
    with pytest.raises(DataError) as given:
        net_train(_net(), [(1.5, "warm"), (int(decimal.Decimal(text)), "cold")], max_training_rounds=1, random_seed=0)
    assert info.value.kind == given.value.kind == "encoding"
    shown = "an integer of 401 digits" if len(text) > 40 else f"the number {text}"  # '1e400' as written
    assert f"example 1 ({path}:3, column 'text'): {shown} lies beyond float32's" in str(info.value)
    said = str(info.value).split(":3, column 'text'): ")[1]
    assert str(given.value).endswith(said.replace(shown, "an integer of 401 digits"))


@pytest.mark.parametrize(("text", "hint"), [
    ("1,500", "thousands separators? write it as 1500"), ("1,234,567", "thousands separators? write it as 1234567"),
    ("-1,234.25", "thousands separators? write it as -1234.25"), ("1_000", "digit separators? write it as 1000"),
    ("１２", "digits of another script? write it as 12"), ("٣.٥", "digits of another script? write it as 3.5")])
def test_a_csv_number_with_separators_or_other_digits_is_refused_with_a_hint_writing_it_exactly(tmp_path, text, hint):
    """'1,234,567' was hinted as 1.23457e+06 (another number); '1_000' and '１２' had no hint."""
    path = tmp_path / "t.csv"
    path.write_text(f'text,label\n"{text}",warm\n2,cold\n', encoding="utf-8")
    with pytest.raises(DataError) as info:
        net_train(_net(), str(path), max_training_rounds=1, random_seed=0)
    assert str(info.value).endswith(f"found str {text!r} ({hint})")


@pytest.mark.parametrize("text", ["inf", "-Infinity"])
def test_a_csv_infinity_is_refused_before_training_naming_its_line(tmp_path, text):
    """'inf' passed the check (it looked for NaN only); training then stopped at round 1 with 'loss is nan'."""
    path = _table(tmp_path, [(text, "warm"), ("1", "cold")])
    with pytest.raises(DataError) as info:
        net_train(_net(), str(path), max_training_rounds=1, random_seed=0)
    assert info.value.kind == "encoding"
    assert f"example 0 ({path}:2, column 'text'): the number {float(text):g} is not finite" in str(info.value)


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), np.float32("nan")])
@pytest.mark.parametrize("bounds", [(None, None), (0, 4)])
def test_a_non_finite_number_given_to_a_scalar_encoder_is_a_data_error_as_1e39_is(value, bounds):
    """net(float("nan")) returned tensor(nan) silently, where an infinity was refused."""
    from netgraph import ElementwiseLayer
    net = NetChain([ElementwiseLayer("#")], input=ScalarEncoder(*bounds))
    with pytest.raises(DataError) as info:  # was tensor(nan) with min and max, inf without, silently
        net(value)
    assert info.value.kind == "encoding" and f"the number {value:g} is not finite" in str(info.value)


@pytest.mark.parametrize("text", ["1_000", "1_0.5", "１２", "٣", "\u200b1.5"],
                         ids=["underscores", "in a decimal", "fullwidth", "arabic-indic", "zero-width space"])
def test_a_csv_number_numpy_loadtxt_refuses_is_refused_naming_its_line_and_column(tmp_path, text):
    """Python's float() reads '1_000' as 1000 and '１２' as 12; numpy.loadtxt (and pandas) read no number there, and a
    .csv is no Python source: it trained as 1000."""
    with pytest.raises(ValueError):
        np.loadtxt([text], ndmin=1)  # the rule followed: what numpy reads from a .csv
    path = tmp_path / "t.csv"
    path.write_text(f"reading,label\n1.5,warm\n{text},cold\n", encoding="utf-8")
    from netgraph.data import text_table
    with pytest.raises(DataError) as info:
        net_train(_net(), text_table(path, text="reading"), max_training_rounds=1, random_seed=0)
    assert info.value.kind == "encoding"
    assert f"example 1 ({path}:3, column 'reading'): expected a number, found str {text!r}" in str(info.value)


@pytest.mark.parametrize("text", [" 1 ", "1e5", "+.5", "-2.", "1.5\xa0", "\u20031.5", "1.5\u3000"])
def test_a_csv_number_numpy_loadtxt_reads_trains_as_that_number(tmp_path, text):
    """Unicode spaces around a number (a spreadsheet's trailing no-break space) were refused as no number."""
    rows = [(text, "warm"), ("3", "cold")]
    from_table = net_train(_net(), str(_table(tmp_path, rows)), max_training_rounds=2, batch_size=2, random_seed=0)
    loaded = np.loadtxt([text], ndmin=1)[0]
    from_numbers = net_train(_net(), [(float(loaded), "warm"), (3.0, "cold")], max_training_rounds=2, batch_size=2,
                             random_seed=0)
    assert torch.equal(from_table(2.0, decoder=None), from_numbers(2.0, decoder=None))
