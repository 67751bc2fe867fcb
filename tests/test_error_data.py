"""A NetGraphError as plain data and back (``netgraph.core.error_data``): how the processes of a distributed run
raise the same error as the one that failed."""

from __future__ import annotations

import pickle

import torch

from netgraph.core.error_data import error_data, error_from_data
from netgraph.core.errors import (DataRef, Diagnostic, EdgePlace, EdgeRef, FrozenLayerError, NetGraphError,
                                  TrainingError, WiringError)

EDGE = EdgeRef(("enc",), 2, "a -> b -> c", 1, "b -> c")


def _plain_only(value) -> bool:
    if isinstance(value, dict):
        return all(type(k) is str and _plain_only(v) for k, v in value.items())
    if type(value) in (tuple, list):
        return all(_plain_only(v) for v in value)
    return type(value) in (type(None), bool, int, float, str)


def test_every_diagnostic_field_comes_back_from_plain_data():
    diagnostics = [Diagnostic.of("cycle", "edge ", EDGE, " at ", EdgePlace(EDGE), " closes a cycle", layer=("enc", "x"),
                                 port="Input", edge=2, option="o", graph=("enc",), detail="d", expected=(3, 4),
                                 found=[1, 2.5, None, True], data=DataRef("validation", "validation_set", "batch 3"),
                                 hint="h", example=7, hop=1, file="net.yaml", line=3, column=9),
                   Diagnostic("second", kind="shape")]
    error = WiringError("two problems", ["edge b -> c closes a cycle", "second"], diagnostics=diagnostics)
    data = error_data(error)
    assert _plain_only(data), data
    back = error_from_data(pickle.loads(pickle.dumps(data)))
    assert type(back) is WiringError
    assert (str(back), back.errors, back.diagnostics) == (str(error), error.errors, error.diagnostics)
    assert back.diagnostics[0].render(lambda ref: f"<{ref.index}>", lambda ref: "@") == "edge <2> at @ closes a cycle"


def test_a_value_of_another_type_arrives_as_its_text():
    error = TrainingError("nan", found=torch.Size([2, 3]), expected=torch.float32, kind="nan")
    back = error_from_data(error_data(error))
    assert back.diagnostics[0].found == (2, 3) and type(back.diagnostics[0].found) is tuple
    assert back.diagnostics[0].expected == "torch.float32" and back.diagnostics[0].kind == "nan"


def test_an_error_class_with_its_own_constructor_travels_as_its_plain_base():
    class Special(NetGraphError):
        def __init__(self, name: str):
            super().__init__(f"bad {name}", option=name)

    back = error_from_data(error_data(Special("seed")))
    assert type(back) is NetGraphError and back.diagnostics[0].option == "seed" and str(back) == "bad seed"
    frozen = error_from_data(error_data(FrozenLayerError("frozen", kind="frozen")))
    assert type(frozen) is FrozenLayerError


def test_a_class_name_that_is_no_netgraph_error_gives_a_training_error():
    data = dict(error_data(WiringError("w")), **{"class": "os.system"})
    back = error_from_data(data)
    assert type(back) is TrainingError and str(back) == "w"
