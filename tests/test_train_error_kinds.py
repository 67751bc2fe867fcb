"""Problems of net_train and net_measurements other than a bad option value have a kind of their own (never the
default "error") and the fields a reader (the command line) reads instead of the message: what is refused, the
option that asks for it, what was expected and what was found."""

from __future__ import annotations

import sys

import pytest
import torch

from netgraph import DataError, LinearLayer, NetChain, OptionError, SoftmaxLayer, net_measurements, net_train
from netgraph.train.metrics import INSTALL_HINT
from netgraph.train.options import Method
from tests.diagnostic_helpers import sole_diagnostic

NETS = "a NetGraph, a NetChain or a layer"


def _net():
    return NetChain([LinearLayer(3), SoftmaxLayer()], Input=2)


def _data(classes=3):
    return {"Input": torch.randn(8, 2), "Target": torch.randint(0, classes, (8,))}


def _train(net=None, data=None, **options):
    return net_train(net or _net(), data or _data(), **{"max_training_rounds": 1, "progress": False, **options})


@pytest.mark.parametrize("call", [lambda: _train("net.yaml"), lambda: net_measurements("net.yaml", _data())])
def test_a_value_that_is_no_net_is_not_a_net(call):
    d = sole_diagnostic(call, OptionError)
    assert (d.kind, d.expected, d.found) == ("not-a-net", NETS, "str")


def test_data_given_as_several_arguments_is_positional_data():
    """net_train(net, x, y), as Keras's fit(x, y): net(x)'s kind for positional data it cannot place."""
    d = sole_diagnostic(lambda: net_train(_net(), torch.randn(8, 2), torch.randint(0, 3, (8,))), DataError)
    assert (d.kind, d.expected, d.found) == ("positional-data", 1, 2)


