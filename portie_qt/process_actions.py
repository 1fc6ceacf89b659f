"""Terminate or kill the owners of table rows: confirm, act off the UI thread, report.

The main window hands ``ProcessActions.request()`` the selected endpoints (or targets)
and an action; this controller asks for confirmation unless the user opted out, runs
``core.process_control`` in a thread pool (terminate waits up to 3 s for the process to
exit), offers Kill when Terminate did not work, and reports through signals only. For a
remote host, ``set_host`` swaps in that host's `RemoteProcesses`, which has the same
``describe``/``terminate``/``kill`` and runs them over its SSH connection.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget
from shiboken6 import Shiboken

from portie_qt.confirm_dialog import ACTIONS, KILL, TERMINATE, ConfirmSignalDialog
from portie_qt.core import process_control
from portie_qt.core.endpoints import Endpoint
from portie_qt.core.process_control import Outcome, Result, Target, oldest_first
from portie_qt.jobs import background_pool, run_in_pool
from portie_qt.questions import ask

# (targets, action, parent) -> (accepted, don't ask again[, stop their process trees too])
ConfirmPrompt = Callable[[list[Target], str, "QWidget | None"], tuple]


class Answer(NamedTuple):
    """What a confirmation said."""

    accepted: bool
    dont_ask: bool = False
    tree: bool = False  # also stop the holders' descendants, after them


# (outcomes of processes still running after Terminate, parent) -> kill them?
KillPrompt = Callable[[list[Outcome], "QWidget | None"], bool]


@dataclass
class _Request:
    """One user request, carried from confirmation through escalation to ``finished``."""

    action: str
    targets: list[Target]
    parent: QWidget | None
    processes: object  # core.process_control, or a host's RemoteProcesses
    host: str = ""  # "" for this computer
    outcomes: list[Outcome] = field(default_factory=list)


def _targets(items: Iterable[Endpoint | Target], host: str = "") -> list[Target]:
    """Each distinct process once, by (PID, start time): every holder of each row's
    socket, oldest (the parent) first; ownerless rows are dropped."""
    items = list(items)
    found = process_control.targets_for((e for e in items if isinstance(e, Endpoint)), host)
    found += [t for t in items if isinstance(t, Target)]
    unique: dict[tuple, Target] = {}
    for target in found:
        unique.setdefault(target.key, target)
    return list(unique.values())


def _describe_all(processes, targets: list[Target], trees: bool) -> tuple[list, list]:
    """Fresh details of ``targets`` and, when ``trees``, every descendant of theirs (each
    once, Portie never), for the confirmation. Slow: /proc or another host."""
    described = [processes.describe(*t.key) for t in targets]
    # Keep what the table knew where the fresh look found less (the process exited).
    described = [
        fresh if fresh.name else known for fresh, known in zip(described, targets, strict=True)
    ]
    tree: list[Target] = []
    if trees:
        from portie_qt.core.stopping import process_tree

        seen = {t.key for t in described}
        for holder in described:
            for member in process_tree(holder):
                if member.key not in seen and member.pid != os.getpid():
                    seen.add(member.key)
                    tree.append(member)
    return described, tree


def _act_all(processes, action: str, targets: list[Target], timeout: float) -> list[Outcome]:
    if action == KILL:
        return [processes.kill(t) for t in targets]
    return [processes.terminate(t, timeout) for t in targets]


def _failed(targets: list[Target], message: str) -> list[Outcome]:
    return [
        Outcome(t, Result.REFUSED, f"Portie could not signal {t.title}: {message}") for t in targets
    ]


class ProcessActions(QObject):
    """Confirms, then terminates or kills processes off the UI thread.

    ``confirm_enabled()`` / ``set_confirm_enabled(bool)`` are the "ask before stopping"
    setting (the window stores it in QSettings); ``allowed()`` is the license gate,
    checked again here so a locked copy signals nothing even if an action slips through.
    ``confirm_prompt`` and ``kill_prompt`` are attributes so tests (or another front end)
    can answer without a modal dialog.
    """

    acted = Signal()  # processes were signalled: refresh the table now
    finished = Signal(list)  # list[Outcome], one per distinct process, final results

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        confirm_enabled: Callable[[], bool] = lambda: True,
        set_confirm_enabled: Callable[[bool], None] = lambda _value: None,
        allowed: Callable[[], bool] = lambda: True,
        timeout: float = 3.0,
    ) -> None:
        super().__init__(parent)
        self.allowed = allowed
        self.confirm_enabled = confirm_enabled
        self.set_confirm_enabled = set_confirm_enabled
        self.timeout = timeout
        # None: the real dialog, opened at once and filled in when the details arrive.
        self.confirm_prompt: ConfirmPrompt | None = None
        self.kill_prompt: KillPrompt = self.ask_kill
        self._pending = 0  # jobs running for this controller
        self._in_flight: set[tuple] = set()  # (host, pid, start time) being acted on
        self.processes = process_control  # who describes and signals: this computer
        self.host = ""

    def set_host(self, host) -> None:
        """Act on ``host``'s processes (a `RemoteHost`), or this computer's for None.

        A request already under way finishes on the host it was made for."""
        self.processes = process_control if host is None else host.processes
        self.host = "" if host is None else host.name

    # -- public -------------------------------------------------------------------

    def request(
        self, items: Iterable[Endpoint | Target], action: str, parent: QWidget | None = None
    ) -> bool:
        """Start terminating/killing the owners of ``items``; False when nothing started.

        Nothing starts while locked (``allowed()`` false) or when no item has a visible
        owner. Processes already being acted on are skipped, so a double press cannot
        signal twice. Results arrive through ``finished``.
        """
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, not {action!r}")
        if not self.allowed():
            return False
        host, processes = self.host, self.processes
        targets = [t for t in _targets(items, host) if (host, *t.key) not in self._in_flight]
        if not targets:
            return False
        self._in_flight.update((host, *t.key) for t in targets)
        req = _Request(action, targets, parent, processes, host)
        if action == KILL or self.confirm_enabled():  # Kill always asks
            # Fresh names, command lines, every port and the process trees: reading them
            # touches /proc, the whole socket table or another host, so not here.
            trees = processes is process_control  # trees of this computer's processes
            job = self._run(lambda: _describe_all(processes, targets, trees))
            if self.confirm_prompt is None:
                self._open_dialog(req, job)
            else:
                job.finished.connect(lambda found: self._on_described(req, *found))
                job.failed.connect(lambda _message: self._on_described(req, req.targets, []))
        else:
            self._act(req, action, targets)
        return True

    @property
    def busy(self) -> bool:
        return self._pending > 0

    # -- default prompts (replaceable) --------------------------------------------

    def ask_kill(self, stuck: list[Outcome], parent: QWidget | None) -> bool:
        """Offer Kill for processes that ignored Terminate; Cancel is the default."""
        return ask(parent, "confirmKill", QMessageBox.Icon.Warning, "Process still running",
                   "\n".join(o.message for o in stuck),
                   "Kill stops it at once, without letting it save its work or clean up.",
                   "Kill", QMessageBox.ButtonRole.DestructiveRole)  # fmt: skip

    # -- steps ----------------------------------------------------------------------

    def _run(self, call: Callable[[], object]):
        self._pending += 1
        job = run_in_pool(background_pool(), call)
        job.finished.connect(self._on_job_ended)
        job.failed.connect(self._on_job_ended)
        return job

    def _on_job_ended(self, *_args) -> None:
        self._pending -= 1

    def _parent_of(self, req: _Request) -> QWidget | None:
        # The window may have closed while a 3 s wait ran.
        if req.parent is not None and Shiboken.isValid(req.parent):
            return req.parent
        return None

    def _open_dialog(self, req: _Request, job) -> None:
        """The confirmation, shown now with what the table knew; the details follow."""
        dialog = ConfirmSignalDialog(req.targets, req.action, self._parent_of(req),
                                     timeout=self.timeout, described=False)  # fmt: skip

        def described(found) -> None:
            if Shiboken.isValid(dialog):
                dialog.set_described(*found)

        job.finished.connect(described)
        job.failed.connect(lambda _message: described((req.targets, [])))
        dialog.finished.connect(lambda code: self._on_dialog_finished(req, dialog, code))
        dialog.open()

    def _on_dialog_finished(self, req: _Request, dialog: ConfirmSignalDialog, code: int) -> None:
        answer = Answer(code == QDialog.DialogCode.Accepted, dialog.dont_ask_again())
        chosen = dialog.chosen_targets()
        dialog.deleteLater()
        self._answered(req, answer, chosen)

    def _on_described(self, req: _Request, described: list[Target], tree: list[Target]) -> None:
        """A prompt other than the dialog (tests, another front end) answers at once."""
        answer = Answer(*self.confirm_prompt(described, req.action, self._parent_of(req)))
        chosen = sorted({t.key: t for t in [*described, *tree]}.values(), key=oldest_first)
        self._answered(req, answer, chosen if answer.tree else described)

    def _answered(self, req: _Request, answer: Answer, targets: list[Target]) -> None:
        if not answer.accepted:
            self._finish(req)
            return
        if answer.dont_ask and req.action == TERMINATE:
            self.set_confirm_enabled(False)
        # The described targets carry the pidfd opened while their identity was checked
        # (Linux): the processes the user confirmed are the ones signalled.
        self._act(req, req.action, targets)

    def _act(self, req: _Request, action: str, targets: list[Target]) -> None:
        timeout, processes = self.timeout, req.processes
        job = self._run(lambda: _act_all(processes, action, targets, timeout))
        job.finished.connect(lambda outcomes: self._on_acted(req, action, outcomes))
        job.failed.connect(lambda message: self._on_acted(req, action, _failed(targets, message)))

    def _on_acted(self, req: _Request, action: str, outcomes: list[Outcome]) -> None:
        done = {o.target.key: o for o in outcomes}
        req.outcomes = [done.get(o.target.key, o) for o in req.outcomes] or outcomes
        self.acted.emit()
        stuck = [o for o in outcomes if o.result is Result.STILL_RUNNING]
        if action == TERMINATE and stuck and self.kill_prompt(stuck, self._parent_of(req)):
            self._act(req, KILL, [o.target for o in stuck])
            return
        self._finish(req)

    def _finish(self, req: _Request) -> None:
        self._in_flight.difference_update((req.host, *t.key) for t in req.targets)
        self.finished.emit(list(req.outcomes))
