"""``python -m netgraph.cli.torchrun ARGS``: torchrun (``torch.distributed.run``) as ``netgraph train --nproc N``
starts it, ending with the first failed process's exit status but without torchrun's own traceback, failure report
and warnings: each process has already printed its error (``netgraph train: ...``)."""

from __future__ import annotations

import logging
import sys

try:  # Ctrl-C while torch imports (a few seconds): end as after it, without the import's traceback
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import main as torchrun
except KeyboardInterrupt:
    sys.exit(130)

__all__ = ["run"]


def _not_failed_report(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("failed (exitcode")


def run(argv: list[str]) -> int:
    """torchrun with ``argv``: 0 when every process succeeded, else the first failure's exit status (1 for a
    process ended by a signal), or 128 + N when torchrun itself got signal N (after stopping the processes)."""
    logging.getLogger("torch.distributed.run").setLevel(logging.ERROR)  # its OMP_NUM_THREADS banner
    processes = logging.getLogger("torch.distributed.elastic.multiprocessing.api")
    processes.setLevel(logging.ERROR)  # 'Sending process ... closing signal SIGTERM' to the others after a failure
    processes.addFilter(_not_failed_report)
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
