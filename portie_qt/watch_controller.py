"""Turns each refresh into activity: events logged and stored, panels and tray updated,
notifications raised. The window calls ``on_snapshot(snapshot, diff)`` and nothing else.

The first snapshot only sets the baseline: everything already listening when Portie
starts is not news, so it is neither logged nor notified.

``create_watch()`` builds the whole set (store, both panels, tray, notifier) for the
main window::

    watch = create_watch(window)
    activity_dock.setWidget(watch.activity_panel)
    watch_dock.setWidget(watch.watch_panel)
    window.refresh_applied.connect(lambda r: watch.on_snapshot(r.snapshot, r.diff))
    watch.tray.show_requested.connect(...)   # raise the window
    watch.tray.pause_toggled.connect(window.set_paused)
    watch.tray.quit_requested.connect(...)   # quit the app
    watch.watch_panel.terminate_requested.connect(...)  # the paid terminate flow
    if watch.notice: window.show_notice(watch.notice)
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject, QSettings, QThreadPool, Signal, Slot

from portie_qt.activity_panel import ActivityPanel
from portie_qt.core.activity import (
    LISTEN_STARTED,
    OWNER_CHANGED,
    Event,
    NotificationPolicy,
    NotifyMode,
    WatchStatus,
    events_from_diff,
    watched_status,
)
from portie_qt.core.activity_store import ActivityStore
from portie_qt.core.endpoints import Diff, Snapshot, diff
from portie_qt.tray import RECENT_LISTENERS, Notifier, Tray
from portie_qt.watch_panel import WatchPanel


class WatchController(QObject):
    """Glue between refreshes and the activity log, watched ports, tray and notifier.

    Every collaborator is optional, so tests (and a tray-less desktop) can leave any out.
    """

    events_recorded = Signal(object)  # list[Event] of one refresh, only when non-empty
    watched_changed = Signal(object)  # dict[int, WatchStatus] after each refresh

    def __init__(
        self,
        *,
        store: ActivityStore | None = None,
        activity_panel: ActivityPanel | None = None,
        watch_panel: WatchPanel | None = None,
        tray: Tray | None = None,
        notifier: Notifier | None = None,
        policy: NotificationPolicy | None = None,
        watched: list[int] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.activity_panel = activity_panel
        self.watch_panel = watch_panel
        self.tray = tray
        self.notifier = notifier
        mode = watch_panel.notify_mode() if watch_panel is not None else NotifyMode.BANDS
        self.policy = policy if policy is not None else NotificationPolicy(mode)
        # Pins live in the watch panel when there is one; otherwise in this list.
        self._watched = list(watched or [])
        self._previous: Snapshot | None = None
        self._tray_notice = ""
        self._recent_listeners: list[Event] = []
        # Log writes run here, one at a time and in order, never on the UI thread.
        self._writer = QThreadPool(self)
        self._writer.setMaxThreadCount(1)
        if store is not None:
            self._recent_listeners = store.recent(
                RECENT_LISTENERS, kinds=[LISTEN_STARTED, OWNER_CHANGED]
            )
        if watch_panel is not None:
            watch_panel.ports_changed.connect(self._on_watch_panel_ports_changed)
            watch_panel.notify_mode_changed.connect(self.set_notify_mode)
        if tray is not None:
            tray.set_recent_listeners(self._recent_listeners)
        if activity_panel is not None:
            activity_panel.cleared.connect(self._on_activity_panel_cleared)

    @property
    def notice(self) -> str:
        """Anything the user should know about the watch machinery ("" when all is well)."""
        parts = [self.store.notice if self.store is not None else "", self._tray_notice]
        return " ".join(part for part in parts if part)

    def start_tray(self) -> str:
        """Show the tray icon; returns (and keeps in ``notice``) why not, if it cannot."""
        self._tray_notice = self.tray.start() if self.tray is not None else ""
        return self._tray_notice

    def shutdown(self) -> None:
        """Hide the tray icon and close the log file (call when the app quits)."""
        if self.tray is not None:
            self.tray.hide()
        if self.store is not None:
            self.flush()
            self.store.close()

    def flush(self, msecs: int = 5000) -> bool:
        """Wait for pending activity-log writes (shutdown, tests); True when none is left."""
        return self._writer.waitForDone(msecs)

    def watched_ports(self) -> list[int]:
        return self.watch_panel.ports() if self.watch_panel is not None else list(self._watched)

    @Slot(str)
    def set_notify_mode(self, mode: str) -> None:
        self.policy.mode = NotifyMode(mode)

    def on_snapshot(self, snapshot: Snapshot, snapshot_diff: Diff | None = None) -> list[Event]:
        """Handle one refresh; returns the events it produced (none for the first)."""
        first = self._previous is None
        if snapshot_diff is None:
            snapshot_diff = diff(self._previous, snapshot)
        self._previous = snapshot
        events = [] if first else events_from_diff(snapshot_diff, snapshot.taken_at)

        if events:
            if self.store is not None:
                # A disk write: on the pool, never on the UI thread (the store has a lock).
                self._writer.start(partial(self.store.add, events))
                if self.activity_panel is not None and self.store.notice:
                    self.activity_panel.set_notice(self.store.notice)
            if self.activity_panel is not None:
                self.activity_panel.add_events(events)
            listeners = [e for e in events if e.kind in (LISTEN_STARTED, OWNER_CHANGED)]
            if listeners:
                self._recent_listeners = (listeners + self._recent_listeners)[:RECENT_LISTENERS]
                if self.tray is not None:
                    self.tray.set_recent_listeners(self._recent_listeners)
            self.events_recorded.emit(events)

        statuses = self._update_watched(snapshot)
        for note in self.policy.decide(events, statuses):
            if self.notifier is not None:
                self.notifier.notify(note.title, note.message)
        return events

    def _update_watched(self, snapshot: Snapshot) -> dict[int, WatchStatus]:
        if self.watch_panel is not None:
            self.watch_panel.update_snapshot(snapshot)
            statuses = self.watch_panel.statuses()
        else:
            statuses = watched_status(snapshot, self._watched)
        if self.tray is not None:
            self.tray.set_watched(statuses)
        self.watched_changed.emit(statuses)
        return statuses

    @Slot(object)
    def _on_watch_panel_ports_changed(self, _ports: list[int]) -> None:
        # A pin added or removed: show its state now rather than at the next refresh.
        # The policy is not consulted, so pinning a busy port raises no notification.
        if self.tray is not None:
            self.tray.set_watched(self.watch_panel.statuses())

    @Slot()
    def _on_activity_panel_cleared(self) -> None:
        self._recent_listeners = []
        if self.tray is not None:
            self.tray.set_recent_listeners([])


def create_watch(
    parent: QObject | None = None, *, settings: QSettings | None = None
) -> WatchController:
    """Store, activity and watch panels, tray (shown when the desktop has one), notifier.

    The panels are unparented widgets for the caller to place (e.g. in dock widgets).
    """
    store = ActivityStore()
    tray = Tray()
    controller = WatchController(
        store=store,
        activity_panel=ActivityPanel(store),
        watch_panel=WatchPanel(settings),
        tray=tray,
        notifier=Notifier(tray),
        parent=parent,
    )
    tray.setParent(controller)
    controller.notifier.setParent(controller)
    controller.start_tray()
    return controller
