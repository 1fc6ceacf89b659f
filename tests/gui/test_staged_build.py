"""Building a window in stages: one step per event-loop turn, and a step that fails
leaves the others to run (the window's later parts, the cycle collector's return)."""

from __future__ import annotations

from portie_qt.staged_build import StagedBuild


def test_steps_run_in_order_one_per_turn_and_complete(qtbot):
    ran = []
    build = StagedBuild([lambda: ran.append(1), lambda: ran.append(2)])
    assert not build.done and ran == []
    with qtbot.waitSignal(build.completed, timeout=5000):
        build.start()
    assert ran == [1, 2] and build.done


def test_a_failing_step_is_reported_and_the_rest_still_run(qtbot):
    ran = []

    def broken() -> None:
        raise OSError("the activity log's database is unreadable")

    build = StagedBuild([lambda: ran.append("first"), broken, lambda: ran.append("last")])
    with qtbot.capture_exceptions() as raised, qtbot.waitSignal(build.completed, timeout=5000):
        build.start()
    assert ran == ["first", "last"] and build.done
    assert [str(e[1]) for e in raised] == ["the activity log's database is unreadable"]
