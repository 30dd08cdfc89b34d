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
"""

from __future__ import annotations

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


class KernelManager(AsyncMappingKernelManager):
    """AsyncMappingKernelManager whose idle clock restarts on a socket opening or closing and on
    the culler's first look at a kernel."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._seen_by_culler: set[str] = set()

    def _touch(self, kernel_id: str) -> None:
        if kernel_id in self:
            self.get_kernel(kernel_id).last_activity = utcnow()

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._touch(kernel_id)

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
