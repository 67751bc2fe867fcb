"""Checkpoints carry a SHA-256 of their contents and clean up after killed saves; net_initialize
refuses arrays larger than its element budget before allocating anything."""

from __future__ import annotations

import dataclasses
import random
import re
import time

import pytest
import torch

import netgraph

from netgraph import LinearLayer, NetChain, NetGraph, OptionError, ShapeError, net_initialize, net_train
from netgraph.core.limits import default_init_elements
from netgraph.train.checkpoint_checks import check_progress
from netgraph.train.checkpoint import FORMAT, checkpoints, content_digest, load_checkpoint, read_checkpoint, save_checkpoint

MARK = torch.arange(1000, 1064, dtype=torch.float32)  # a block of bytes easy to find in the file


def _state() -> dict:
    return {"model": {"w": MARK.clone(), "b": torch.zeros(3)}, "progress": {"rounds": 2, "losses": [0.5, 0.25]}}


def test_a_changed_weight_in_a_checkpoint_is_refused_naming_the_file(tmp_path):
    path = save_checkpoint(tmp_path, _state(), round=2)
    raw = path.read_bytes()
    at = raw.index(MARK.numpy().tobytes())
    damaged = bytearray(raw)
    damaged[at + 5] ^= 0x10
    path.write_bytes(bytes(damaged))
    with pytest.raises(OptionError, match=r"round-000002\.pt' does not match the SHA-256 saved in it"):
        read_checkpoint(path)
    path.write_bytes(raw)
    assert torch.equal(read_checkpoint(path)["model"]["w"], MARK)


def test_random_flipped_bytes_in_a_checkpoint_never_load_silently(tmp_path):
    path = save_checkpoint(tmp_path, _state(), round=1)
    raw = path.read_bytes()
    for position in random.Random(1).sample(range(len(raw)), 60):
        damaged = bytearray(raw)
        damaged[position] ^= 0x04
        path.write_bytes(bytes(damaged))
        try:
            data = read_checkpoint(path)
        except OptionError as exc:
            assert "round-000001.pt" in str(exc)
            continue
        assert _same(data, _state()) and data["round"] == 1, position  # a byte the contents do not depend on


def _same(data: dict, state: dict) -> bool:
    return (all(torch.equal(data["model"][k], v) for k, v in state["model"].items())
            and data["progress"] == state["progress"])


def test_checkpoints_of_the_previous_version_have_no_hash_and_still_load(tmp_path):
    path = tmp_path / "round-000001.pt"
    torch.save({"format": FORMAT, "version": 1, "round": 1, **_state()}, path)
    assert _same(read_checkpoint(path), _state())


@pytest.mark.parametrize("version", [3, "2", 2.5, True, None])
def test_a_checkpoint_of_a_format_version_this_netgraph_does_not_read_is_refused(tmp_path, version):
    """Found by QA: the version field was never read, so a checkpoint of a newer format (or a hand-made version)
    loaded as if it were of this one; a newer digest scheme would be called 'changed or damaged'."""
    path = tmp_path / "round-000001.pt"
    data = {"format": FORMAT, "version": version, "round": 1, **_state()}
    torch.save({**data, "sha256": content_digest(data)}, path)
    with pytest.raises(OptionError, match=r"round-000001\.pt' is of checkpoint format version") as caught:
        read_checkpoint(path)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.expected, d.found) == ("malformed-checkpoint", "version 1 or 2", repr(version))


