"""The fuzz suite runs under small limits: a random net within the default ones (arrays up to a quarter of the
machine's memory, ports up to 2**28 elements per example) can legitimately need gigabytes, which a shared CI
machine has not got; the limits themselves are tested in tests/test_limits.py."""

from __future__ import annotations

import pytest

import netgraph


@pytest.fixture(autouse=True)
def _small_limits():
    with netgraph.limits(init_elements=2**24, port_elements=2**20):
        yield
