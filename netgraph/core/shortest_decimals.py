"""The shortest decimals of float16 and float32 values, as numpy writes them (``array.astype(str)``), computed on
whole arrays: numpy's writing goes element by element (about 0.8 s of CPU per million float32 elements).

For a number of significant digits, the two decimals of that many digits around a value are its candidates (an
integer ``m`` times a power of ten, as float64 ``m / 10**k`` or ``m * 10**k``: one correctly rounded operation on
exact operands, so the float64 nearest the decimal). A decimal that reads back as the value still does with more
digits, so the fewest digits that read back are found by bisection, from 1 to 9; of that many digits' two
candidates, the nearer one that reads back is the value's shortest decimal. Values this cannot settle exactly (a power of ten beyond
10**22, a near tie between the two candidates) are written by numpy, as before.

>>> shortest_decimals(np.array([0.1, -2.5e-7, 1 / 3, 3e38], np.float32)).tolist()
[0.1, -2.5e-07, 0.33333334, 3e+38]
"""

from __future__ import annotations

import numpy as np

__all__ = ["shortest_decimals"]

_EXACT_POWER = 22  # 10**22 is the largest power of ten a float64 holds exactly
_DIGITS = 9  # a float32 needs at most 9 significant digits (a float16 5)


def shortest_decimals(array: np.ndarray) -> np.ndarray:
    """Each finite, non-zero element of a float16 or float32 ``array`` as the float64 of its shortest decimal, as
    ``array.astype(str).astype(np.float64)`` gives it (a zero, infinity or NaN as it is)."""
    with np.errstate(invalid="ignore", over="ignore"):  # a signalling NaN widened, a candidate beyond float16
        return _shortest(array)


def _shortest(array: np.ndarray) -> np.ndarray:
    flat = array.reshape(-1)
    result = flat.astype(np.float64)
    todo = np.flatnonzero(np.isfinite(result) & (result != 0))
    narrow, magnitude = np.abs(flat[todo]), np.abs(result[todo])
    exponent = np.floor(np.log10(magnitude))
    exponent -= np.power(10.0, exponent) > magnitude  # log10 rounded up across a power of ten
    exponent += np.power(10.0, exponent + 1) <= magnitude
    fewest, most = np.ones(todo.size, np.int64), np.full(todo.size, _DIGITS)
    unsure = np.zeros(todo.size, bool)
    while (open_ := fewest < most).any():  # a decimal that reads back does with more digits too: bisect
        middle = (fewest + most) // 2
        found, _, unsettled = _candidates(magnitude, middle - 1 - exponent, array.dtype, narrow)
        most, fewest = np.where(open_ & found, middle, most), np.where(open_ & ~found, middle + 1, fewest)
        unsure |= open_ & unsettled
    found, values, unsettled = _candidates(magnitude, fewest - 1 - exponent, array.dtype, narrow)
    unsure |= ~found | unsettled
    result[todo] = np.copysign(values, result[todo])
    unsure = todo[unsure]  # a value float64 cannot settle: numpy writes it
    result[unsure] = flat[unsure].astype(str).astype(np.float64)
    return result.reshape(array.shape)


def _candidates(magnitude: np.ndarray, shift: np.ndarray, dtype: np.dtype, narrow: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(where a decimal of ``magnitude * 10**shift`` rounded to an integer reads back as ``narrow``, its float64,
    where float64 cannot tell: a power of ten it does not hold exactly, or a near tie)."""
    safe = np.abs(shift) <= _EXACT_POWER
    power = np.power(10.0, np.abs(np.where(safe, shift, 0)))
    up = shift >= 0
    scaled = np.where(up, magnitude * power, magnitude / power)
    low, high = np.floor(scaled), np.ceil(scaled)
    low_value, high_value = (np.where(up, m / power, m * power) for m in (low, high))
    low_ok = (low_value.astype(dtype) == narrow) & (low > 0)
    high_ok = high_value.astype(dtype) == narrow
    gap_low, gap_high = scaled - low, high - scaled
    tie = low_ok & high_ok & (np.abs(gap_low - gap_high) < 1e-6)  # too near to choose in float64: numpy's
    chosen = np.where(low_ok & (~high_ok | (gap_low < gap_high)), low_value, high_value)
    unsettled = ~safe | tie
    return (low_ok | high_ok) & ~unsettled, chosen, unsettled