def test_the_next_checkpoint_removes_temporaries_of_killed_saves(tmp_path):
    stale = [tmp_path / ".round-000003.pt.0123456789ab.tmp", tmp_path / ".round-000004.pt.ba9876543210.tmp"]
    unrelated = tmp_path / ".notes.txt.0123456789ab.tmp"
    for p in [*stale, unrelated]:
        p.write_bytes(b"half a checkpoint")
    save_checkpoint(tmp_path, _state(), round=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([unrelated.name, "round-000005.pt"])
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000005.pt"]


def test_net_initialize_refuses_a_net_larger_than_memory_at_once():
    net = NetGraph([LinearLayer(10**6)], Input=10**6)
    start = time.process_time()
    with pytest.raises(ShapeError) as info:
        net_initialize(net)
    assert time.process_time() - start < 2
    message = str(info.value)
    assert "4 TB (1e+12 float32 elements)" in message  # 10**12 weights + 10**6 biases, 4 bytes each
    assert "layer '1' (LinearLayer) array 'Weights' of shape (1000000, 1000000), 4 TB" in message


def test_ports_larger_than_the_port_elements_limit_are_refused_when_the_net_is_built():
    with pytest.raises(ShapeError, match=r"layer 1 \(LinearLayer\) port 'Output' is too large: \(1000000000000\) holds "
                                         r"1e\+12 elements per example, more than the port_elements limit \(268435456; "):
        NetGraph([LinearLayer(10**12)], Input=10)
    with pytest.raises(ShapeError, match="dims must be below 2\\*\\*63"):
        NetGraph([LinearLayer(3)], Input=10**30)
    with netgraph.limits(port_elements=10**12):
        assert NetGraph([LinearLayer(10**12)], Input=10).output_shapes == {"Output": (10**12,)}


def test_the_element_budget_is_configurable_and_counts_every_array():
    net = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [("a", "b")], Input=4)  # 12 + 3 + 6 + 2 = 23
    assert net_initialize(net, max_elements=23).layers["b"].weights.shape == (2, 3)
    with pytest.raises(ShapeError, match=r"need 92 B \(23 float32 elements\), more than max_elements=22 "
                                         r"\(88 B\); the largest is layer 'a' \(LinearLayer\) array 'Weights'"):
        net_initialize(net, max_elements=22)
    assert 0 < default_init_elements() < 2**62


def test_the_element_budget_states_sizes_as_net_information_does():
    """Its own byte wording said 999,996 bytes was '1000.0 kB' where net.information() says '1 MB'."""
    net = NetChain([LinearLayer(500)], input=500)  # 250,500 elements, 1,002,000 bytes
    with pytest.raises(ShapeError, match=r"need 1 MB \(2\.5e\+05 float32 elements\), more than max_elements="
                                         r"2\.5e\+05 \(1 MB\); the largest is layer '1' \(LinearLayer\) array "
                                         r"'Weights' of shape \(500, 500\), 1 MB"):
        net_initialize(net, max_elements=249_999)
    assert net_initialize(net).information("ArraysTotalSize") == "1 MB"


def _item(entry: str, key, value):
    def change(state: dict) -> None:
        state[entry][key] = value
    return change


_MALFORMED = {  # a change to a real checkpoint (its digest recomputed, as a hand-made file's would be): the message.
    # Unchecked, a moment of another shape crashes the process in torch's fused Adam (heap overwritten)
    "no model": (lambda s: s.pop("model"), "it has no 'model' entry"),
    "model a list": (lambda s: s.__setitem__("model", [1, 2]), "'model' must be a dict of array name -> tensor"),
    "model text": (lambda s: s["model"].__setitem__("a.Weights", "x"), "found dict with 'a.Weights': str"),
    "best arrays of another net": (lambda s: s.__setitem__("best_model", {"z": torch.zeros(1)}), "different net: best"),
    "no seed": (lambda s: s.pop("seed"), "it has no 'seed' entry"),
    "no progress": (lambda s: s.pop("progress"), "it has no 'progress' entry"),
    "progress key": (_item("progress", "round", 1), "its progress has an unknown entry 'round'"),
    "progress count": (_item("progress", "rounds", "x"), "progress entry 'rounds' holds str"),
    "estimators": (lambda s: s.__setitem__("estimators", [1]), "'estimators' must be a dict of layer -> number"),
    "optimizer groups": (_item("optimizer", "param_groups", "x"), "'optimizer' must be an optimizer state_dict"),
    "learning rate": (lambda s: s["optimizer"]["param_groups"][0].__setitem__("lr", "x"), "optimizer setting 'lr'"),
    "moment shape": (lambda s: s["optimizer"]["state"][0].__setitem__("exp_avg", torch.zeros(3)),
                     "'exp_avg' of an array of shape (8, 4) is a shape (3,)"),
    "one-element moment": (lambda s: s["optimizer"]["state"][1].__setitem__("exp_avg_sq", torch.zeros(())),
                           "'exp_avg_sq' of an array of shape (8,) is a shape ()"),
    "state of no array": (_item("optimizer", "state", {99: {"step": torch.tensor(1.0)}}), "entry 99 for no array"),
    # Found by QA: a number or None passed under any name (meant for a state an optimizer keeps as one), then
    # crashed torch's fused Adam; Adam's moments are tensors
    **{f"moment {v!r}": (lambda s, v=v: s["optimizer"]["state"][0].__setitem__("exp_avg", v),
                         f"'exp_avg' of an array of shape (8, 4) is {v!r}")
       for v in (None, -1, 1.5, float("nan"))},
    "second moment None": (lambda s: s["optimizer"]["state"][1].__setitem__("exp_avg_sq", None),
                           "'exp_avg_sq' of an array of shape (8,) is None"),
}


