"""The first-run layout fits 1280×720 and 1024×640: no horizontal scrollbar on the ports
table, no header cut short, every toolbar action with an icon."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QToolBar, QToolButton

from portie_qt.ports_columns import DEFAULT_HIDDEN
from portie_qt.ports_model import HEADERS, REMOTE, SERVICE


@pytest.fixture(params=[(1280, 720), (1024, 640)], ids=["1280x720", "1024x640"])
def sized_window(qtbot, request):
    from portie_qt.app import create_main_window

    win = create_main_window(start=False)  # a fresh config dir: the first-run layout
    qtbot.addWidget(win)
    win.resize(*request.param)
    win.show()
    with qtbot.waitSignal(win.refresh_applied, timeout=10000):
        win.start()
    qtbot.waitUntil(lambda: win.width() == request.param[0], timeout=5000)
    yield win
    win.close()
    win.loop.stop()


def test_default_columns_fit_with_every_header_whole(qtbot, sized_window):
    table = sized_window.ports.table
    header = table.horizontalHeader()
    shown = [c for c in range(len(HEADERS)) if not header.isSectionHidden(c)]
    aside = sized_window.ports.columns.stepped_aside
    assert set(range(len(HEADERS))) - set(shown) == set(DEFAULT_HIDDEN) | aside
    assert aside <= {REMOTE}  # only Remote steps aside, and only where room is short
    qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0, timeout=5000)
    metrics = header.fontMetrics()
    for column in shown:
        assert header.sectionSize(column) >= metrics.horizontalAdvance(HEADERS[column]) + 16, (
            HEADERS[column]
        )


# Narrower than the default size, the columns people read first get the room.
@pytest.mark.parametrize("sized_window", [(1280, 720)], ids=["1280x720"], indirect=True)
def test_a_dev_servers_service_label_reads_whole_at_the_default_size(qtbot, sized_window):
    from portie_qt.core.reference import service_label

    table = sized_window.ports.table
    label = service_label(3000, "tcp")  # the longest label of a common dev port
    assert label == "Node/React dev server"
    qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0, timeout=5000)
    wanted = table.fontMetrics().horizontalAdvance(label) + 8  # the cell's margins
    assert table.horizontalHeader().sectionSize(SERVICE) >= wanted


def test_every_toolbar_action_has_an_icon(sized_window):
    buttons = 0
    for toolbar in sized_window.findChildren(QToolBar):
        for action in toolbar.actions():
            # Separators and embedded widgets (the host selector) are not action buttons.
            if isinstance(toolbar.widgetForAction(action), QToolButton):
                buttons += 1
                assert not action.icon().isNull(), action.text()
    assert buttons >= 4


def test_the_answer_card_and_status_bar_fit(qtbot, sized_window, spawn_listener):
    child = spawn_listener()
    sized_window.filters.edit.setText(str(child.port))
    card = sized_window.answer
    qtbot.waitUntil(lambda: f"PID {child.pid}" in card.text.text(), timeout=10000)
    for button in (card.open_button, card.stop_button, card.kill_button, card.copy_button,
                   card.watch_button, card.why_button):  # fmt: skip
        wanted = button.fontMetrics().horizontalAdvance(button.text().replace("&", ""))
        assert button.width() >= wanted + 16, button.text()
    # The whole answer shows once the layout has given the label the lines it needs
    # (laid out on the event loop's next turns after the text changed).
    qtbot.waitUntil(lambda: card.text.height() >= card.text.heightForWidth(card.text.width()),
                    timeout=5000)  # fmt: skip
    assert sized_window.status.height() <= sized_window.status.sizeHint().height()


def test_remote_steps_aside_when_narrow_and_returns_unless_the_user_hid_it(qtbot, sized_window):
    columns = sized_window.ports.columns
    header = sized_window.ports.table.horizontalHeader()
    sized_window.resize(900, 600)
    qtbot.waitUntil(lambda: header.isSectionHidden(REMOTE), timeout=5000)
    assert columns.stepped_aside == {REMOTE}
    sized_window.resize(1500, 800)
    qtbot.waitUntil(lambda: not header.isSectionHidden(REMOTE), timeout=5000)
    assert not columns.stepped_aside
    columns.set_shown(REMOTE, False)  # the user's choice (the header's menu)
    sized_window.resize(1600, 850)
    qtbot.waitUntil(lambda: sized_window.width() == 1600, timeout=5000)
    assert header.isSectionHidden(REMOTE) and not columns.stepped_aside


def test_the_side_pane_follows_the_window_until_the_user_moves_it(qtbot, sized_window):
    splitter = sized_window.splitter
    sized_window.resize(1000, 640)
    qtbot.waitUntil(lambda: splitter.sizes()[1] <= 300, timeout=5000)  # the table keeps room
    splitter.moveSplitter(500, 1)  # as a drag does (emits splitterMoved)
    kept = splitter.sizes()[1]
    sized_window.resize(1400, 800)
    qtbot.waitUntil(lambda: sized_window.width() == 1400, timeout=5000)
    assert splitter.sizes()[1] == kept
