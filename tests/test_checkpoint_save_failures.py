"""Saved nets and training checkpoints under failure: files that are not regular files, writes that fail midway,
and arrays that do not fit; each one clear NetGraphError naming the file, never a hang or a stray file."""

from __future__ import annotations

import errno
import os
import pickle
import re
import threading

import pytest
import torch
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from netgraph import (LinearLayer, NetChain, OptionError, SpecError, TrainingError, load, net_initialize, net_train,
                      register_module, save)
from netgraph.spec import saving
from netgraph.train import checkpoint
from netgraph.train.checkpoint import load_checkpoint, read_checkpoint, save_checkpoint

DATA = {"Input": torch.linspace(-1, 1, 24).reshape(8, 3), "Target": torch.linspace(0, 1, 16).reshape(8, 2)}
KW = dict(batch_size=4, random_seed=3, progress=False)


def small_net() -> NetChain:
    return NetChain({"a": LinearLayer(4), "b": LinearLayer(2)}, input=3)


def _within(seconds: float, call):
    """``call()``'s exception (None when it returned), or 'hung' when it has not ended after ``seconds``."""
    outcome = ["hung"]

    def run():
        try:
            call()
            outcome[0] = None
        except Exception as exc:  # noqa: BLE001 - returned to the test, which checks its type
            outcome[0] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return outcome[0]


@pytest.mark.parametrize("kind", ["pipe", "device"])
def test_a_checkpoint_path_that_is_not_a_regular_file_is_refused_unread(tmp_path, kind):
    # torch.load opened a pipe and waited for a writer forever (a folder or pipe so named in a checkpoint folder is
    # not listed as a checkpoint: tested below)
    folder = tmp_path / "ck"
    folder.mkdir()
    path = folder / "round-000001.pt"
    if kind == "pipe":
        os.mkfifo(path)
    else:
        path = "/dev/null"
    try:
        for call in (lambda: load_checkpoint(small_net(), path),
                     lambda: net_train(small_net(), DATA, max_training_rounds=2, resume=path, **KW)):
            exc = _within(10, call)
            assert isinstance(exc, OptionError), exc
            assert str(path) in str(exc) and "not a regular file" in str(exc) and "bytes" not in str(exc)
    finally:
        if kind == "pipe":  # a reader still waiting (before the fix) gets its end of file
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # ENXIO: nobody reads it
                pass


