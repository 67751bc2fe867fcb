"""An option of net_train that means something only with another (distributed_timeout and sync_batch_norm with
distributed=True, log_dir with progress_reporting, num_workers with image files as data) given without it is refused
by one rule, in Python and on the command line: an OptionError of kind "option-combination" naming both; given at
its default value, where it changes nothing, a warning (UnusedOption) naming both."""

from __future__ import annotations

import warnings

import pytest
import torch

from netgraph import LinearLayer, NetChain, OptionError, net_train
from netgraph.core.option_checks import UnusedOption
from tests.diagnostic_helpers import sole_diagnostic


def _train(**options):
    data = {"Input": torch.randn(8, 2), "Target": torch.randn(8, 1)}
    return net_train(NetChain([LinearLayer(1)], Input=2), data, **{"max_training_rounds": 1, "progress": False,
                                                                   **options})


@pytest.mark.parametrize("options, option, needs", [
    ({"distributed_timeout": 5}, "distributed_timeout=5", "distributed=True"),
    ({"sync_batch_norm": False}, "sync_batch_norm=False", "distributed=True"),
    ({"log_dir": "runs"}, "log_dir='runs'", "progress_reporting='tensorboard'"),
    ({"num_workers": 2}, "num_workers=2", "image files as data"),
])
def test_an_option_without_the_one_it_goes_with_is_refused_naming_both(tmp_path, monkeypatch, options, option, needs):
    """distributed_timeout, sync_batch_norm and num_workers were taken and did nothing; log_dir was refused."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OptionError) as info:
        _train(**options)
    assert str(info.value).startswith(f"{option} has no effect without {needs} ("), str(info.value)
    d = info.value.diagnostics[0]
    assert (d.kind, d.option, d.expected) == ("option-combination", option.split("=")[0], needs)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("options, option", [({"distributed_timeout": 600}, "distributed_timeout=600"),
                                             ({"sync_batch_norm": True}, "sync_batch_norm=True"),
                                             ({"num_workers": 0}, "num_workers=0")])
def test_the_default_value_without_its_option_is_a_warning_and_trains(options, option):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _train(**options)
    unused = [str(w.message) for w in caught if issubclass(w.category, UnusedOption)]
    assert len(unused) == 1 and unused[0].startswith(f"{option} has no effect without "), unused
    assert unused[0].endswith("; it is the default: leave it out"), unused


def test_options_not_given_warn_of_nothing():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _train()
    assert not [w for w in caught if issubclass(w.category, UnusedOption)]


def test_a_bad_value_is_named_before_the_missing_option():
    d = sole_diagnostic(lambda: _train(distributed_timeout=-1), OptionError)
    assert (d.kind, d.option) == ("option-value", "distributed_timeout")


def test_workers_flag_with_in_memory_data_is_refused_in_the_flags_words(cli, tmp_path):
    """--workers 2 with an .npz file (tensors in memory) was taken and did nothing."""
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--workers", "2")
    assert ran.code == 1 and ran.err.startswith("netgraph train: --workers 2 has no effect without image files as "
                                                "data ("), ran.err
    assert "num_workers" not in ran.err and not (tmp_path / "out").exists()


def test_no_workers_flag_warns_of_nothing(cli):
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--rounds", "1")
    assert ran.code == 0 and "no effect" not in ran.err, ran.err


def test_workers_0_with_in_memory_data_is_noted_in_the_flags_words(cli):
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--rounds", "1", "--workers", "0")
    assert ran.code == 0 and "note: --workers 0 has no effect without image files as data (" in ran.err, ran.err
    assert "num_workers" not in ran.err, ran.err


def test_net_measurements_refuses_workers_with_in_memory_data_as_net_train_does():
    from netgraph import net_initialize, net_measurements
    net = net_initialize(NetChain([LinearLayer(1)], Input=2), seed=0)
    data = {"Input": torch.randn(8, 2), "Target": torch.randn(8, 1)}
    with pytest.raises(OptionError, match=r"^num_workers=2 has no effect without image files as data \(") as info:
        net_measurements(net, data, num_workers=2)
    assert info.value.diagnostics[0].kind == "option-combination"
    with pytest.warns(UnusedOption, match=r"^num_workers=0 has no effect without image files as data \("):
        assert net_measurements(net, data, num_workers=0) == net_measurements(net, data)


def test_measure_workers_flag_with_in_memory_data_is_refused_in_the_flags_words(cli):
    cli.spec(), cli.data()
    assert cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--rounds", "1").code == 0
    ran = cli("measure", "out/s.yaml", "--data", "d.npz", "--workers", "2")
    assert ran.code == 1 and ran.err.startswith("netgraph measure: --workers 2 has no effect without image files as "
                                                "data ("), ran.err


@pytest.mark.parametrize("options, option", [({"sync_batch_norm": False}, "sync_batch_norm=False"),
                                             ({"distributed_timeout": 30}, "distributed_timeout=30")])
def test_a_value_for_another_run_with_distributed_false_given_is_a_warning_and_trains(options, option):
    """net_train(..., distributed="WORLD_SIZE" in os.environ, sync_batch_norm=False) runs alone and under torchrun."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _train(distributed=False, **options)
    unused = [str(w.message) for w in caught if issubclass(w.category, UnusedOption)]
    assert len(unused) == 1 and unused[0].startswith(f"{option} has no effect without distributed=True ("), unused
    assert unused[0].endswith("; it takes effect in a run with distributed=True"), unused


@pytest.mark.parametrize("option", ["num_workers", "distributed_timeout", "sync_batch_norm"])
def test_automatic_is_not_given_and_warns_of_nothing(option):
    """Wolfram's "Automatic" is the default the user never typed: no note quoting that default."""
    from netgraph import net_initialize, net_measurements
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _train(**{option: "Automatic"})
        if option == "num_workers":
            net = net_initialize(NetChain([LinearLayer(1)], Input=2), seed=0)
            net_measurements(net, {"Input": torch.randn(8, 2), "Target": torch.randn(8, 1)}, num_workers="Automatic")
    assert not [str(w.message) for w in caught if issubclass(w.category, UnusedOption)]


def test_measure_workers_0_with_in_memory_data_is_noted_in_the_flags_words(cli):
    cli.spec(), cli.data()
    assert cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--rounds", "1").code == 0
    ran = cli("measure", "out/s.yaml", "--data", "d.npz", "--workers", "0")
    assert ran.code == 0 and "--workers 0 has no effect without image files as data (" in ran.err, ran.err
    assert "num_workers" not in ran.err, ran.err
