"""target_device= and --device name a GPU this machine has: a CUDA index past the last GPU is an OptionError naming
the option, the index asked and how many GPUs there are (it was torch's "invalid device ordinal" at the first move).
CUDA is faked here (torch.cuda.is_available / device_count), so these run on a machine with or without a GPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetChain, net_train
from netgraph.cli import main
from netgraph.core.errors import OptionError
from netgraph.train.distributed import setup
from netgraph.backend.devices import parse_device


def fake_gpus(monkeypatch, count: int) -> None:
    """torch.cuda as on a machine with ``count`` GPUs (none: CUDA unavailable)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


@pytest.mark.parametrize("count, value, message", [
    (1, "cuda:99", "target_device='cuda:99': there is no CUDA device 99; this machine has 1 (cuda:0)"),
    (2, "cuda:2", "target_device='cuda:2': there is no CUDA device 2; this machine has 2 (cuda:0 to cuda:1)"),
    (0, "cuda", "target_device='cuda': CUDA is not available in this torch installation"),
    (0, "cuda:0", "target_device='cuda:0': CUDA is not available in this torch installation"),
])
def test_a_gpu_the_machine_lacks_is_an_option_error(monkeypatch, count, value, message):
    fake_gpus(monkeypatch, count)
    with pytest.raises(OptionError) as info:
        parse_device(value)
    assert message in str(info.value)
    assert info.value.diagnostics[0].option == "target_device"


@pytest.mark.parametrize("value, expected", [("cuda", torch.device("cuda")), ("cuda:1", torch.device("cuda", 1)),
                                             ("GPU", torch.device("cuda")), (torch.device("cuda", 0),
                                                                             torch.device("cuda", 0))])
def test_a_gpu_the_machine_has_is_accepted(monkeypatch, value, expected):
    fake_gpus(monkeypatch, 2)
    assert parse_device(value) == expected


def test_net_train_refuses_a_missing_gpu_before_any_work(monkeypatch):
    fake_gpus(monkeypatch, 1)
    net = NetChain([LinearLayer(1)], Input=2)
    with pytest.raises(OptionError, match="there is no CUDA device 3; this machine has 1"):
        net_train(net, {"Input": torch.zeros(4, 2), "Target": torch.zeros(4, 1)}, target_device="cuda:3",
                  progress=False)


