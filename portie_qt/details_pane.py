"""The details pane: the selected row's process and port, kept current across refreshes.

Process details are read on the background pool (several /proc reads) and cached by
(PID, start time); a refresh re-renders the pane only when its diff touched the selected
endpoint or its process, because rendering scans every row for the process's sockets.
For a remote host the details are read there, over its SSH connection (`set_host`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QTextBrowser

from portie_qt.core.endpoints import Diff, Endpoint
from portie_qt.core.reference import lookup
from portie_qt.jobs import background_pool, run_in_pool
from portie_qt.port_html import port_html, process_html

_CACHE_SIZE = 256  # processes; details are cheap to read again


class DetailsPane(QObject):
    """Renders one endpoint into ``view``; ``rows()`` gives every endpoint in the table."""

    def __init__(self, view: QTextBrowser, rows: Callable[[], list[Endpoint]], parent=None):
        super().__init__(parent)
        self.view = view
        self._rows = rows
        self._endpoint: Endpoint | None = None
        self._cache: dict[tuple, object] = {}
        self._fetching: set[tuple] = set()
        # (pid, create_time) -> ProcessDetails | None; None: this computer's process_details
        self._details = None
        self._host = ""

    @Slot(object)
    def set_host(self, host) -> None:
        """Read process details on ``host`` (a `RemoteHost`), or on this computer for None."""
        self._details = None if host is None else host.processes.process_details
        self._host = "" if host is None else host.name
        self._cache.clear()
        self._fetching.clear()
        self.show(None)

    def show(self, endpoint: Endpoint | None) -> None:
        """Show ``endpoint`` (None clears the pane), fetching its process's details."""
        self._endpoint = endpoint
        self._render(fetch=True)

    def on_refresh(self, change: Diff, current: Endpoint | None) -> None:
        """A refresh was applied; ``current`` is the selected endpoint now."""
        if self._endpoint is None and current is None:
            return
        if current is None or self._touches(change, current):
            self._endpoint = current
            self._render(fetch=False)

    def restyle(self) -> None:
        self._render(fetch=False)

    def _touches(self, change: Diff, selected: Endpoint) -> bool:
        """Whether a refresh changed the selected endpoint or its process's other endpoints."""
        key = selected.key
        if key in change.removed or key in change.changed:
            return True
        if selected.pid is None:
            return False
        olds = (old for old, _new in change.changed.values())
        news = (new for _old, new in change.changed.values())
        return any(
            e.pid == selected.pid
            for group in (change.added.values(), change.removed.values(), olds, news)
            for e in group
        )

    def _render(self, fetch: bool) -> None:
        endpoint = self._endpoint
        if endpoint is None:
            self.view.clear()
            return
        owner = (self._host, endpoint.pid, endpoint.create_time)
        others = []
        if endpoint.pid is not None:
            others = [e for e in self._rows() if (self._host, e.pid, e.create_time) == owner]
        details = self._cache.get(owner)
        if endpoint.pid is not None and details is None and fetch:
            self._fetch(owner)
        port = port_html(
            lookup(endpoint.local_port),
            protocols=(endpoint.protocol,),
            heading=f"{endpoint.protocol.upper()} port {endpoint.local_port}",
            per_protocol=6,
        )
        self.view.setHtml(process_html(endpoint, details, others) + "<hr>" + port)

    def _fetch(self, owner: tuple) -> None:
        if owner in self._fetching:
            return
        self._fetching.add(owner)
        read = self._details
        if read is None:  # this computer's, loaded on first use (it reads /proc)
            from portie_qt.core.process_control import process_details as read

        job = run_in_pool(background_pool(), read, *owner[1:])
        job.finished.connect(lambda details, owner=owner: self._on_fetched(owner, details))
        job.failed.connect(
            lambda message, owner=owner: self._on_fetched(
                owner, f"Could not read process details: {message}"
            )
        )

    @Slot()
    def _on_fetched(self, owner: tuple, details) -> None:
        self._fetching.discard(owner)
        self._cache[owner] = "The process has exited." if details is None else details
        if len(self._cache) > _CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        endpoint = self._endpoint
        if endpoint is not None and (self._host, endpoint.pid, endpoint.create_time) == owner:
            self._render(fetch=False)