def test_a_checkpoint_write_that_fails_midway_is_a_training_error_and_leaves_the_earlier_ones(tmp_path, monkeypatch):
    # the disk filling up during a run was a bare OSError ("[Errno 28] No space left on device", naming no file)
    # from deep in the training loop
    real_save, calls = torch.save, []

    def save_then_fail(obj, f, *args, **kwargs):
        calls.append(1)
        if len(calls) < 2:
            return real_save(obj, f, *args, **kwargs)
        f.write(b"PK\x03\x04 half a checkpoint")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", save_then_fail)
    with pytest.raises(TrainingError) as caught:
        net_train(small_net(), DATA, max_training_rounds=3, checkpoint=tmp_path, **KW)
    message = str(caught.value)
    assert f"cannot write checkpoint {str(tmp_path / 'round-000002.pt')!r}: No space left on device" in message
    assert "round-000001.pt" in message.split(":", 2)[-1]  # the one to resume from
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round-000001.pt"]  # no temporary, no half file
    monkeypatch.undo()
    resumed = net_train(small_net(), DATA, max_training_rounds=3, checkpoint=tmp_path, resume=True, all=True, **KW)
    whole = net_train(small_net(), DATA, max_training_rounds=3, all=True, **KW)
    assert resumed.batch_losses == whole.batch_losses


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_a_save_that_fails_while_writing_the_spec_leaves_the_folder_as_it_was(tmp_path, monkeypatch, failure):
    # an interrupt (or any error but an OSError) while the spec was written left the new weights file behind
    old = net_initialize(small_net(), seed=0)
    spec = save(old, tmp_path / "my net ü.yaml")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_write = saving.atomic_write

    def spec_fails_midway(path, data):
        if not str(path).endswith(".yaml"):
            return real_write(path, data)

        def half(f):
            f.write(data[: len(data) // 2])
            raise failure
        return real_write(path, half)

    monkeypatch.setattr(saving, "atomic_write", spec_fails_midway)
    with pytest.raises(SpecError if isinstance(failure, OSError) else KeyboardInterrupt) as caught:
        save(net_initialize(small_net(), seed=1), spec)
    if isinstance(failure, OSError):
        assert str(spec) in str(caught.value) and "No space left on device" in str(caught.value)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert load(spec) == old


@pytest.mark.parametrize("key, shape, told", [
    ("a.Weights", (4, 5), "layer 'a' (LinearLayer) array 'Weights': expected shape (4, 3), found (4, 5) "
                          "(key 'a.Weights' of the weights file 'other.safetensors')"),  # told as the net sizes it
    ("a.Weights", (5, 3), "layer 'a' (LinearLayer) array 'Weights': expected shape (4, 3), found (5, 3) "
                          "(key 'a.Weights' of the weights file 'other.safetensors')"),
    ("b.Weights", (2, 4, 1), "layer 'b': LinearLayer weights= must be a matrix, found shape (2, 4, 1) "
                             "(key 'b.Weights' of the weights file 'other.safetensors' has shape (2, 4, 1))")])
def test_a_weights_file_array_of_the_wrong_shape_is_named_with_its_key_and_shape(tmp_path, key, shape, told):
    # a Weights matrix of the wrong shape was reported as a port size conflict only ("port 'Input': expected size 5
    # (from weights=), found (3,)"), or as "weights= must be a matrix", naming neither the weights-file key nor the
    # shape found there
    spec = save(net_initialize(small_net(), seed=0), tmp_path / "m.yaml")
    arrays = {"a.Weights": torch.zeros(4, 3), "a.Biases": torch.zeros(4), "b.Weights": torch.zeros(2, 4),
              "b.Biases": torch.zeros(2), key: torch.zeros(shape)}
    (tmp_path / "other.safetensors").write_bytes(safetensors_bytes(arrays))
    spec.write_text(re.sub(r"arrays: \S+", "arrays: other.safetensors", spec.read_text()))
    with pytest.raises(SpecError) as caught:
        load(spec)
    message = str(caught.value)
    assert message.count("\n") == 0, message  # one problem
    assert message.endswith(f": {told}"), message


def test_a_plain_pickle_named_as_a_checkpoint_is_refused_before_any_unpickling(tmp_path, recwarn):
    # torch.load's legacy path unpickled it (with its restricted unpickler), warning the user to "file an issue"
    # with torch about the pickle protocol; netgraph writes only torch's zip format
    path = tmp_path / "round-000001.pt"
    path.write_bytes(pickle.dumps({"format": "netgraph-checkpoint", "model": {}}, protocol=4))
    with pytest.raises(OptionError, match=r"round-000001\.pt' is not a readable netgraph checkpoint: its \d+ bytes "
                                          r"are not a torch zip archive"):
        load_checkpoint(small_net(), path)
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.parametrize("dtype", [torch.complex64, torch.int64])
def test_a_checkpoint_array_of_another_kind_of_number_is_refused_naming_it(tmp_path, dtype):
    # a well-tagged checkpoint (its SHA-256 right) with a complex array was cast to real by load_state_dict, its
    # imaginary part dropped with only torch's warning; integers were taken as weights
    net_train(small_net(), DATA, max_training_rounds=1, checkpoint=tmp_path / "run", **KW)
    state = read_checkpoint(tmp_path / "run" / "round-000001.pt")
    state["model"]["a.Weights"] = state["model"]["a.Weights"].to(dtype)
    made = save_checkpoint(tmp_path / "made", {k: v for k, v in state.items() if k not in ("format", "version", "round")},
                           round=1)
    found = str(dtype).removeprefix("torch.")
    pattern = rf"checkpoint '.*made/round-000001\.pt' .*'a\.Weights' is {found}, where the net has float32"
    with pytest.raises(OptionError, match=pattern):
        load_checkpoint(small_net(), made)
    with pytest.raises(OptionError, match=pattern):
        net_train(small_net(), DATA, max_training_rounds=2, checkpoint=tmp_path / "made", resume=True, **KW)


class _Block(torch.nn.Module):
    def __init__(self, size, hidden=4):
        super().__init__()
        self.inner, self.outer = torch.nn.Linear(size, hidden), torch.nn.Linear(hidden, size)

    def forward(self, x):
        return x + self.outer(self.inner(x).relu())


@pytest.mark.parametrize("change, expected", [
    ({"b.inner.bias": None}, r"layer 'b' \(QABlock\) has no array 'inner.bias': the weights file 'other.safetensors' "
                             r"gives its other arrays but has no 'b.inner.bias'"),
    ({"b.inner.weight": torch.zeros(4, 3, dtype=torch.complex64)},
     r"layer 'b'.*array 'inner.weight' is complex64, where the module's is float32"),
    ({"b.inner.weight": torch.zeros(3, 3)},
     r"layer 'b': QABlock: array 'inner.weight' has shape \(3, 3\), where the module's is \(4, 3\)")])
def test_a_registered_modules_arrays_in_a_weights_file_must_be_whole_real_and_fit(tmp_path, change, expected):
    # a weights file without one of the module's arrays loaded, the module's own seeded values standing in for it;
    # a complex array was cast to real (its imaginary part dropped, with only torch's warning); one of another shape
    # was named in torch's words ("Error(s) in loading state_dict for _Block: size mismatch ... from checkpoint")
    block = register_module(_Block, "QABlock")
    net = NetChain({"b": block(size=3), "out": 2}, input=3)
    state = {k: torch.randn(v.shape, generator=torch.Generator().manual_seed(1)) for k, v in net.layers["b"].arrays.items()}
    spec = save(net_initialize(net.replace_layers({"b": net.layers["b"].with_arrays(state)}), seed=0), tmp_path / "m.yaml")
    arrays = load_file(next(tmp_path.glob("m.*.safetensors")))
    for key, value in change.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    (tmp_path / "other.safetensors").write_bytes(safetensors_bytes(arrays))
    spec.write_text(re.sub(r"arrays: \S+", "arrays: other.safetensors", spec.read_text()))
    with pytest.raises(SpecError, match=expected) as caught:
        load(spec)
    assert "state_dict" not in str(caught.value)


def _families() -> dict:
    from netgraph import (BatchNormalizationLayer, DropoutLayer, FunctionLayer, GatedRecurrentLayer,
                          LongShortTermMemoryLayer, NetArrayLayer, NetGraph, NetNestOperator, NetPort, NetSharedArray,
                          NormalDistribution, RandomArrayLayer, SequenceLastLayer)
    shared = NetSharedArray("w")
    seq = torch.linspace(-1, 1, 30).reshape(2, 5, 3)
    return {
        "recurrent": (NetChain({"l": LongShortTermMemoryLayer(4), "g": GatedRecurrentLayer(3), "s": SequenceLastLayer()},
                               input=(5, 3)), {"Input": seq}),
        "random": (NetGraph({"mu": NetArrayLayer(output=2), "n": RandomArrayLayer(NormalDistribution("#mu", 2.0),
                                                                                  output=2, log_probability=True),
                             "f": FunctionLayer("#a * 3", output=2)}, [("mu", NetPort("n", "mu")), ("n", "f")]), {}),
        "shared, nested": (NetChain({"a": LinearLayer(3, weights=shared), "n": NetNestOperator(
            LinearLayer(3, weights=shared), 2), "bn": BatchNormalizationLayer(), "d": DropoutLayer(0.5)}, input=3),
            {"Input": DATA["Input"]}),
    }


@pytest.mark.parametrize("family", ["recurrent", "random", "shared, nested"])
def test_a_saved_net_of_each_family_loads_equal_and_computes_the_same_draws(tmp_path, family):
    net, inputs = _families()[family]
    net = net_initialize(net, seed=4)
    back = load(save(net, tmp_path / f"{family} ü.yaml"))
    assert back == net
    for seed in (0, 1):
        first, again = net(**inputs, seed=seed), back(**inputs, seed=seed)
        first, again = (first, again) if isinstance(first, dict) else ({"": first}, {"": again})
        assert all(torch.equal(first[k], again[k]) for k in first)


@pytest.mark.parametrize("written, expected", [
    (False, r"cannot write checkpoint '.*round-000001\.pt': Permission denied; training stopped after round 1 \(the "
            r"checkpoints written before stay as they were\)"),
    (True, r"checkpoint '.*round-000001\.pt' was written, but the older ones beyond keep=3 could not be removed: "
           r"Permission denied; training stopped after round 1")])
def test_a_checkpoint_folder_that_can_no_longer_be_listed_is_a_training_error_too(tmp_path, monkeypatch, written,
                                                                                  expected):
    # the failed write's message listed the folder again, and its PermissionError escaped bare; a failure to remove
    # older checkpoints after a write said the written one could not be written
    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    real_write = checkpoint.atomic_write

    def write_then_lose_the_folder(path, data):
        monkeypatch.setattr(checkpoint.Path, "iterdir", refused)
        return real_write(path, data) if written else refused()

    monkeypatch.setattr(checkpoint, "atomic_write", write_then_lose_the_folder)
    with pytest.raises(TrainingError, match=expected):
        net_train(small_net(), DATA, max_training_rounds=2, checkpoint=tmp_path, **KW)


def test_a_read_only_checkpoint_file_is_not_replaced_even_by_root(tmp_path):
    """Run as root (who may write any file), save_checkpoint replaced a read-only round-000001.pt."""
    path = save_checkpoint(tmp_path, {"model": {}}, 1)
    path.chmod(0o444)
    before = path.read_bytes()
    with pytest.raises(TrainingError, match=r"cannot write checkpoint .*round-000001\.pt': Permission denied \(the "
                                            r"file is read-only; make it writable to replace it\)") as caught:
        save_checkpoint(tmp_path, {"model": {"x": torch.ones(1)}}, 1)
    assert (caught.value.kind, caught.value.found) == ("unwritable-file", str(path))
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["round-000001.pt"]


def test_a_folder_named_as_a_checkpoint_is_not_listed_as_one(tmp_path):
    """checkpoints() listed a folder round-000009.pt, and resume=True took it for the newest checkpoint."""
    net_train(small_net(), DATA, checkpoint=tmp_path, max_training_rounds=1, **KW)
    (tmp_path / "round-000009.pt").mkdir()
    assert [p.name for p in checkpoint.checkpoints(tmp_path)] == ["round-000001.pt"]
    assert checkpoint.latest_checkpoint(tmp_path) == tmp_path / "round-000001.pt"
    resumed = net_train(small_net(), DATA, checkpoint=tmp_path, resume=True, max_training_rounds=2, all=True, **KW)
    assert resumed.total_rounds == 2
    alone = tmp_path / "alone"
    (alone / "round-000001.pt").mkdir(parents=True)  # was read, as "it is a folder"
    with pytest.raises(OptionError, match=r"^no checkpoint \(round-\*\.pt\) in directory '.*alone'$"):
        load_checkpoint(small_net(), alone)


def test_a_dangling_link_or_fifo_named_as_a_checkpoint_is_not_listed_as_one(tmp_path):
    """Only folders were left out: a link to nothing, or a FIFO, named round-*.pt was listed (and taken by resume)."""
    save_checkpoint(tmp_path, {"model": {}}, 1)
    (tmp_path / "round-000009.pt").symlink_to(tmp_path / "gone")
    os.mkfifo(tmp_path / "round-000008.pt")
    assert [p.name for p in checkpoint.checkpoints(tmp_path)] == ["round-000001.pt"]
    assert checkpoint.latest_checkpoint(tmp_path) == tmp_path / "round-000001.pt"


def test_a_folder_in_the_way_of_a_checkpoint_the_run_writes_is_refused_before_training(tmp_path):
    """resume=True into a folder holding only a folder round-000001.pt trained a round, then stopped with
    unwritable-file."""
    (tmp_path / "round-000001.pt").mkdir()
    rounds = []
    with pytest.raises(OptionError, match=r"holds a folder named as a checkpoint file \(round-000001\.pt\)") as caught:
        net_train(small_net(), DATA, checkpoint=tmp_path, resume=True, max_training_rounds=2,
                  **{**KW, "progress": lambda info: rounds.append(info["round"])})
    assert rounds == [] and caught.value.diagnostics[0].kind == "occupied-folder"
    assert caught.value.diagnostics[0].found == str(tmp_path / "round-000001.pt")
    (tmp_path / "round-000001.pt").rename(tmp_path / "round-000003.pt")  # beyond the run's rounds: not in its way
    assert net_train(small_net(), DATA, checkpoint=tmp_path, max_training_rounds=2, all=True, **KW).total_rounds == 2
