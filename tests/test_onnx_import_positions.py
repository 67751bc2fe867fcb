"""import_onnx of a learned positional table sliced to the input's length (``self.pos[:, :x.shape[1]]``, as
transformers write it), exported by both of torch's exporters with a dynamic length: the imported net computes
what the module and onnxruntime compute at lengths other than the exported one, and keeps the table learnable
(fixed where the dynamo exporter marks it a buffer)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from netgraph import DataError, SpecError, import_onnx, net_train
from tests.onnx_helpers import quiet_exporter, run_onnx

ROWS, WIDTH = 12, 4


class LearnedPositions(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(WIDTH, WIDTH)
        self.pos = torch.nn.Parameter(torch.randn(1, ROWS, WIDTH))

    def forward(self, x):
        return torch.tanh(self.fc(x) + self.pos[:, :x.shape[1]])


class PositionRows(torch.nn.Module):
    """A (T, d) table without the leading 1, broadcast against (batch, n, d) (``through``: projected first)."""

    def __init__(self, through: bool = False):
        super().__init__()
        self.fc, self.through = torch.nn.Linear(WIDTH, WIDTH), through
        self.register_buffer("pe", torch.randn(ROWS, WIDTH))

    def forward(self, x):
        rows = self.pe[:x.size(1)]
        return x + self.fc(rows) if self.through else self.fc(x) * rows


class EmbeddedPositions(torch.nn.Module):
    """GPT's positions: an nn.Embedding's rows at ``torch.arange(n)``, broadcast against (batch, n, d)."""

    def __init__(self):
        super().__init__()
        self.fc, self.pos = torch.nn.Linear(WIDTH, WIDTH), torch.nn.Embedding(ROWS, WIDTH)

    def forward(self, x):
        return torch.tanh(self.fc(x) + self.pos(torch.arange(x.shape[1])))


def _export(module: torch.nn.Module, path, dynamo: bool):
    x = torch.randn(2, 5, WIDTH)
    with warnings.catch_warnings(), quiet_exporter():
        warnings.simplefilter("ignore")
        if dynamo:
            auto = torch.export.Dim.AUTO
            torch.onnx.export(module, (x,), str(path), dynamo=True, verbose=False, input_names=["x"],
                              dynamic_shapes={"x": {0: auto, 1: auto}})
        else:
            torch.onnx.export(module, (x,), str(path), dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {0: "batch", 1: "length"}})
    return path


@pytest.mark.parametrize("dynamo", [False, True])
@pytest.mark.parametrize("form", [LearnedPositions, PositionRows, EmbeddedPositions],
                         ids=["(1, T, d)", "(T, d)", "rows at arange(n)"])
def test_a_table_sliced_to_the_length_imports_computing_as_the_module_at_other_lengths(form, dynamo, tmp_path):
    torch.manual_seed(0)
    module = form().eval()
    path = _export(module, tmp_path / "m.onnx", dynamo)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no dims joined with a warning: the slice has the input's length
        net = import_onnx(path)
    for length in (3, 9, ROWS):
        x = torch.randn(2, length, WIDTH, generator=torch.Generator().manual_seed(length))
        with torch.no_grad():
            want = module(x)
        got = net(x=x)
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(torch.from_numpy(np.asarray(run_onnx(path, {"x": x})[0])), want,
                                   atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("dynamo", [False, True])
def test_the_imported_table_stays_learnable_and_a_length_past_it_is_refused(dynamo, tmp_path):
    torch.manual_seed(0)
    module = LearnedPositions().eval()
    net = import_onnx(_export(module, tmp_path / "m.onnx", dynamo))
    arrays = dict(net.compile().named_parameters())
    table = [value for name, value in arrays.items() if value.shape == (ROWS, WIDTH)]
    assert len(table) == 1 and table[0].requires_grad
    torch.testing.assert_close(table[0].detach(), module.pos.detach()[0])
    assert all(m != 0 for m in net.learning_rate_multipliers.values())  # nothing of the table is fixed
    with pytest.raises(DataError, match=rf"takes indices in \[0, {ROWS}\), found values from 0 to {ROWS}"):
        net(x=torch.randn(1, ROWS + 1, WIDTH))  # onnxruntime fails there too: the slice is shorter than x


def test_a_bare_table_used_otherwise_than_broadcast_stays_refused(tmp_path):
    """(n, d) rows projected on their own have no batch dim in ONNX: one (n, d) per example would differ."""
    with pytest.raises(SpecError, match=r"uses a size computed from it as data or an index"):
        import_onnx(_export(PositionRows(through=True).eval(), tmp_path / "m.onnx", dynamo=False))


@pytest.mark.parametrize("dynamo", [False, True])
def test_a_buffer_table_stays_fixed_in_training_where_the_export_says_it_is_a_buffer(dynamo, tmp_path):
    """The dynamo exporter marks ``pe`` a buffer (a fixed sinusoidal table, say): its rows get a learning-rate
    multiplier of 0 and training leaves them as exported, while the projection learns. The TorchScript exporter
    does not say, and the table stays learnable."""
    torch.manual_seed(0)
    net = import_onnx(_export(PositionRows().eval(), tmp_path / "m.onnx", dynamo))
    [port] = net.output_ports
    g = torch.Generator().manual_seed(1)
    data = {"x": torch.randn(16, 5, WIDTH, generator=g), port: torch.randn(16, 5, WIDTH, generator=g)}
    trained = net_train(net, data, max_training_rounds=3, batch_size=8)
    before, after = _arrays(net), _arrays(trained)
    moved = {shape: not torch.equal(before[shape], after[shape]) for shape in before}
    assert moved == {(ROWS, WIDTH): not dynamo, (WIDTH, WIDTH): True, (WIDTH,): True}


def _arrays(net) -> dict[tuple, torch.Tensor]:
    """The net's arrays by shape (the table's, the projection's weights and biases)."""
    return {tuple(v.shape): v.detach().clone() for v in net.compile().parameters()}


class PositionsThenHeads(torch.nn.Module):
    """nanoGPT's start: token plus position embeddings, then a view by the sizes read from the sum."""

    def __init__(self):
        super().__init__()
        self.tokens, self.pos = torch.nn.Embedding(20, WIDTH), torch.nn.Embedding(ROWS, WIDTH)
        self.norm = torch.nn.LayerNorm(WIDTH)

    def forward(self, idx):
        x = self.norm(self.tokens(idx) + self.pos(torch.arange(idx.shape[1])))
        b, n, c = x.size()
        return x.view(b, n, 2, c // 2).transpose(1, 2)


def test_positions_keep_the_length_for_the_sizes_read_after_them(tmp_path):
    # onnx's inference gives Range(0, n, 1) an unknown length, and so every tensor after the positions were added:
    # view(b, n, 2, c // 2) was refused as mixing the batch dim with others
    module, path = PositionsThenHeads().eval(), tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randint(0, 20, (2, 5)),), str(path), dynamo=False, input_names=["idx"],
                          dynamic_axes={"idx": {0: "batch", 1: "length"}})
    net = import_onnx(path)
    for length in (3, 9):
        idx = torch.randint(0, 20, (2, length), generator=torch.Generator().manual_seed(length))
        with torch.no_grad():
            torch.testing.assert_close(net(idx=idx), module(idx), atol=1e-5, rtol=1e-4)
