"""The filter row above the table: search text, toggles and the range selector.

It turns what the user set into one `FilterCriteria` (``criteria_changed``), shows the
per-band counts on the range buttons, and keeps its state in the settings between runs.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QLabel, QLineEdit, QPushButton, QWidget

from portie_qt import style
from portie_qt.core.filtering import FilterCriteria
from portie_qt.core.ranges import Band
from portie_qt.forms import child
from portie_qt.settings import read_bool, read_str

BAND_BUTTONS = {None: "bandAll", Band.WELL_KNOWN: "bandWellKnown",
                Band.REGISTERED: "bandRegistered", Band.DYNAMIC: "bandDynamic",
                Band.EPHEMERAL: "bandEphemeral"}  # fmt: skip
TOGGLE_DEFAULTS = {"listeningOnly": False, "tcpToggle": True, "udpToggle": True,
                   "ipv4Toggle": True, "ipv6Toggle": True}  # fmt: skip
LEGEND = "■ system service   ● app or dev tool   ◆ private   ○ passing connection"
# The selected range reads at a glance: filled with the selection colour, like a tab.
SELECTED_RANGE_CSS = (
    "QPushButton:checked { background-color: palette(highlight); "
    "color: palette(highlighted-text); border: 1px solid palette(highlight); "
    "border-radius: 3px; padding: 3px 6px; }"
    "QPushButton { padding: 3px 6px; }"
)


class FilterBar(QObject):
    """Reads the filter widgets of ``form`` (found by object name) as one criteria value."""

    criteria_changed = Signal(object)  # FilterCriteria

    def __init__(self, form: QWidget, settings: QSettings, parent=None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.edit: QLineEdit = child(form, QLineEdit, "filterEdit")
        self.toggles = {name: child(form, QCheckBox, name) for name in TOGGLE_DEFAULTS}
        self.band_buttons: dict[Band | None, QPushButton] = {
            band: child(form, QPushButton, name) for band, name in BAND_BUTTONS.items()
        }
        self.legend: QLabel = child(form, QLabel, "bandSummary")
        self.legend.setText(LEGEND)
        self.group = QButtonGroup(self)
        for button in self.band_buttons.values():
            self.group.addButton(button)
            button.setStyleSheet(SELECTED_RANGE_CSS)
        self.band_buttons[Band.EPHEMERAL].setToolTip(
            f"Ports {Band.EPHEMERAL.span[0]}–{Band.EPHEMERAL.span[1]}, this OS's range for "
            "outgoing connections: connections passing by (listeners stay in their range)"
        )
        self.restyle()
        self._restore()
        self.criteria = self._read()
        self.counts: dict[Band, int] = {band: 0 for band in Band}
        self.edit.textChanged.connect(self._on_changed)
        for box in self.toggles.values():
            box.toggled.connect(self._on_changed)
        self.group.buttonToggled.connect(self._on_band_toggled)

    def focus(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def clear(self) -> None:
        """Show everything: no search text, every toggle on but "listening only", all bands."""
        for name, box in self.toggles.items():
            box.setChecked(TOGGLE_DEFAULTS[name])
        self.band_buttons[None].setChecked(True)
        self.edit.clear()

    def show_counts(self, counts: dict[Band, int]) -> None:
        """Per-band counts of the rows passing every filter but the band selector."""
        self.counts = dict(counts)
        self.band_buttons[None].setText(f"All {sum(counts.values())}")
        for band in Band:
            self.band_buttons[band].setText(f"{band.title} {counts[band]}")

    def restyle(self) -> None:
        markers = style.current().band_icon
        for band, button in self.band_buttons.items():
            if band is not None:
                button.setIcon(markers[band])

    def save(self) -> None:
        s = self.settings
        for name, box in self.toggles.items():
            s.setValue(f"filter/{name}", box.isChecked())
        s.setValue("filter/text", self.edit.text())
        band = self.criteria.band
        s.setValue("filter/band", band.value if band else "all")

    def _restore(self) -> None:
        s = self.settings
        for name, box in self.toggles.items():
            box.setChecked(read_bool(s, f"filter/{name}", TOGGLE_DEFAULTS[name]))
        self.edit.setText(read_str(s, "filter/text", ""))
        band = read_str(s, "filter/band", "all")
        for each, button in self.band_buttons.items():
            button.setChecked((each.value if each else "all") == band)
        if self.group.checkedButton() is None:
            self.band_buttons[None].setChecked(True)

    def _read(self) -> FilterCriteria:
        checked = self.group.checkedButton()
        band = next((b for b, btn in self.band_buttons.items() if btn is checked), None)
        t = self.toggles
        return FilterCriteria(
            text=self.edit.text(),
            listening_only=t["listeningOnly"].isChecked(),
            tcp=t["tcpToggle"].isChecked(),
            udp=t["udpToggle"].isChecked(),
            ipv4=t["ipv4Toggle"].isChecked(),
            ipv6=t["ipv6Toggle"].isChecked(),
            band=band,
        )

    @Slot()
    def _on_changed(self, *_args) -> None:
        criteria = self._read()
        if criteria != self.criteria:
            self.criteria = criteria
            self.criteria_changed.emit(criteria)

    @Slot(object, bool)
    def _on_band_toggled(self, _button, checked: bool) -> None:
        if checked:
            self._on_changed()
