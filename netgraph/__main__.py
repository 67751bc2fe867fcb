"""``python -m netgraph`` and the ``netgraph`` command (``entry``): ``netgraph.cli.entry``, imported here so that
Ctrl-C while it imports ends as Ctrl-C after: one line and exit status 130, no traceback."""

import signal
import sys

try:
    from netgraph.cli import entry as _run_command
except KeyboardInterrupt:  # Ctrl-C in the first moments, while the command line imports
    _run_command = None


def entry() -> int:
    """Run the command line; after a Ctrl-C during its import: ``netgraph: interrupted``, status 130. After a
    Ctrl-C the process ignores further Ctrl-Cs until it has ended."""
    if _run_command is None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second one, as Python shuts down, would print a traceback
        print("netgraph: interrupted", file=sys.stderr)
        return 130  # netgraph.cli.INTERRUPTED_STATUS, a shell's for a process ended by SIGINT (128 + 2)
    return _run_command(process=True)


if __name__ == "__main__":
    sys.exit(entry())
