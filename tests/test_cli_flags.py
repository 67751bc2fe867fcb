"""Command-line errors name the flag the user typed (--batch-size), not net_train's keyword (batch_size=)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgraph.cli import main

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.mark.parametrize("flags, message", [
    (["--batch-size", "0"], "--batch-size must be a whole number > 0, found 0"),
    (["--rounds", "0"], "--rounds must be a whole number > 0, found 0"),
    (["--validation", "1.5"], "--validation 1.5: a fraction to hold out must lie strictly between 0 and 1"),
    (["--validation", "0.95"], "--validation 0.95 leaves 0 training examples and 8 validation examples out of 8; "
                               "both need at least one"),  # said validation_set=0.95, net_train's keyword
    # Wolfram's ValidationSet -> Scaled[0.1]: it said "--validation: no data file or image folder 'Scaled[0.1]'"
    (["--validation", "Scaled[0.1]"], "--validation 'Scaled[0.1]': a fraction of the data to hold out is written "
                                      "--validation 0.1 (Wolfram's Scaled[0.1])"),
    # it said "--validation: no data file or image folder '10%'"
    (["--validation", "10%"], "--validation '10%': a fraction of the data to hold out is written --validation 0.1 "
                              "(10% of the examples)"),
    (["--device", "cuda:99"], "--device cuda:99"),
    (["--device", "tpu"], "--device must be cpu or cuda"),
    (["--learning-rate", "-1"], "--learning-rate must be a finite number >= 0, found -1"),  # as typed, not -1.0
    (["--time", "0"], "--time must be a finite number > 0, found 0"),
    (["--learning-rate", "inf"], "--learning-rate must be a finite number >= 0, found inf"),
    (["--time", "inf"], "--time must be a finite number > 0, found inf"),
    (["--checkpoint", " "], "--checkpoint needs a folder, e.g. --checkpoint checkpoints"),
    (["-o", ""], "-o needs a folder, e.g. -o trained"),
    (["--tensorboard", "s.yaml"], "--tensorboard 's.yaml' cannot be used as a folder"),
    (["--tensorboard", ""], "--tensorboard needs a folder"),
    (["--seed", "-1"], "--seed must be a whole number from 0"),
    (["--momentum", "0.9"], "--momentum is an option of --method SGD or RMSProp, not Adam (the default)"),
    (["--method", "sgd", "--epsilon", "1e-6"], "--epsilon is an option of --method Adam, AdamW or RMSProp, not SGD"),
    (["--loss", "Outptu"], "--loss 'Outptu' is neither an output port nor a loss layer (did you mean 'Output'?); "
                            "the outputs are Output"),
    (["--loss", "{Output: 1, Extra: 2}"], "--loss 'Extra' is not an output port"),
    (["--method", "SGD", "--momentum", "-1"], "--momentum must be a number in [0, 1), found -1"),
    (["--epsilon", "-1"], "--epsilon must be a number > 0, found -1"),
    (["--loss", "{Output: -1}"], "--loss: weight of 'Output' must be a finite number >= 0, found -1"),
    (["--loss", "{Output: {warmup_unit: epochs}}"], "--loss: warmup_unit of 'Output' must be 'rounds' or 'batches'"),
    (["--loss", "{Output: {wieght: 1}}"], "--loss: 'Output' has no key 'wieght' (did you mean 'weight'?)"),
    # these said "--loss '[1, 2' is not an output port": read as a port name
    (["--loss", "[1, 2"], "--loss '[1, 2' is not a port name or a YAML mapping: --loss:1:6: invalid YAML"),
    (["--loss", "[Output]"], "--loss '[Output]' must hold a mapping {port: weight or {loss, weight, warmup, ...}}, "
                             "found list"),
])
def test_train_flag_errors_name_the_flag(cli, tmp_path, flags, message):
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", *flags)
    err = ran.err
    assert ran.code == 1 and message in err and err.count("\n") == 1, err
    for keyword in ("batch_size", "max_training_rounds", "validation_set", "target_device", "learning_rate",
                    "log_dir", "progress_reporting", "random_seed", "loss_function", "suboption",
                    "max_training_time"):
        assert keyword not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["export", "run"])
def test_a_negative_seed_names_the_flag(cli, command):
    ran = cli(command, cli.spec(), "--seed", "-1", "-o", "x.onnx" if command == "export" else "x.svg")
    assert ran.code == 1 and "--seed must be a whole number" in ran.err


def test_every_train_flag_reaches_the_processes_nproc_starts():
    """`--nproc 2` dropped --base-dir and --allow-outside: each process refused the spec's 'file:' reference."""
    from netgraph.cli.parser import build_parser
    from netgraph.cli.train import _forward_argv
    argv = ["train", "s.yaml", "--data", "d.npz", "-o", "out", "--batch-size", "8", "--rounds", "3", "--time", "9.5",
            "--learning-rate", "0.01", "--method", "SGD", "--momentum", "0.9", "--epsilon", "1e-6", "--validation",
            "0.2", "--patience", "2", "--seed", "4", "--device", "cpu", "--checkpoint", "ck", "--resume", "--loss",
            "Loss", "--metrics", "Accuracy", "--stop-on", "Accuracy", "--nproc", "2", "--quiet", "--tensorboard", "tb",
            "--workers", "1", "--limit", "yaml_bytes=9", "--base-dir", "refs", "--allow-outside",
            "--no-sync-batch-norm", "--distributed-timeout", "30", "--score-whole-batch"]
    given = vars(build_parser().parse_args(argv))
    forwarded = vars(build_parser().parse_args(_forward_argv(build_parser().parse_args(argv))))
    assert forwarded.pop("distributed") and forwarded.pop("nproc") == 1
    assert {k: v for k, v in given.items() if k not in ("distributed", "nproc")} == forwarded


