"""What this copy of Portie may do: the one place the GUI asks before a paid action.

``Entitlements`` wraps the saved license (``core.license.LicenseStore``), re-verified at
start-up, and emits ``changed(unlocked)`` when a key is activated or removed so paid
actions turn on or off at once. ``bind_action()`` turns a QAction into a paid one: while
locked it wears a lock mark and, instead of running, asks for the unlock dialog with
``unlock_requested(feature)``; the window owns that dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction

from portie_qt.core.license import (
    FEATURES,
    PRICE,
    License,
    LicenseState,
    LicenseStore,
)
from portie_qt.jobs import background_pool, run_in_pool
from portie_qt.style import refresh_action_icon, with_lock


class Entitlements(QObject):
    """Says which paid features are unlocked; every paid action asks it and nothing else."""

    changed = Signal(bool)  # unlocked
    unlock_requested = Signal(str)  # a paid feature was tried while locked ("" from a menu)

    def __init__(self, store: LicenseStore | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._store = store or LicenseStore()
        self._state: LicenseState = self._store.load()

    # --- state -----------------------------------------------------------------------

    @property
    def unlocked(self) -> bool:
        return self._state.unlocked

    @property
    def license(self) -> License | None:
        return self._state.license

    @property
    def licensee(self) -> str | None:
        """The licensee's name, or None while locked."""
        return self._state.license.name if self._state.license else None

    @property
    def notice(self) -> str | None:
        """Why a saved key was refused (damaged or tampered file), or None."""
        return self._state.notice

    @property
    def store(self) -> LicenseStore:
        return self._store

    def allows(self, feature: str) -> bool:
        """True when ``feature`` (a key of ``core.license.FEATURES``) may run now."""
        if feature not in FEATURES:
            raise KeyError(f"Unknown paid feature {feature!r}")
        return self._state.allows(feature)

    # --- changes ---------------------------------------------------------------------

    def activate(self, text: str) -> License:
        """Verify and save a key; paid features unlock at once. Raises LicenseError/OSError."""
        license_ = self._store.save(text)
        self.set_state(LicenseState(license=license_))
        return license_

    def remove(self) -> bool:
        """Forget the saved key (paid features lock at once); True when there was one."""
        removed = self._store.remove()
        self.set_state(LicenseState())
        return removed

    def reload(self) -> None:
        """Re-read the saved key (another process may have activated or removed it)."""
        self.set_state(self._store.load())

    def reload_in_background(self) -> None:
        """`reload`, with the file read off the UI thread; changes arrive as ``changed``."""
        job = run_in_pool(background_pool(), self._store.load)
        job.finished.connect(self._on_loaded)

    @Slot(object)
    def _on_loaded(self, state: LicenseState) -> None:
        if (state.license, state.notice) != (self.license, self.notice):
            self.set_state(state)

    def set_state(self, state: LicenseState) -> None:
        """Adopt a state read elsewhere (off the UI thread) or made here."""
        self._state = state
        # Always emit: the licensee or notice may change even when "unlocked" does not.
        self.changed.emit(state.unlocked)

    # --- paid actions ----------------------------------------------------------------

    def run_or_offer(self, feature: str, run: Callable[[], None]) -> bool:
        """Run a paid ``run()`` when allowed, else ask for the unlock dialog; True when it ran."""
        if self.allows(feature):
            run()
            return True
        self.unlock_requested.emit(feature)
        return False

    def bind_action(self, action: QAction, feature: str, run: Callable[[], None]) -> None:
        """Make ``action`` a paid action for ``feature``: ``run()`` when unlocked, else offer.

        While locked the action shows the lock icon, a tooltip naming the price and the
        dynamic property ``locked=True``; it stays enabled so a click can explain itself.
        """
        if feature not in FEATURES:
            raise KeyError(f"Unknown paid feature {feature!r}")
        _PaidAction(self, action, feature, run)


class _PaidAction(QObject):
    """Keeps one QAction's lock mark in step with Entitlements and routes its trigger."""

    def __init__(
        self,
        entitlements: Entitlements,
        action: QAction,
        feature: str,
        run: Callable[[], None],
    ):
        super().__init__(action)  # lives and dies with the action
        self._entitlements = entitlements
        self._action = action
        self._feature = feature
        self._run = run
        self._icon = action.icon()
        self._tooltip = action.toolTip()
        action.triggered.connect(self._on_action_triggered)
        entitlements.changed.connect(self._on_entitlements_changed)
        self._on_entitlements_changed(entitlements.unlocked)

    @Slot(bool)
    def _on_entitlements_changed(self, _unlocked: bool) -> None:
        locked = not self._entitlements.allows(self._feature)
        self._action.setProperty("locked", locked)
        if self._action.property("iconName"):  # a themed icon: style draws it, padlock and all
            refresh_action_icon(self._action)
        else:
            self._action.setIcon(with_lock(self._icon) if locked else self._icon)
        if locked:
            self._action.setToolTip(
                f"{self._tooltip or self._action.text().replace('&', '')} — paid feature, "
                f"part of the one-time {PRICE} unlock; click to see what it adds"
            )
        else:
            self._action.setToolTip(self._tooltip)

    @Slot()
    def _on_action_triggered(self) -> None:
        self._entitlements.run_or_offer(self._feature, self._run)


def load_entitlements(parent: QObject | None = None) -> Entitlements:
    """The main window's Entitlements, from the key saved in the config directory."""
    return Entitlements(LicenseStore(), parent)
