"""What this copy of Portie may do: the one place the GUI asks before a paid action.

``Entitlements`` wraps the saved license (``core.license.LicenseStore``), re-verified at
start-up, and emits ``changed(unlocked)`` when a key is activated or removed so paid
actions turn on or off at once. ``bind_action()`` turns a QAction into a paid one: while
locked it wears a lock mark and opens the unlock dialog instead of running.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QWidget
from shiboken6 import Shiboken

from portie_qt.core.license import (
    FEATURES,
    PRICE,
    License,
    LicenseState,
    LicenseStore,
)
from portie_qt.core.paths import ResourceError, resource_path

LOCK_ICON = "assets/icons/lock.svg"


def lock_icon() -> QIcon:
    """The lock mark paid actions wear while Portie is locked."""
    try:
        return QIcon(str(resource_path(LOCK_ICON)))
    except ResourceError:
        return QIcon()  # a build without the icon still shows the tooltip and property


class Entitlements(QObject):
    """Says which paid features are unlocked; every paid action asks it and nothing else."""

    changed = Signal(bool)  # unlocked

    def __init__(self, store: LicenseStore | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._store = store or LicenseStore()
        self._state: LicenseState = self._store.load()
        self._dialog = None  # the one open UnlockDialog, reused rather than stacked

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
        self._set(LicenseState(license=license_))
        return license_

    def remove(self) -> bool:
        """Forget the saved key (paid features lock at once); True when there was one."""
        removed = self._store.remove()
        self._set(LicenseState())
        return removed

    def reload(self) -> None:
        """Re-read the saved key (another process may have activated or removed it)."""
        self._set(self._store.load())

    def _set(self, state: LicenseState) -> None:
        self._state = state
        # Always emit: the licensee or notice may change even when "unlocked" does not.
        self.changed.emit(state.unlocked)

    # --- paid actions ----------------------------------------------------------------

    def run_or_offer(self, feature: str, run: Callable[[], None], parent: QWidget | None) -> bool:
        """Run a paid ``run()`` when allowed, else open the unlock dialog; True when it ran."""
        if self.allows(feature):
            run()
            return True
        self.open_unlock_dialog(parent, feature)
        return False

    def bind_action(
        self,
        action: QAction,
        feature: str,
        run: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        """Make ``action`` a paid action for ``feature``: ``run()`` when unlocked, else offer.

        While locked the action shows the lock icon, a tooltip naming the price and the
        dynamic property ``locked=True``; it stays enabled so a click can explain itself.
        """
        if feature not in FEATURES:
            raise KeyError(f"Unknown paid feature {feature!r}")
        _PaidAction(self, action, feature, run, parent)

    def open_unlock_dialog(self, parent: QWidget | None = None, feature: str | None = None):
        """Show the (non-blocking) unlock dialog, reusing one that is already open."""
        from portie_qt.unlock_dialog import UnlockDialog  # the dialog imports this module

        if self._dialog is not None and not Shiboken.isValid(self._dialog):
            self._dialog = None  # deleted along with the window it belonged to
        if self._dialog is None:
            self._dialog = UnlockDialog(self, parent, feature=feature)
            self._dialog.finished.connect(self._on_dialog_finished)
            self._dialog.open()
        else:
            self._dialog.set_feature(feature)
            self._dialog.raise_()
            self._dialog.activateWindow()
        return self._dialog

    @Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        dialog, self._dialog = self._dialog, None
        if dialog is not None:
            dialog.deleteLater()


class _PaidAction(QObject):
    """Keeps one QAction's lock mark in step with Entitlements and routes its trigger."""

    def __init__(
        self,
        entitlements: Entitlements,
        action: QAction,
        feature: str,
        run: Callable[[], None],
        parent: QWidget | None,
    ):
        super().__init__(action)  # lives and dies with the action
        self._entitlements = entitlements
        self._action = action
        self._feature = feature
        self._run = run
        self._window = parent
        self._icon = action.icon()
        self._tooltip = action.toolTip()
        action.triggered.connect(self._on_action_triggered)
        entitlements.changed.connect(self._on_entitlements_changed)
        self._on_entitlements_changed(entitlements.unlocked)

    @Slot(bool)
    def _on_entitlements_changed(self, _unlocked: bool) -> None:
        locked = not self._entitlements.allows(self._feature)
        self._action.setProperty("locked", locked)
        if locked:
            self._action.setIcon(lock_icon())
            self._action.setToolTip(
                f"{self._tooltip or self._action.text().replace('&', '')} — paid feature, "
                f"part of the one-time {PRICE} unlock; click to see what it adds"
            )
        else:
            self._action.setIcon(self._icon)
            self._action.setToolTip(self._tooltip)

    @Slot()
    def _on_action_triggered(self) -> None:
        self._entitlements.run_or_offer(self._feature, self._run, self._window)


def load_entitlements(parent: QObject | None = None) -> Entitlements:
    """The main window's Entitlements, from the key saved in the config directory."""
    return Entitlements(LicenseStore(), parent)
