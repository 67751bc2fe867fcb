"""The TensorBoard log of a run as every process sees it: rank 0 alone writes it, and a write's error stops every
process at once, naming where it struck (``Context.together``). A write each batch of a distributed run makes no
exchange of its own: its error waits (``unsent``) for the loss sum the next batch exchanges anyway (``failed``,
``share``), or for the next write that is not each batch's (a round's, closing the log)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

__all__ = ["SharedLog"]


class SharedLog:
    """``log`` (a TensorBoardLog on rank 0, None elsewhere) written through ``ctx`` when ``logged``."""

    def __init__(self, log: Any, logged: bool, ctx: Any):
        self.log, self.logged, self.ctx = log, logged, ctx
        self.unsent: tuple[Exception, str] | None = None  # rank 0's failed write of a batch, and where, not yet shared

    def write(self, write: Callable[[Any], None], where: str, each_batch: bool = False) -> None:
        """``write(log)`` on rank 0; its error stops every process naming ``where``: in this call, or for a write
        ``each_batch`` of a distributed run, at the next batch's loss sum (or the next call)."""
        if not self.logged:
            return
        if each_batch and self.ctx.active:
            if self.ctx.main and self.unsent is None:  # after a failed write, no more
                try:
                    write(self.log)
                except Exception as exc:  # any error, as together takes it
                    self.unsent = exc, where
            return
        unsent, self.unsent = self.unsent, None
        self.ctx.together(lambda: self._write(write, unsent), unsent[1] if unsent else where)

    def _write(self, write: Callable[[Any], None], unsent: tuple[Exception, str] | None) -> None:
        if unsent is not None:  # an earlier write's error comes first
            raise unsent[0]
        if self.ctx.main:
            write(self.log)

    @property
    def failed(self) -> float:
        """1.0 where a write failed and its error is not yet shared, else 0.0: a number to exchange in a sum."""
        return float(self.unsent is not None)

    def share(self) -> NoReturn:
        """Stop every process, once an exchange of ``failed`` has told each that rank 0's write failed."""
        self.ctx.share_failure(*(self.unsent or (None, "")))
