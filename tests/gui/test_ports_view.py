"""The ports table as a widget: the user's place survives refreshes, and the fast painting
path draws exactly what the model's data() says."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QTableView

from portie_qt.core.endpoints import Endpoint, Snapshot, diff
from portie_qt.ports_model import PortRowDelegate
from portie_qt.ports_view import PortsView

STATES = ("ESTABLISHED", "LISTEN", "TIME_WAIT", "CLOSE_WAIT", "BOUND")


def _endpoint(port: int, state: str | None = None) -> Endpoint:
    state = state or STATES[port % len(STATES)]
    protocol = "udp" if state == "BOUND" else "tcp"
    remote = None if state in ("LISTEN", "BOUND") else "10.0.0.9"
    pid = None if state == "TIME_WAIT" else 100 + port % 7
    return Endpoint(protocol, "ipv4", "127.0.0.1", port, remote,
                    None if remote is None else 443, state, pid,
                    None if pid is None else f"proc{pid}", "dev", None)  # fmt: skip


def _view(qtbot) -> PortsView:
    table = QTableView()
    qtbot.addWidget(table)
    table.resize(900, 400)
    table.show()
    return PortsView(table)


def _top_key(ports: PortsView):
    index = ports.table.indexAt(ports.table.viewport().rect().topLeft())
    return ports.model.key(index.row())


def test_a_refresh_keeps_the_top_visible_row_where_it_was(qtbot):
    ports = _view(qtbot)
    first = Snapshot(tuple(_endpoint(port) for port in range(2000, 2600, 2)), 0.0)
    ports.apply(diff(None, first))
    ports.model.finish()
    ports.table.scrollTo(ports.model.index(150, 0), ports.table.ScrollHint.PositionAtTop)
    top = _top_key(ports)
    selected = ports.model.index(160, 0)
    ports.table.selectionModel().select(
        selected, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    )
    chosen = selected.data(Qt.ItemDataRole.UserRole + 2)
    # Rows above the user's place come and go: 40 new ones, 30 gone, 20 change state.
    kept = [e for e in first.endpoints if not 2010 <= e.local_port < 2070]
    changed = [e._replace(state="CLOSE_WAIT") if e.state == "ESTABLISHED" and e.local_port < 2200
               else e for e in kept]  # fmt: skip
    added = [_endpoint(port) for port in range(2001, 2081, 2)]
    second = Snapshot(tuple(changed + added), 0.0)
    ports.apply(diff(first, second))
    assert _top_key(ports) == top
    assert ports.selected() == [chosen]


def test_the_fast_painting_path_draws_what_data_says(qtbot):
    ports = _view(qtbot)
    first = Snapshot(tuple(_endpoint(port) for port in range(20, 60)), 0.0)
    ports.apply(diff(None, first))
    # A second refresh: new rows are highlighted, and one row is selected.
    second = Snapshot(first.endpoints + tuple(_endpoint(p) for p in (21_000, 45_000)), 0.0)
    ports.apply(diff(first, second))
    ports.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # Port: the new rows on top
    ports.table.selectRow(3)
    QApplication.processEvents()  # the columns fit the shown table: settle before the grabs
    assert isinstance(ports.table.itemDelegate(), PortRowDelegate)
    filled = []
    fill = ports.model.paint_options
    ports.model.paint_options = lambda option, index: filled.append(1) or fill(option, index)
    fast = ports.table.viewport().grab().toImage()
    assert len(filled) >= 10 * 10  # every visible cell went through the fast path
    ports.table.setItemDelegate(QStyledItemDelegate(ports.table))  # Qt's own: data() per role
    plain = ports.table.viewport().grab().toImage()
    assert fast == plain


def test_dark_palette_restyles_the_rows_and_both_paths_agree(qtbot):
    from PySide6.QtGui import QColor, QGuiApplication, QPalette

    from portie_qt import style
    from portie_qt.ports_model import ENDPOINT_ROLE

    app = QGuiApplication.instance()
    light = app.palette()
    dark = QPalette(light)
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, "#202124"), (roles.Base, "#17181a"),
                         (roles.Text, "#e8eaed"), (roles.WindowText, "#e8eaed")):  # fmt: skip
        dark.setColor(role, QColor(colour))
    ports = _view(qtbot)
    listeners = Snapshot(tuple(_endpoint(port, "LISTEN") for port in (22, 80, 443, 5432)), 0.0)
    ports.apply(diff(None, listeners))
    try:
        app.setPalette(dark)
        ports.model.restyle()  # what the window does on QEvent.PaletteChange
        app.processEvents()  # the relayout a palette change asks for, before the grabs
        assert style.current().dark
        index = ports.model.index(0, 0)
        band = index.data(ENDPOINT_ROLE).band
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        assert background.color() == style.current().band_brush[band].color()
        fast = ports.table.viewport().grab().toImage()
        ports.table.setItemDelegate(QStyledItemDelegate(ports.table))
        assert ports.table.viewport().grab().toImage() == fast
    finally:
        app.setPalette(light)
    assert not style.current().dark


def test_service_labels_that_arrive_after_the_first_rows_fill_in_in_place(qtbot):
    from portie_qt.core.display import PORT, SERVICE, display_rows, labelled_rows

    ports = _view(qtbot)
    shown = Snapshot(tuple(_endpoint(port, "LISTEN") for port in (22, 80, 443, 5432)), 0.0)
    change = diff(None, shown)
    ports.apply(change, display_rows(change, labelled=False))  # the first refresh's rows
    cells = ports.model.index
    assert [cells(r, SERVICE).data() for r in range(4)] == ["", "", "", ""]
    ports.table.selectRow(3)
    chosen = ports.selected()
    ports.update_rows(labelled_rows(shown))  # the port data arrived
    services = {cells(r, PORT).data(): cells(r, SERVICE).data() for r in range(4)}
    assert services == {"22": "SSH", "80": "HTTP", "443": "HTTPS", "5432": "PostgreSQL"}
    assert ports.selected() == chosen
    # Sorted by Service, the labels move the rows (and the selection with them).
    sorted_by_service = _view(qtbot)
    sorted_by_service.table.sortByColumn(SERVICE, Qt.SortOrder.AscendingOrder)
    sorted_by_service.apply(change, display_rows(change, labelled=False))
    sorted_by_service.table.selectRow(0)
    chosen = sorted_by_service.selected()
    sorted_by_service.update_rows(labelled_rows(shown))
    column = [sorted_by_service.model.index(r, SERVICE).data() for r in range(4)]
    assert column == ["HTTP", "HTTPS", "PostgreSQL", "SSH"]
    assert sorted_by_service.selected() == chosen


def test_the_worker_sends_the_first_rows_before_their_labels(qtbot, spawn_listener):
    from portie_qt.core.display import SERVICE
    from portie_qt.refresh_worker import RefreshWorker

    spawn_listener()  # at least one row
    worker = RefreshWorker()
    sent = []
    worker.refreshed.connect(sent.append)
    worker.want_labels()  # as the window does once the first rows are painted
    worker._refresh_once(requested=True)  # here, in this thread: what run() does first
    first, labelled = sent
    assert not first.relabel and first.rows
    assert {row.texts[SERVICE] for row in first.rows.values()} == {""}
    labels = {k: e.service for k, e in first.snapshot.keyed().items() if e.service}
    assert labelled.relabel and labelled.snapshot is first.snapshot
    assert {k: row.texts[SERVICE] for k, row in labelled.rows.items()} == labels