@pytest.mark.parametrize("base", ["missing", "s.yaml"])
def test_a_base_dir_that_is_no_folder_is_refused(cli, base):
    """`--base-dir missing` (or a file) was accepted without a word, and the references it was for then refused."""
    cli.spec()
    ran = cli("check", "s.yaml", "--base-dir", base)
    assert ran.code == 1 and f"--base-dir {base!r} is not a folder" in ran.err and ran.err.count("\n") == 1
    assert cli("check", "s.yaml", "--base-dir", ".").code == 0


@pytest.mark.parametrize("flag", ["yaml_bytes=0", "yaml_depth=-5"])
def test_a_limit_below_one_names_the_flag(cli, flag):
    """It said "limit yaml_depth= must be a positive int, found -5": the Python keyword, not the flag typed."""
    ran = cli("check", cli.spec(), "--limit", flag)
    assert (ran.code, ran.err) == (1, f"netgraph check: --limit {flag}: N must be a whole number > 0\n")


@pytest.mark.parametrize("flags, synced", [([], True), (["--no-sync-batch-norm"], False)])
def test_no_sync_batch_norm_reaches_net_train(cli, monkeypatch, flags, synced):
    import netgraph.cli.train as cli_train
    from netgraph.cli.parser import build_parser
    seen = {}

    def fake(net, data, **options):
        seen.update(options)
        raise KeyboardInterrupt  # stop before training

    monkeypatch.setattr(cli_train, "net_train", fake)
    cli.spec(), cli.data()
    with pytest.raises(KeyboardInterrupt):
        cli_train.train(build_parser().parse_args(["train", "s.yaml", "--data", "d.npz", "--distributed", *flags]))
    assert seen["sync_batch_norm"] is synced


@pytest.mark.parametrize("flags, found", [(["--method", "SGD", "--momentum", "2"], "--momentum must be a number in "
                                                                                    "[0, 1), found 2"),
                                          (["--method", "SGD", "--momentum", "1.5"], "--momentum must be a number in "
                                                                                     "[0, 1), found 1.5"),
                                          (["--epsilon", "-3"], "--epsilon must be a number > 0, found -3")])
def test_a_suboption_flag_is_echoed_as_typed(cli, flags, found):
    """--momentum 2 was echoed as 'found 2.0' where --time -1 says 'found -1': every number flag as typed."""
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", *flags)
    assert (ran.code, ran.err) == (1, f"netgraph train: {found}\n")


@pytest.mark.parametrize("flags, option", [(["--no-sync-batch-norm"], "--no-sync-batch-norm"),
                                           (["--distributed-timeout", "30"], "--distributed-timeout 30"),
                                           (["--nproc", "1", "--distributed-timeout", "30"],
                                            "--distributed-timeout 30")])
def test_a_process_flag_without_nproc_is_refused(cli, tmp_path, flags, option):
    """--no-sync-batch-norm and --distributed-timeout without --nproc 2 or more were taken without a word, and did
    nothing: refused as --checkpoint-interval without --checkpoint is."""
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", *flags)
    assert (ran.code, ran.err) == (1, f"netgraph train: {option} has no effect without --nproc 2 or more (it says how "
                                      f"the processes of --nproc N work together); give --nproc 2 or more, or leave "
                                      f"it out\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("flags, watched", [(["--stop-on", "MeanSquaredError"], "--stop-on watches the training "
                                             "MeanSquaredError"),
                                            (["--patience", "2"], "--patience watches the training loss")])
def test_stopping_without_validation_is_noted_in_the_flags_words(cli, flags, watched):
    """The note said 'training_stopping_criterion ... give validation_set=0.1', net_train's keywords."""
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--rounds", "2", *flags)
    assert ran.code == 0
    assert ran.err == f"note: {watched} because no --validation was given; give --validation 0.1 (or a data file) to " \
        f"stop on held-out data\n"


def test_a_distributed_timeout_names_the_flag(cli, monkeypatch):
    """A peer that stalled past --distributed-timeout ended the process with gloo's RuntimeError and a traceback;
    net_train's error now names the flag and its value (the 2-process run: test_train_distributed_stalls)."""
    import netgraph.cli.train as cli_train
    from netgraph.train.distributed import Context

    def stalled(net, data, **options):  # gloo's text, as torch raises it in an exchange past the timeout
        gloo = RuntimeError("[gloo/transport/tcp/unbound_buffer.cc:78] Timed out waiting 2500ms for recv operation")
        Context(active=True, owns_group=True, timeout=options["distributed_timeout"]).refuse_timeout(gloo)
        raise gloo

    monkeypatch.setattr(cli_train, "net_train", stalled)
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--distributed", "--distributed-timeout", "2.5")
    assert ran.code == 1 and ran.err.startswith("netgraph train: --distributed-timeout 2.5: a process waited 2.5 s for "
                                                "the others in an exchange"), ran.err
    assert ran.err.count("\n") == 1 and "distributed_timeout" not in ran.err and "Timed out" not in ran.err


@pytest.mark.parametrize("command", ["train", "measure"])
def test_train_and_measure_help_stay_as_they_were(command, capsys, monkeypatch):
    """The flags train and measure both take are defined once (cli.parser); every flag and help line is as before
    (tests/golden: its --help at 100 columns, up to the spec-reading flags every command shares)."""
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert text[:text.index("  --limit NAME=N")] == (GOLDEN / f"{command}_help.txt").read_text()