@pytest.mark.parametrize("change", list(_MALFORMED))
def test_a_well_tagged_checkpoint_of_the_wrong_form_is_one_option_error_naming_it(tmp_path, change):
    net = NetChain({"a": LinearLayer(8), "b": LinearLayer(2)}, input=4)
    data = {"Input": torch.randn(16, 4), "Target": torch.randn(16, 2)}
    net_train(net, data, max_training_rounds=1, random_seed=0, progress=False, checkpoint=tmp_path / "good")
    state = read_checkpoint(tmp_path / "good" / "round-000001.pt")
    mutate, message = _MALFORMED[change]
    mutate(state)
    bad = save_checkpoint(tmp_path / "bad", {k: v for k, v in state.items() if k not in ("format", "version", "round")}, 1)
    attempts = [lambda: net_train(net, data, max_training_rounds=2, progress=False, resume=bad)]
    if change in ("no model", "model a list", "model text", "best arrays of another net", "estimators"):
        attempts.append(lambda: load_checkpoint(net, bad))
    for attempt in attempts:
        with pytest.raises(OptionError, match=re.escape(message)) as info:
            attempt()
        assert str(bad) in str(info.value)


def _hand_made(tmp_path, name: str = "round-000003.pt", **changes):
    """A checkpoint of round 3 changed by hand, its digest recomputed (``sha256=None``: no digest)."""
    data = {"format": FORMAT, "version": 2, "round": 3, **_state(), **changes}
    digest = changes.pop("sha256", content_digest({k: v for k, v in data.items() if k != "sha256"}))
    path = tmp_path / name
    torch.save({k: v for k, v in data.items() if k != "sha256"} | ({"sha256": digest} if digest else {}), path)
    return path


@pytest.mark.parametrize("round", ["three", None, [], {}, float("nan"), True, -5, 2.0])
def test_a_checkpoint_whose_round_is_not_a_count_is_malformed(tmp_path, round):
    """Found by QA: a non-integer round reached int() in net_train's options (a raw ValueError or TypeError)."""
    with pytest.raises(OptionError, match=r"round-000003\.pt' is malformed: its 'round' must be") as caught:
        read_checkpoint(_hand_made(tmp_path, round=round))
    d = caught.value.diagnostics[0]
    assert (d.kind, d.found) == ("malformed-checkpoint", repr(round))


@pytest.mark.parametrize("name, round", [("round-000003.pt", 10**15), ("round-000003.pt", 4),
                                         ("round-000004-batch-000002.pt", 4)])
def test_a_checkpoint_whose_round_disagrees_with_its_file_name_is_malformed(tmp_path, name, round):
    """Found by QA: round 10**30 in round-000003.pt loaded silently; -5 gave a misleading message about later rounds.
    A mid-round file (round-000004-batch-...) holds the rounds done before it: 3."""
    within = {"within_round": {"batches": 2}} if "batch" in name else {}
    with pytest.raises(OptionError, match=r"'round' (4|10{15}) disagrees with its file name \(round 3\)") as caught:
        read_checkpoint(_hand_made(tmp_path, name, round=round, **within))
    d = caught.value.diagnostics[0]
    assert (d.kind, d.expected, d.found) == ("malformed-checkpoint", 3, round)  # ints both, as the count is short
    assert read_checkpoint(_hand_made(tmp_path, name, round=3, **within))["round"] == 3


def test_a_huge_disagreeing_round_is_shown_shortened_in_the_message_and_found(tmp_path):
    """Found by review: round 10**60 in round-000003.pt was written whole (61 digits) in the error's found."""
    with pytest.raises(OptionError, match=r"'round' 1+0*…0+ \(61 characters\) disagrees with its file") as caught:
        read_checkpoint(_hand_made(tmp_path, round=10**60))
    d = caught.value.diagnostics[0]
    assert d.kind == "malformed-checkpoint" and "…" in d.found and len(d.found) < 40 and d.found in str(caught.value)


