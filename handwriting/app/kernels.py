"""The dashboard server's kernel manager: Jupyter's, with idle time counted the way a visitor lives.

Voila frees a kernel the moment its page says goodbye (a `beforeunload` beacon), and the culler
(`MappingKernelManager.cull_idle_timeout`, connected kernels spared) frees the rest: tabs killed
without a goodbye, phones that never came back. Jupyter measures "idle" from the kernel's last
message only, which is wrong twice here:

- a phone whose page sat quiet for ten minutes and then loses its socket (screen locked) would be
  culled at the next tick, before it can come back: so a socket closing (or opening) counts as
  activity, and a page that returns within the idle timeout finds its kernel;
- a pre-started kernel that waited an hour in Voila's pool (where it is never culled) and has just
  been handed to a visitor looks idle for an hour and unconnected until the page's script opens its
  socket: so the first time the culler meets a kernel, that moment counts as activity too.

Voila's pool wraps this class (`VoilaConfiguration.multi_kernel_manager_class`, set in
etc/jupyter/voila.json), so kernels still in the pool never reach this check at all.

It also decides when the pool refills. Voila replaces each kernel a visitor takes a second later,
and a replacement costs about 2 CPU-seconds (start Python, load the models, run the notebook): a
class arriving together paid for its own replacements while its pages loaded, on the same cores
(bench/bench_classroom.py), and once their pads work, replacements starting among them compete
with every reading. So a replacement waits until the pages are quiet: none has arrived,
connected or talked to its kernel (a pen moving is a message) for `REFILL_QUIET` seconds. It
starts `REFILL_SPACING` seconds after the one before, and never waits more than
`REFILL_MAX_WAIT`. A visitor who finds only such waiting replacements in the pool takes one, and
it starts at once: nobody waits longer than for a kernel started on demand.
"""

from __future__ import annotations

import asyncio
import time

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

REFILL_QUIET = 5.0      # seconds without a page arriving, connecting or writing before the pool refills
REFILL_SPACING = 2.0    # seconds between two replacements: about one core for them, one for the pages
REFILL_MAX_WAIT = 60.0  # a replacement starts after this even while pages keep coming
REFILL_POLL = 0.1


class KernelManager(AsyncMappingKernelManager):
    """AsyncMappingKernelManager whose idle clock restarts on a socket opening or closing and on
    the culler's first look at a kernel, and whose pool refills once the pages have arrived."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._seen_by_culler: set[str] = set()
        self._first_fill: int | None = None  # the pool's kernels started with the server, not held
        self._arrived = self._refilled = float("-inf")
        self._waiting: list[asyncio.Task] = []  # replacements waiting for their turn, oldest first

    @staticmethod
    def _now() -> float:
        return time.monotonic()

    def _pool_entries(self) -> list:
        """Voila's pool (present when this class is its base): per notebook, a list of tasks, each
        starting one kernel. A visitor takes the first task, done or not, and waits for it."""
        return [task for pool in getattr(self, "_pools", {}).values() for task in pool]

    def _pages_quiet_for(self) -> float:
        """Seconds since a page last arrived, connected or sent its kernel a message."""
        quiet = self._now() - self._arrived
        for kernel_id in self.list_kernel_ids():
            if self.kernel_model(kernel_id)["connections"]:  # a page's kernel, not one in the pool
                quiet = min(quiet, (utcnow() - self.get_kernel(kernel_id).last_activity).total_seconds())
        return quiet

    async def start_kernel(self, *args, **kwargs):
        await self._refill_turn()
        return await super().start_kernel(*args, **kwargs)

    async def _refill_turn(self) -> None:
        """Return when this kernel may start: at once for the pool's first fill, for a visitor's
        kernel started on demand, and for a replacement a visitor has taken from the pool; else
        when the pages have settled (see the module's docstring)."""
        if self._first_fill is None:  # the first start: Voila's first fill created every entry at once
            self._first_fill = len(self._pool_entries())
        if self._first_fill > 0:
            self._first_fill -= 1
            return
        # Any other start follows a visitor taking a kernel (or starting one): a page is arriving.
        me, asked = asyncio.current_task(), self._now()
        self._arrived = asked
        self._waiting.append(me)
        try:
            while me in self._pool_entries():
                now = self._now()
                # In the order they were asked for; the spacing first: it is free, and every waiting
                # replacement asks ten times a second.
                if (self._waiting[0] is me and now - self._refilled >= REFILL_SPACING
                        and self._pages_quiet_for() >= REFILL_QUIET) or now - asked >= REFILL_MAX_WAIT:
                    break
                await asyncio.sleep(REFILL_POLL)
        finally:
            self._waiting.remove(me)
        self._refilled = self._now()

    def _touch(self, kernel_id: str) -> None:
        if kernel_id in self:
            self.get_kernel(kernel_id).last_activity = utcnow()

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._touch(kernel_id)
        self._arrived = self._now()  # a page has loaded its scripts and is now rendering its widgets

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        self._touch(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str):
        if kernel_id not in self._seen_by_culler:
            self._seen_by_culler.add(kernel_id)
            self._touch(kernel_id)
            return None
        return await super().cull_kernel_if_idle(kernel_id)

    def remove_kernel(self, kernel_id: str):
        self._seen_by_culler.discard(kernel_id)
        return super().remove_kernel(kernel_id)
