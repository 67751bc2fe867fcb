"""Ctrl-C while a distributed process waits for the others: gloo's waits (a collective exchange, DDP's gradient
all-reduce) ignore signals until their timeout, so Python never saw the KeyboardInterrupt and the process ran on.

``Watchdog`` hears SIGINT through ``signal.set_wakeup_fd``, which the interpreter writes to even while the main thread
is blocked in C++: if the main thread has not let go of distributed training ``grace`` seconds later (it is stuck in
such a wait), the process ends with exit status 130, as the interrupted command it is.

>>> Watchdog.start(active=False) is None
True
"""

from __future__ import annotations

import os
import signal
import socket
import threading

__all__ = ["Watchdog"]


class Watchdog:
    """A thread that ends this process when a SIGINT is not handled within ``grace`` seconds; ``stop`` it when done."""

    def __init__(self, grace: float) -> None:
        self.grace, self.done = grace, threading.Event()
        self.reader, self.writer = socket.socketpair()
        self.writer.setblocking(False)
        self.previous = signal.set_wakeup_fd(self.writer.fileno(), warn_on_full_buffer=False)
        self.thread = threading.Thread(target=self._watch, name="netgraph-interrupt-watchdog", daemon=True)
        self.thread.start()

    @classmethod
    def start(cls, active: bool, grace: float = 2.0) -> Watchdog | None:
        """A running Watchdog when ``active``, on the main thread (only it may set the wakeup fd) and Ctrl-C raises
        KeyboardInterrupt (Python's own handler: a script's own handler decides for itself), else None."""
        if not active or threading.current_thread() is not threading.main_thread():
            return None
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return None
        return cls(grace)

    def _watch(self) -> None:
        while not self.done.is_set():
            got = self.reader.recv(1)
            if got and got[0] == signal.SIGINT and not self.done.wait(self.grace):
                os.write(2, b"netgraph: interrupted while waiting for the other processes\n")
                os._exit(128 + signal.SIGINT)

    def stop(self) -> None:
        """Stop watching and give the wakeup fd back to whoever had it."""
        self.done.set()
        signal.set_wakeup_fd(self.previous)
        self.writer.send(b"\0")  # wakes the thread, which sees ``done``
        self.thread.join(1.0)
        self.writer.close()
        self.reader.close()