@pytest.mark.parametrize("name, within, found", [("round-000004-batch-000002.pt", {"batches": 5}, 5),
                                                 ("round-000004-batch-000002.pt", None, None),
                                                 ("round-000003.pt", {"batches": 2}, 2)])
def test_a_checkpoint_whose_batches_disagree_with_its_file_name_is_malformed(tmp_path, name, within, found):
    """Found by review: round-000004-batch-000002.pt holding within_round batches 5 (or none) read silently; a resume
    would continue from another batch than its name says (the round's check named only the round). found was the
    text shown ("5") where expected is an int (review r4, session 51): an int, or None for no within_round."""
    batch = 2 if "batch" in name else 0
    with pytest.raises(OptionError, match=rf"'within_round' batches {found} disagree with its file name "
                                          rf"\(batch {batch}\)") as caught:
        read_checkpoint(_hand_made(tmp_path, name, within_round=within))
    d = caught.value.diagnostics[0]
    assert (d.kind, d.expected, d.found) == ("malformed-checkpoint", batch, found)
    assert read_checkpoint(_hand_made(tmp_path, name, within_round={"batches": 2} if batch else None))["round"] == 3
    assert read_checkpoint(_hand_made(tmp_path, "mine.pt", round=7))["round"] == 7  # another name: no round in it


def test_resuming_from_a_checkpoint_whose_round_is_text_is_one_option_error(tmp_path):
    net = NetChain({"a": LinearLayer(8), "b": LinearLayer(2)}, input=4)
    data = {"Input": torch.randn(16, 4), "Target": torch.randn(16, 2)}
    net_train(net, data, max_training_rounds=1, random_seed=0, progress=False, checkpoint=tmp_path / "good")
    state = read_checkpoint(tmp_path / "good" / "round-000001.pt")
    (tmp_path / "bad").mkdir()
    bad = _hand_made(tmp_path / "bad", "round-000001.pt", **{**state, "round": "one"})
    with pytest.raises(OptionError, match=r"its 'round' must be a count of rounds, found 'one'"):
        net_train(net, data, max_training_rounds=2, progress=False, resume=True, checkpoint=tmp_path / "bad")
    assert bad.exists()


@pytest.mark.parametrize("version", [torch.tensor([2, 2]), torch.tensor(2), 2.0])
def test_a_checkpoint_whose_version_is_not_an_integer_is_of_a_version_not_read(tmp_path, version):
    """Found by QA: a 2-element tensor as the version raised torch's 'Boolean value of Tensor ... is ambiguous'."""
    with pytest.raises(OptionError, match=r"is of checkpoint format version") as caught:
        read_checkpoint(_hand_made(tmp_path, version=version))
    assert caught.value.diagnostics[0].kind == "malformed-checkpoint"


def test_a_version_2_checkpoint_without_its_digest_is_malformed(tmp_path):
    """Found by QA: a version-2 file with 'sha256' removed loaded unverified; only version 1 has no digest."""
    with pytest.raises(OptionError, match=r"round-000003\.pt' is malformed: it has no 'sha256' entry") as caught:
        read_checkpoint(_hand_made(tmp_path, sha256=None))
    assert caught.value.diagnostics[0].kind == "malformed-checkpoint"
    assert read_checkpoint(_hand_made(tmp_path, version=1, sha256=None))["round"] == 3


def _sgd_checkpoint(tmp_path, state: dict, **options) -> tuple:
    """A 1-round SGD checkpoint whose optimizer state per array is ``state`` (as a hand or older torch wrote it)."""
    net = NetChain({"a": LinearLayer(8), "b": LinearLayer(2)}, input=4)
    data = {"Input": torch.randn(16, 4), "Target": torch.randn(16, 2)}
    net_train(net, data, method=("SGD", options) if options else "SGD", max_training_rounds=1, random_seed=0,
              progress=False, checkpoint=tmp_path)
    saved = read_checkpoint(tmp_path / "round-000001.pt")
    saved["optimizer"]["state"] = {i: dict(state) for i in saved["optimizer"]["param_groups"][0]["params"]}
    save_checkpoint(tmp_path, {k: v for k, v in saved.items() if k not in ("format", "version", "round")}, 1)
    return lambda: net_train(net, data, method=("SGD", options) if options else "SGD", max_training_rounds=2,
                             progress=False, resume=True, checkpoint=tmp_path)