def _refused_by_the_command_line(tmp_path, capsys, monkeypatch, flag: str) -> str:
    """What ``netgraph train --device flag`` of a one-layer spec prints, checked to fail (exit 1)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text("netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 1}}\n"
                                     "inputs: {Input: [3]}\n")
    np.savez(tmp_path / "d.npz", Input=np.ones((8, 3), "f4"), Target=np.ones((8, 1), "f4"))
    assert main(["train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--device", flag]) == 1
    return capsys.readouterr().err


@pytest.mark.parametrize("count, flag, message", [
    (1, "cuda:99", "--device cuda:99: there is no CUDA device 99; this machine has 1 (cuda:0)\n"),
    (0, "cuda", "--device cuda: CUDA is not available in this torch installation"),
])
def test_the_command_line_names_the_flag(tmp_path, capsys, monkeypatch, count, flag, message):
    fake_gpus(monkeypatch, count)
    err = _refused_by_the_command_line(tmp_path, capsys, monkeypatch, flag)
    assert message in err and "target_device" not in err, err
    assert not (tmp_path / "out").exists()


def test_more_processes_than_gpus_is_an_option_error_before_any_process_starts(tmp_path, capsys, monkeypatch):
    # each process of `--nproc N --device cuda` takes the GPU of its LOCAL_RANK: the third of three on a machine with
    # two crashed in torch.cuda.set_device ("invalid device ordinal")
    fake_gpus(monkeypatch, 2)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text("netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 1}}\n"
                                     "inputs: {Input: [3]}\n")
    np.savez(tmp_path / "d.npz", Input=np.ones((8, 3), "f4"), Target=np.ones((8, 1), "f4"))
    assert main(["train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--device", "cuda", "--nproc", "3"]) == 1
    err = capsys.readouterr().err
    assert "--nproc 3 with --device cuda: each process takes one GPU, and this machine has 2" in err, err
    assert not (tmp_path / "out").exists()


def test_a_process_whose_local_rank_has_no_gpu_is_an_option_error(monkeypatch):
    fake_gpus(monkeypatch, 2)
    for name, value in (("RANK", "2"), ("WORLD_SIZE", "3"), ("MASTER_ADDR", "127.0.0.1"), ("MASTER_PORT", "1"),
                        ("LOCAL_RANK", "2")):
        monkeypatch.setenv(name, value)
    with pytest.raises(OptionError, match=r"process LOCAL_RANK=2 trains on cuda:2: there is no CUDA device 2; this "
                                          r"machine has 2 \(cuda:0 to cuda:1\); start at most 2 processes") as info:
        setup(True, torch.device("cuda"))
    assert info.value.diagnostics[0].option == "target_device"


@pytest.mark.parametrize("value, expected", [(("GPU", 1), torch.device("cuda", 0)),
                                             (["GPU", 2], torch.device("cuda", 1))])
def test_wolframs_gpu_n_form_counts_from_one(monkeypatch, value, expected):
    # Found by QA: TargetDevice -> {"GPU", 2} written ("GPU", 2) was "must be 'cpu' or 'cuda'"
    fake_gpus(monkeypatch, 2)
    assert parse_device(value) == expected


@pytest.mark.parametrize("value, expected", [(("cpu", 0), torch.device("cpu")), (("cuda", 0), torch.device("cuda", 0)),
                                             (["cuda", 1], torch.device("cuda", 1)),
                                             (("CPU", 0), torch.device("cpu"))])
def test_torchs_type_and_index_pair_is_that_device(monkeypatch, value, expected):
    # Found by review: ("cpu", 0) and ("cuda", 0), torch.device's (type, index), were read as several GPUs
    fake_gpus(monkeypatch, 2)
    assert parse_device(value) == expected
    with pytest.raises(OptionError, match=r"^target_device=\('CPU', 1\): torch has one CPU device") as info:
        parse_device(("CPU", 1))
    assert info.value.diagnostics[0].kind == "device-missing"


@pytest.mark.parametrize("value", [("GPU", "All"), ("GPU", [1, 2]), ["cuda:0", "cuda:1"]])
def test_several_gpus_point_to_several_processes(monkeypatch, value):
    fake_gpus(monkeypatch, 2)
    with pytest.raises(OptionError, match=r"one process trains on one device: several GPUs train in several processes, "
                                          r"netgraph train --nproc 2 --device cuda") as info:
        parse_device(value)
    assert info.value.diagnostics[0].option == "target_device"


def test_all_gpus_on_a_machine_without_cuda_says_so_not_nproc_0(monkeypatch):
    # ('GPU', 'All') on a CPU machine advised "netgraph train --nproc 0 --device cuda", a command that cannot run
    fake_gpus(monkeypatch, 0)
    with pytest.raises(OptionError, match=r"target_device=\('GPU', 'All'\): CUDA is not available") as info:
        parse_device(("GPU", "All"))
    assert "--nproc 0" not in str(info.value) and info.value.diagnostics[0].kind == "device-missing"


def test_wolframs_gpu_index_zero_says_it_counts_from_one(monkeypatch):
    fake_gpus(monkeypatch, 2)
    with pytest.raises(OptionError, match=r"counts the GPUs from 1 \('cuda:0' is \('GPU', 1\)\)"):
        parse_device(("GPU", 0))


@pytest.mark.parametrize("value, expected", [(("CPU",), torch.device("cpu")), (["cuda:1"], torch.device("cuda", 1)),
                                             (("GPU",), torch.device("cuda")),
                                             ((torch.device("cuda", 0),), torch.device("cuda", 0))])
def test_a_one_device_tuple_is_that_device(monkeypatch, value, expected):
    # Found by QA: target_device=("CPU",) got the "several GPUs train in several processes" message
    fake_gpus(monkeypatch, 2)
    assert parse_device(value) == expected


def test_a_one_element_tuple_of_no_device_is_named_as_given():
    with pytest.raises(OptionError, match=r"must be 'cpu' or 'cuda' \(or 'cuda:N'\), found \('tpu',\)") as info:
        parse_device(("tpu",))
    assert info.value.diagnostics[0].kind == "device-name"


def test_a_cpu_index_is_the_one_cpu_device_for_zero_and_refused_past_it():
    # Found probing target_device: "cpu:1" trained on the CPU as if it picked another one, and the device it gave,
    # torch.device("cpu", 1), is unequal to every CPU tensor's (device(type='cpu'))
    assert parse_device("cpu:0") == torch.device("cpu") == torch.zeros(1).device
    with pytest.raises(OptionError, match=r"^target_device='cpu:1': torch has one CPU device, 'cpu' \(or 'cpu:0'\)") \
            as info:
        net_train(NetChain([LinearLayer(1)], input=2), {"Input": torch.zeros(4, 2), "Target": torch.zeros(4, 1)},
                  target_device="cpu:1", progress=False)
    d = info.value.diagnostics[0]
    assert (d.kind, d.option) == ("device-missing", "target_device")


@pytest.mark.parametrize("value, meant", [("CPU:0", "cpu:0"), (" cpu:0", "cpu:0"), ("Cuda", "cuda"),
                                          ("cuda:0 ", "cuda:0"), ("cpu\n", "cpu")])
def test_a_device_torch_refuses_for_its_case_or_spaces_names_the_one_meant(monkeypatch, value, meant):
    # Found by session 52: "CPU:0" and " cpu:0" were "must be 'cpu' or 'cuda'" with no word of what was wrong; torch
    # refuses them too (torch.device("CPU:0")), so they are refused, naming torch's spelling
    fake_gpus(monkeypatch, 1)
    with pytest.raises(OptionError) as info:
        parse_device(value)
    assert str(info.value) == (f"target_device must be 'cpu' or 'cuda' (or 'cuda:N'), found {value!r}; did you mean "
                               f"{meant!r}? torch's device names are lower case, without spaces")
    d = info.value.diagnostics[0]
    assert (d.kind, d.option, d.found) == ("device-name", "target_device", value)


@pytest.mark.parametrize("value, expected", [(("cuda", np.int64(0)), torch.device("cuda", 0)),
                                             (("cpu", np.int32(0)), torch.device("cpu")),
                                             (("GPU", np.int64(2)), torch.device("cuda", 1)),
                                             (["cuda", np.uint8(1)], torch.device("cuda", 1))])
def test_a_numpy_integer_index_is_an_index(monkeypatch, value, expected):
    # Found by session 52: ("cuda", np.int64(0)) was read as several GPUs
    fake_gpus(monkeypatch, 2)
    assert parse_device(value) == expected


@pytest.mark.parametrize("value", [("cuda", True), ("cuda", 1.0), ("GPU", np.bool_(True))])
def test_an_index_that_is_no_integer_is_refused(monkeypatch, value):
    fake_gpus(monkeypatch, 2)
    with pytest.raises(OptionError) as info:
        parse_device(value)
    assert info.value.diagnostics[0].option == "target_device"


@pytest.mark.parametrize("flag, meant", [("CPU:0", "cpu:0"), ("Cuda", "cuda")])
def test_the_command_line_reads_the_device_as_net_train_does(tmp_path, capsys, monkeypatch, flag, meant):
    # --device CUDA passed the flag's check (lowered there) and was then refused by net_train in its keyword's words
    fake_gpus(monkeypatch, 1)
    err = _refused_by_the_command_line(tmp_path, capsys, monkeypatch, flag)
    assert err == (f"netgraph train: --device must be cpu or cuda (or cuda:N), found {flag!r}; did you mean {meant!r}? "
                   f"torch's device names are lower case, without spaces\n"), err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["CPU:1", "CUDA:3", "Cuda:2"])
def test_no_hint_names_a_device_that_is_refused_too(monkeypatch, value):
    # Found by review: "CPU:1" suggested 'cpu:1' (no such CPU) and "CUDA:3" 'cuda:3' on a machine with 2 GPUs
    fake_gpus(monkeypatch, 2)
    with pytest.raises(OptionError) as info:
        parse_device(value)
    assert "did you mean" not in str(info.value) and info.value.diagnostics[0].hint is None, str(info.value)


@pytest.mark.parametrize("value, meant", [("GPU:0", "cuda:0"), ("gpu:1", "cuda:1"), (" Gpu", "cuda")])
def test_a_gpu_with_an_index_names_cuda(monkeypatch, value, meant):
    fake_gpus(monkeypatch, 2)
    with pytest.raises(OptionError, match=rf"found {value!r}; did you mean {meant!r}\? ") as info:
        parse_device(value)
    assert info.value.diagnostics[0].kind == "device-name"


@pytest.mark.parametrize("value, meant", [(("Cpu", 0), "cpu:0"), (("CUDA", 1), "cuda:1")])
def test_a_pair_is_spelled_as_the_string_is(monkeypatch, value, meant):
    """("Cpu", 0) was lowered and taken while "Cpu" is refused: both are refused, naming torch's spelling."""
    fake_gpus(monkeypatch, 2)
    with pytest.raises(OptionError, match=rf"did you mean {meant!r}\? ") as info:
        parse_device(value)
    assert info.value.diagnostics[0].kind == "device-name"
    with pytest.raises(OptionError, match="did you mean 'cpu'\\? "):
        parse_device("Cpu")
