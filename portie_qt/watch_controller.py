"""Watch: turns each refresh into activity, watched-port states and notifications.

A facade. It owns the activity log (on disk, read and written only on its own serial
pool), the `WatchList`, both panels, the tray icon and the notifier. The window places
``panels`` in docks and talks to this object alone: it calls `on_refresh`, `set_paused`,
`set_locked`, `watch_port`, and listens to the signals below.

The first snapshot only sets the baseline: everything already listening when Portie
starts is not news, so it is neither logged nor notified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from portie_qt.activity_panel import MAX_ROWS, ActivityPanel
from portie_qt.core.activity import (
    LISTEN_STARTED,
    OWNER_CHANGED,
    Event,
    NotificationPolicy,
    NotifyMode,
    WatchList,
    events_from_diff,
)
from portie_qt.core.activity_store import LISTENER_KINDS, ActivityStore
from portie_qt.core.endpoints import Diff, Snapshot, diff
from portie_qt.jobs import run_in_pool, serial_pool
from portie_qt.settings import read_str, read_str_list
from portie_qt.tray import RECENT_LISTENERS, Notifier, Tray
from portie_qt.watch_panel import WatchPanel

PORTS_KEY = "watch/ports"
NOTIFY_KEY = "notify/mode"
HISTORY_ROWS = 1000  # rows of the stored log shown when the panel opens or is filtered
LOG_WRITE_DELAY_MS = 300  # events reach the log this long after their refresh, batched


class WatchController(QObject):
    """Activity log, watched ports, tray and notifications behind one set of signals."""

    show_requested = Signal()  # the tray asks for the window
    pause_toggled = Signal(bool)  # the tray paused (True) or resumed refreshes
    quit_requested = Signal()
    terminate_requested = Signal(object)  # list[Endpoint] of a busy watched port
    notified = Signal(str, str)  # (title, message) of every notification raised
    events_recorded = Signal(object)  # list[Event] of one refresh, only when non-empty
    watched_changed = Signal(object)  # the WatchList, after a refresh or an edit
    history_loaded = Signal()  # the activity panel shows the stored log it asked for
    notice_changed = Signal(str)  # a problem with the activity log ('' once resolved)
    empty_changed = Signal(bool)  # True while both panels have nothing to show

    def __init__(
        self,
        settings: QSettings,
        *,
        store: Callable[[], ActivityStore] | ActivityStore = ActivityStore,
        tray: Tray | None = None,
        policy: NotificationPolicy | None = None,
        history_rows: int = HISTORY_ROWS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._history_rows = history_rows
        self.watched = WatchList.from_text(",".join(read_str_list(settings, PORTS_KEY, 1000)))
        stored_mode = read_str(settings, NOTIFY_KEY, NotifyMode.BANDS.value)
        known = {each.value for each in NotifyMode}
        mode = NotifyMode(stored_mode if stored_mode in known else NotifyMode.BANDS.value)
        self.policy = policy if policy is not None else NotificationPolicy(mode)
        self._previous: Snapshot | None = None
        self._recent: list[Event] = []
        self._recent_loaded = False  # the tray's "Recent listeners" came from the log once
        self._history_request = 0
        # Events shown since the last history request: the log read for that request ran
        # before they were written, so they are put back on top of what it returns.
        self._live_since_request: list[Event] = []

        self._tray = tray if tray is not None else Tray()
        self._tray.setParent(self)
        self._tray_notice = self._tray.start()
        self._last_notice = ""
        self._was_empty = not self.watched.ports
        self._notifier = Notifier(self._tray, self)
        self._activity = ActivityPanel()
        self._watch = WatchPanel(self.policy.mode)
        self._watch.render(self.watched)
        self._activity.set_notice(self._tray_notice)

        self._tray.show_requested.connect(self.show_requested)
        self._tray.pause_toggled.connect(self.pause_toggled)
        self._tray.quit_requested.connect(self.quit_requested)
        self._notifier.notified.connect(self.notified)
        self._watch.add_requested.connect(self.watch_port)
        self._watch.remove_requested.connect(self.unwatch_port)
        self._watch.terminate_requested.connect(self.terminate_requested)
        self._watch.notify_mode_changed.connect(self._on_watch_notify_mode_changed)
        self._activity.history_wanted.connect(self._load_history)
        self._activity.clear_requested.connect(self.clear_activity)

        # The log is opened, read and written here, one job at a time, never on the UI thread.
        self._pool = serial_pool(self)
        self._unwritten: list[Event] = []
        self._write_timer = QTimer(self, singleShot=True, interval=LOG_WRITE_DELAY_MS)
        self._write_timer.timeout.connect(self._write_unwritten)
        self._store: ActivityStore | None = store if isinstance(store, ActivityStore) else None
        if self._store is None:
            run_in_pool(self._pool, self._open_store, store)
        self._load_history("", True)

    # --- what the window uses ------------------------------------------------------------

    @property
    def panels(self) -> tuple[tuple[str, str, QWidget], ...]:
        """(title, object name, widget) of each panel, for the window to place."""
        return (("Activity", "activityDock", self._activity),
                ("Watched Ports", "watchDock", self._watch))  # fmt: skip

    @property
    def tray_visible(self) -> bool:
        return self._tray.visible

    @property
    def notice(self) -> str:
        """A problem with the activity log ('' when all is well)."""
        return self._store.notice if self._store is not None else ""

    def on_refresh(self, snapshot: Snapshot, change: Diff | None = None,
                   events: list[Event] | None = None) -> list[Event]:  # fmt: skip
        """Handle one refresh; returns the events it produced (none for the first).

        The first refresh of another host (``snapshot.host``) is a new baseline too, and
        a remote host's events and notifications name it. ``events``:
        `events_from_diff(change)` when the refresh worker made them already.
        """
        first = self._previous is None or self._previous.host != snapshot.host
        if first:
            self.policy.reset()
        if change is None:
            change = diff(self._previous, snapshot)
        self._previous = snapshot
        if first:
            events = []
        elif events is None:
            events = events_from_diff(change, snapshot.taken_at)
        if snapshot.host:
            events = [replace(e, message=f"{snapshot.host}: {e.message}") for e in events]
        if events:
            # Written a moment later, in one batch: the log's thread then runs while the
            # window is idle, not while it paints this refresh.
            self._unwritten += events
            if not self._write_timer.isActive():
                self._write_timer.start()
            self._activity.add_events(events)
            # Bounded like the panel: a window left open for days must not grow.
            self._live_since_request = (events + self._live_since_request)[:MAX_ROWS]
            listeners = [e for e in events if e.kind in (LISTEN_STARTED, OWNER_CHANGED)]
            if listeners:
                self._set_recent(listeners + self._recent)
            self.events_recorded.emit(events)
            self._check_empty()
        statuses = self.watched.update(snapshot)
        self._show_watched()
        for note in self.policy.decide(events, statuses):
            where = f"{snapshot.host}: " if snapshot.host else ""
            self._notifier.notify(where + note.title, note.message)
        return events

    @Slot(str)
    def watch_port(self, text: str) -> str:
        """Pin a port ('' on success, else the sentence the panel shows)."""
        error = self.watched.add(text)
        self._watch.show_error(error)
        if not error:
            self._save_ports()
        return error

    @Slot(int)
    def unwatch_port(self, port: int) -> None:
        if self.watched.remove(port):
            self._save_ports()

    def announce(self, title: str, message: str) -> None:
        """A desktop notification about Portie itself (not logged, not filtered)."""
        self._tray.show_message(title, message)

    def set_paused(self, paused: bool) -> None:
        """The window paused or resumed: the tray menu follows (without echoing back)."""
        self._tray.set_paused(paused)

    def set_locked(self, locked: bool) -> None:
        """Process control is locked (or not): the panel's Terminate… wears the lock mark."""
        self._watch.set_locked(locked)

    def restyle(self) -> None:
        self._activity.restyle()
        self._watch.restyle()

    @Slot()
    def clear_activity(self) -> None:
        """Forget every event, on screen and in the log."""
        self._activity.show_history([])
        self._check_empty()
        self._live_since_request = []
        self._unwritten = []
        self._set_recent([])
        self._in_log(lambda store: store.clear(), then=self._show_store_notice)

    def flush(self, msecs: int = 5000) -> bool:
        """Wait for pending log reads and writes (shutdown, tests); True when none is left."""
        self._write_unwritten()
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        """Hide the tray icon and close the log (call when the app quits)."""
        self._tray.hide()
        self.flush()
        if self._store is not None:
            self._store.close()

    # --- the log, on its own thread ------------------------------------------------------

    def _open_store(self, factory: Callable[[], ActivityStore]) -> None:
        # On the log's thread, before any job that uses the store (the pool runs in order).
        self._store = factory()

    @Slot()
    def _write_unwritten(self) -> None:
        self._write_timer.stop()
        events, self._unwritten = self._unwritten, []
        if events:
            self._in_log(lambda store: store.add(events), then=self._show_store_notice)

    def _in_log(self, work: Callable, then: Callable | None = None) -> None:
        """Run ``work(store)`` on the log's thread (the first job opens the store)."""

        def call():
            return work(self._store) if self._store is not None else None

        job = run_in_pool(self._pool, call)
        if then is not None:
            job.finished.connect(then)
        job.failed.connect(self._activity.set_notice)

    @Slot(str, bool)
    def _load_history(self, text: str, connections: bool) -> None:
        self._write_unwritten()  # before the read: the pool runs jobs in order
        self._history_request += 1
        self._live_since_request = []
        request = self._history_request

        def read(store: ActivityStore):
            if not text and connections:
                events = store.history(self._history_rows)
            else:
                kinds = None if connections else list(LISTENER_KINDS)
                events = store.recent(self._history_rows, text_filter=text or None, kinds=kinds)
            recent = store.recent(RECENT_LISTENERS, kinds=[LISTEN_STARTED, OWNER_CHANGED])
            return events, recent

        self._in_log(read, then=lambda found: self._on_history_read(request, found))

    def _on_history_read(self, request: int, found) -> None:
        if found is None or request != self._history_request:
            return  # the log could not open (notice shown), or a newer request is coming
        events, recent = found
        if not self._recent_loaded:
            self._recent_loaded = True
            if not self._recent:
                self._set_recent(recent)
        self._activity.show_history(self._live_since_request + events)
        self._check_empty()
        self._show_store_notice()
        self.history_loaded.emit()

    def _show_store_notice(self, *_args) -> None:
        # No tray is worth saying where events go, calmly, in the panel; a broken log is
        # a problem worth the status bar too.
        notice = self.notice
        self._activity.set_notice(notice or self._tray_notice)
        if notice != self._last_notice:
            self._last_notice = notice
            self.notice_changed.emit(notice)

    # --- helpers ---------------------------------------------------------------------------

    def _set_recent(self, events: list[Event]) -> None:
        self._recent = events[:RECENT_LISTENERS]
        self._tray.set_recent_listeners(self._recent)

    @property
    def empty(self) -> bool:
        """Nothing logged on screen and no port watched: the panels show only how to start."""
        return not self._activity.events() and not self.watched.ports

    def _check_empty(self) -> None:
        empty = self.empty
        if empty != self._was_empty:
            self._was_empty = empty
            self.empty_changed.emit(empty)

    def _show_watched(self) -> None:
        self._watch.render(self.watched)
        self._tray.set_watched(self.watched.statuses())
        self.watched_changed.emit(self.watched)

    def _save_ports(self) -> None:
        self._check_empty()
        self._settings.setValue(PORTS_KEY, self.watched.to_text())
        self._show_watched()

    @Slot(str)
    def _on_watch_notify_mode_changed(self, mode: str) -> None:
        self.policy.mode = NotifyMode(mode)
        self._settings.setValue(NOTIFY_KEY, mode)
