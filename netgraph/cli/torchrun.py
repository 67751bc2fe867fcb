"""``python -m netgraph.cli.torchrun ARGS``: torchrun (``torch.distributed.run``) as ``netgraph train --nproc N``
starts it, ending with the first failed process's exit status but without torchrun's own traceback, failure report
and warnings. Each process leaves its error (``netgraph train: ...``) in a folder, and each different one is
printed once at the end: N processes reading the same bad data printed the same message N times."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

try:  # Ctrl-C while torch imports (a few seconds): end as after it, without the import's traceback
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import main as torchrun
except KeyboardInterrupt:
    sys.exit(130)

from netgraph.cli import ERRORS_FOLDER

__all__ = ["run"]


def _not_failed_report(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("failed (exitcode")


def _not_death_signal(record: logging.LogRecord) -> bool:
    return "death signal" not in str(record.msg)


def run(argv: list[str]) -> int:
    """torchrun with ``argv``: 0 when every process succeeded, else the first failure's exit status (1 for a
    process ended by a signal), or 128 + N when torchrun itself got signal N (after stopping the processes);
    the processes' errors are printed after it, each different message once, by rank."""
    with tempfile.TemporaryDirectory(prefix="netgraph-errors-") as folder:
        os.environ[ERRORS_FOLDER] = folder  # this process's own environment, which torchrun gives its workers
        try:
            return _torchrun(argv)
        finally:
            messages = [path.read_text("utf-8", "backslashreplace") for path in sorted(Path(folder).iterdir())]
            for message in dict.fromkeys(messages):
                print(message, file=sys.stderr)


def _torchrun(argv: list[str]) -> int:
    logging.getLogger("torch.distributed.run").setLevel(logging.ERROR)  # its OMP_NUM_THREADS banner
    processes = logging.getLogger("torch.distributed.elastic.multiprocessing.api")
    processes.setLevel(logging.ERROR)  # 'Sending process ... closing signal SIGTERM' to the others after a failure
    processes.addFilter(_not_failed_report)
    agent = logging.getLogger("torch.distributed.elastic.agent.server.api")  # 'Received 15 death signal, shutting
    agent.addFilter(_not_death_signal)  # down workers' after Ctrl-C or SIGTERM: netgraph's own line says what is left
    try:
        torchrun(argv)
    except ChildFailedError as exc:
        code = exc.get_first_failure()[1].exitcode
        return code if code > 0 else 1
    except SignalException as exc:  # Ctrl-C (netgraph.train.distributed.launch passes it on): workers stopped
        return 128 + int(exc.sigval)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