@pytest.mark.parametrize("net, options, option, found", [
    (_net(), {"learning_rate_multipliers": 0}, "learning_rate_multipliers", 2),
    (NetChain([SoftmaxLayer()], Input=2), {}, None, 0),
])
def test_a_net_with_no_array_to_train_is_nothing_to_train(net, options, option, found):
    """``found`` is the number of arrays, ``option`` the one that froze them all."""
    d = sole_diagnostic(lambda: _train(net, _data(classes=2), **options), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == ("nothing-to-train", option, "a trainable array", found)


def test_a_missing_torchmetrics_is_a_missing_package_of_metrics(monkeypatch):
    monkeypatch.setitem(sys.modules, "torchmetrics", None)  # import torchmetrics raises ImportError
    d = sole_diagnostic(lambda: _train(metrics=["Accuracy"]), OptionError)
    assert (d.kind, d.option, d.expected, d.hint) == ("missing-package", "metrics", "torchmetrics", INSTALL_HINT)


def test_a_missing_tensorboard_is_a_missing_package_of_progress_reporting(monkeypatch, tmp_path):
    from netgraph.train import tensorboard

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    d = sole_diagnostic(lambda: _train(progress_reporting="tensorboard", log_dir=tmp_path / "logs"), OptionError)
    assert (d.kind, d.option, d.expected, d.hint) == ("missing-package", "progress_reporting", "tensorboard",
                                                      tensorboard.INSTALL_HINT)


def test_a_missing_matplotlib_is_a_missing_package_of_a_png_plot(monkeypatch, tmp_path):
    results = _train(return_results=True)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    d = sole_diagnostic(lambda: results.plot_losses(tmp_path / "losses.png"), OptionError)
    assert (d.kind, d.option, d.expected, d.hint) == ("missing-package", "path", "matplotlib",
                                                      "pip install matplotlib")
    assert not (tmp_path / "losses.png").exists()


def test_suboptions_torch_refuses_are_a_method_suboption_problem():
    """Those torch checks and net_train does not (a newer torch's): ``found`` the suboptions, ``detail`` torch's
    words."""
    method = Method("SGD", torch.optim.SGD, {"nesterov": True}, 0.1)
    d = sole_diagnostic(lambda: method.optimizer([{"params": [torch.nn.Parameter(torch.zeros(2))]}]), OptionError)
    assert (d.kind, d.option, d.found) == ("method-suboption", "method", (("nesterov", True),))
    assert d.detail and d.detail in d.message and "Nesterov" in d.detail


def test_a_new_run_in_a_folder_of_an_earlier_runs_checkpoints_is_an_occupied_folder(tmp_path):
    _train(checkpoint=tmp_path)
    d = sole_diagnostic(lambda: _train(checkpoint=tmp_path), OptionError)
    assert (d.kind, d.option, d.found) == ("occupied-folder", "checkpoint", str(tmp_path / "round-000001.pt"))
    assert d.expected == "an empty folder, or resume=True"


def test_the_command_lines_occupied_checkpoint_folder_has_the_same_fields(tmp_path):
    from netgraph.cli import main
    from tests.cli_runner import command
    from tests.test_train_messages import _cli_files

    argv = [*_cli_files(tmp_path), "--checkpoint", str(tmp_path / "ck")]
    assert main([*argv, "-o", str(tmp_path / "first")]) == 0
    d = sole_diagnostic(command([*argv, "-o", str(tmp_path / "second")]), OptionError)
    assert (d.kind, d.option, d.found) == ("occupied-folder", "checkpoint", str(tmp_path / "ck" / "round-000001.pt"))
    assert d.expected == "an empty folder, or --resume"


@pytest.fixture(scope="module")
def results():
    return _train(return_results=True)


@pytest.mark.parametrize("ask, kind", [
    (lambda r: r["RoundLos"], "unknown-property"),
    (lambda r: net_train(_net(), _data(), "RoundLos", max_training_rounds=1, progress=False), "unknown-property"),
    (lambda r: r["RoundPositions"], "property-not-kept"),
    # as net_train's property argument too, checked before training (it was "unknown-property", with a suggestion)
    (lambda r: net_train(_net(), _data(), "RoundPositions", max_training_rounds=1, progress=False), "property-not-kept"),
    (lambda r: net_train(_net(), _data(), ["TrainedNet", "RoundPositions"], max_training_rounds=1, progress=False),
     "property-not-kept"),
    (lambda r: r[["TrainedNet", "RoundPositions"]], "property-not-kept"),  # a list: a TypeError (unhashable)
    (lambda r: r[{"TrainedNet": 1}], "unknown-property"),
])
def test_a_property_the_results_lack_names_it_and_the_properties_they_have(results, ask, kind):
    from netgraph.train.results import PROPERTIES

    d = sole_diagnostic(lambda: ask(results), OptionError)
    assert (d.kind, d.expected) == (kind, tuple(PROPERTIES))
    assert d.found in ("RoundLos", "RoundPositions", (("TrainedNet", 1),))  # a dict is found frozen


def test_results_take_a_list_of_properties_and_suggest_a_wolfram_name_not_kept(results):
    trained, losses = results[["TrainedNet", "RoundLossList"]]
    assert trained is results.trained_net and losses == results.round_losses
    d = sole_diagnostic(lambda: results["RoundPosition"], OptionError)  # it suggested 'RoundLossList'
    assert d.kind == "unknown-property" and "(did you mean 'RoundPositions'? Wolfram has it; netgraph does not" in d.message


@pytest.mark.parametrize("name, meant", [("FinalNet", "TrainingNet"), ("lastNet", "TrainingNet"),
                                         ("BestNet", "TrainedNet")])
def test_a_net_by_another_name_suggests_the_net_property_not_a_close_spelling(results, name, meant):
    """Found by QA: r["FinalNet"] suggested 'FinalPlots'; the final round's net is 'TrainingNet'."""
    d = sole_diagnostic(lambda: results[name], OptionError)
    assert (d.kind, d.found) == ("unknown-property", name)
    assert f"has no property {name!r} (did you mean {meant!r}? the " in d.message
    assert results[meant] is getattr(results, {"TrainingNet": "training_net", "TrainedNet": "trained_net"}[meant])


def test_a_loss_plot_of_another_suffix_is_an_option_value_of_its_path(results, tmp_path):
    path = tmp_path / "losses.jpg"
    d = sole_diagnostic(lambda: results.plot_losses(path), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == ("option-value", "path", (".svg", ".png"), str(path))


@pytest.mark.parametrize("name, detail", [("no_folder/losses.svg", "folder {} does not exist"),
                                          ("", "it is a folder; give a file name")])
def test_a_loss_plot_that_cannot_be_written_is_an_unwritable_file(results, tmp_path, name, detail):
    """As every file netgraph writes whole (a diagram, a schema, an ONNX model): ``found`` the path."""
    from netgraph import NetGraphError

    path = tmp_path / name
    d = sole_diagnostic(lambda: results.plot_losses(path), NetGraphError)
    assert (d.kind, d.found) == ("unwritable-file", str(path))
    assert d.detail == detail.format(repr(str(tmp_path / "no_folder")))


@pytest.mark.parametrize("options, option, kind, expected, found", [
    ({"log_dir": "logs"}, "log_dir", "option-combination", "progress_reporting='tensorboard'", "logs"),
    ({"progress_reporting": "bar"}, "progress_reporting", "option-value", (None, "tensorboard"), "bar"),
    ({"progress_reporting": "tensorboard"}, "log_dir", "option-combination", "a folder for the event files", None),
    ({"progress_reporting": "tensorboard", "log_dir": 3}, "log_dir", "option-value", "a folder for the event files",
     3),
])
def test_a_bad_tensorboard_option_names_it_with_a_kind_and_the_value_found(options, option, kind, expected, found):
    d = sole_diagnostic(lambda: _train(**options), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == (kind, option, expected, found)


@pytest.mark.parametrize("option, options", [
    ("checkpoint", lambda folder: {"checkpoint": folder}),
    ("log_dir", lambda folder: {"progress_reporting": "tensorboard", "log_dir": folder}),
])
def test_a_folder_that_cannot_be_one_is_an_unusable_folder_of_its_option(tmp_path, option, options):
    (tmp_path / "file").write_text("")
    folder = str(tmp_path / "file" / "sub")
    d = sole_diagnostic(lambda: _train(**options(folder)), OptionError)
    assert (d.kind, d.option, d.found) == ("unusable-folder", option, folder)
    assert d.detail == f"{str(tmp_path / 'file')!r} on its path is a file, not a folder"


def _data_file_problem(path):
    from netgraph.train.data_files import load_data

    return sole_diagnostic(lambda: load_data(path), DataError)


def test_a_data_file_not_there_is_a_missing_file(tmp_path):
    d = _data_file_problem(tmp_path / "data.npz")
    assert (d.kind, d.found) == ("missing-file", str(tmp_path / "data.npz"))


def test_a_data_file_that_cannot_be_read_is_an_unreadable_file(tmp_path):
    (tmp_path / "data.npz").write_bytes(b"")
    d = _data_file_problem(tmp_path / "data.npz")
    assert (d.kind, d.found, d.detail) == ("unreadable-file", str(tmp_path / "data.npz"), "the file is empty")


def test_a_data_file_of_another_type_is_a_file_type_problem(tmp_path):
    (tmp_path / "data.txt").write_text("1 2 3")
    d = _data_file_problem(tmp_path / "data.txt")
    assert (d.kind, d.expected, d.found) == ("file-type", (".npz", ".safetensors", ".csv", ".jsonl"), "data.txt")


def test_the_command_line_names_the_flag_and_keeps_the_fields(tmp_path):
    """--data's message is headed by the flag; its Diagnostic had lost the kind and found of load_data's."""
    from netgraph.cli.train import _load_data

    d = sole_diagnostic(lambda: _load_data(str(tmp_path / "data.npz"), "--data"), DataError)
    assert d.message.startswith("--data: no data file or image folder")
    assert (d.kind, d.found) == ("missing-file", str(tmp_path / "data.npz"))


def _loader(batch_size=4):
    examples = [{"Input": torch.randn(2), "Target": torch.tensor(i % 3)} for i in range(8)]
    return torch.utils.data.DataLoader(examples, batch_size=batch_size)


@pytest.mark.parametrize("data, options, option, kind, expected, found", [
    (None, {"working_precision": "float16"}, "working_precision", "option-value", ("float32", "float64", "mixed"),
     "float16"),
    (_loader, {"validation_set": 0.25}, "validation_set", "option-combination", "in-memory data",
     "torch.utils.data.dataloader.DataLoader"),
    (_loader, {"batch_size": 8}, "batch_size", "option-combination", 4, 8),
    (None, {"method": ("SGD", {"learning_rate_schedule": lambda f: -1.0})}, "learning_rate_schedule", "option-value",
     "a finite number >= 0", -1.0),
])
def test_other_refused_options_name_the_option_with_a_kind(data, options, option, kind, expected, found):
    d = sole_diagnostic(lambda: _train(data=data() if data else None, **options), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == (kind, option, expected, found)


def test_mixed_precision_on_a_gpu_without_bfloat16_is_an_option_combination(monkeypatch):
    from netgraph.train.precision import parse_working_precision

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device: "Old GPU")
    check = parse_working_precision("mixed").check_device
    d = sole_diagnostic(lambda: check(torch.device("cuda")), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == ("option-combination", "working_precision",
                                                       "a GPU with bfloat16", "Old GPU")


def test_distributed_without_a_process_group_names_the_environment_it_lacks(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    d = sole_diagnostic(lambda: _train(distributed=True), OptionError)
    assert (d.kind, d.option, d.found) == ("distributed-setup", "distributed",
                                           ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"))


def test_measuring_an_untrained_net_names_each_array_without_values():
    """As net(x) does (kind "uninitialized", the layer holding it): it was one Diagnostic of kind "error"."""
    from netgraph import UninitializedError

    with pytest.raises(UninitializedError) as info:
        net_measurements(_net(), _data())
    assert [(d.kind, d.layer, d.message) for d in info.value.diagnostics] == [
        ("uninitialized", ("1",), "array '1/Weights' has no values"),
        ("uninitialized", ("1",), "array '1/Biases' has no values")]
    assert str(info.value).startswith("net_measurements measures a trained net, but 2 of its arrays have no values")


@pytest.mark.parametrize("directory", [None, 5, ["ck"]])
def test_a_checkpoint_directory_that_is_no_path_is_an_option_value(directory):
    """{"directory": None} raised Python's bare TypeError from os.fspath (QA pass 9)."""
    d = sole_diagnostic(lambda: _train(checkpoint={"directory": directory, "keep": 1}), OptionError)
    assert (d.kind, d.option, d.found[0][0]) == ("option-value", "checkpoint", "directory")
    assert str(d).startswith("checkpoint must be a directory or a dict with 'directory'")
