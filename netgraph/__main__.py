"""``python -m netgraph`` and the ``netgraph`` command (``entry``): ``netgraph.cli.entry``, imported here so that
Ctrl-C while it imports ends as Ctrl-C after: one line and exit status 130, no traceback."""

import sys


def entry() -> int:
    """Import the command line and run it; Ctrl-C during the import: ``netgraph: interrupted``, status 130."""
    try:
        from netgraph.cli import entry as run_command
    except KeyboardInterrupt:
        print("netgraph: interrupted", file=sys.stderr)
        return 130  # netgraph.cli.INTERRUPTED_STATUS, a shell's for a process ended by SIGINT (128 + 2)
    return run_command()


if __name__ == "__main__":
    sys.exit(entry())
