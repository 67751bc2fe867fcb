import sys

from netgraph.cli import entry

sys.exit(entry())