def test_an_sgd_checkpoint_of_older_torch_with_none_momentum_buffers_resumes(tmp_path):
    """Found by review: torch < 2 wrote {'momentum_buffer': None} per array for SGD without momentum; it resumed."""
    _sgd_checkpoint(tmp_path, {"momentum_buffer": None})()
    assert read_checkpoint(tmp_path / "round-000002.pt")["round"] == 2


@pytest.mark.parametrize("state, options, found", [({"momentum_buffer": None}, {"momentum": 0.9}, "None"),
                                                   ({"momentum_buffer": 0.5}, {}, "0.5"),
                                                   ({"momentum_buffer": "x" * 100}, {}, "…"),
                                                   ({"exp_avg": None}, {}, "None")])
def test_a_non_tensor_optimizer_state_but_none_momentum_of_plain_sgd_is_malformed(tmp_path, state, options, found):
    """Found by review: a None or number moment was blamed on learning_rate_multipliers (checkpoint-mismatch)."""
    with pytest.raises(OptionError, match=r"round-000001\.pt' is malformed") as caught:
        _sgd_checkpoint(tmp_path, state, **options)()
    d = caught.value.diagnostics[0]
    assert d.kind == "malformed-checkpoint" and found in d.found and len(d.found) < 100


def test_a_readable_copy_under_a_later_rounds_name_keeps_the_folder_occupied(tmp_path):
    """Found by review: round-000003.pt copied to round-000009.pt was moved aside as not readable (.damaged)."""
    net = NetChain({"a": LinearLayer(8), "b": LinearLayer(2)}, input=4)
    data = {"Input": torch.randn(16, 4), "Target": torch.randn(16, 2)}
    net_train(net, data, max_training_rounds=3, random_seed=0, progress=False, checkpoint=tmp_path)
    (tmp_path / "round-000009.pt").write_bytes((tmp_path / "round-000003.pt").read_bytes())
    with pytest.raises(OptionError, match=r"holds checkpoints of rounds after round 3.*round-000009\.pt") as caught:
        net_train(net, data, max_training_rounds=4, progress=False, checkpoint=tmp_path,
                  resume=tmp_path / "round-000003.pt")
    assert caught.value.diagnostics[0].kind == "occupied-folder" and (tmp_path / "round-000009.pt").exists()


def test_a_mid_round_file_whose_round_disagrees_says_it_holds_the_rounds_before_it(tmp_path):
    with pytest.raises(OptionError, match=r"a file written mid-round holds the rounds done before it"):
        read_checkpoint(_hand_made(tmp_path, "round-000004-batch-000002.pt", round=4))
    with pytest.raises(OptionError, match=r"disagrees with its file name \(round 3\)$"):
        read_checkpoint(_hand_made(tmp_path, round=4))


def test_a_long_round_of_text_is_shown_shortened_with_a_mark(tmp_path):
    """Found by review: the message cut the value to 40 characters with no mark that it was cut."""
    with pytest.raises(OptionError, match=r"found 'x+…x+' \(100 characters\)") as caught:
        read_checkpoint(_hand_made(tmp_path, round="x" * 100))
    assert "…" in caught.value.diagnostics[0].found


@pytest.mark.parametrize("big", [10**5000, -10**5000, (1, 10**5000)], ids=["big", "negative", "in a tuple"])
def test_the_digest_of_an_integer_past_4300_digits_tells_it_from_its_neighbour(big):
    """Found by QA: repr of such an int (Python writes at most 4,300 digits) raised a raw ValueError."""
    near = big + 1 if isinstance(big, int) else (1, big[1] + 1)
    assert content_digest({"n": big}) == content_digest({"n": big})
    assert content_digest({"n": big}) != content_digest({"n": near})
    assert content_digest({big: 1}) != content_digest({near: 1})


def test_a_progress_entry_holding_an_integer_past_4300_digits_is_named_by_its_size():
    """Found by QA: the message wrote str(value)[:60], which raised Python's ValueError for such an int (torch.load
    reads none that long: check_progress is called on a state made by hand)."""
    @dataclasses.dataclass
    class Progress:
        rounds: int = 0

    with pytest.raises(OptionError, match=r"progress entry 'rounds' holds int an integer of 16610 bits, not what"):
        check_progress({"rounds": -10**5000}, Progress(), "round-000001.pt")
