"""Every colour, marker and icon Portie draws, for the current light or dark palette.

Views never write a colour of their own: they ask `current()` for a `Style`, tag labels
with a tone (`set_tone`), and call `restyle()` on a palette change, so dark mode applies
to every window. Colour is never the only signal: bands also have a shaped marker and a
name, LISTEN is also bold, a watched port's dot also has its words.
"""

from __future__ import annotations

import functools
import sys

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import QWidget

from portie_qt.core.paths import ResourceError, resource_path
from portie_qt.core.ranges import Band

APP_ICON = "assets/icons/portie.svg"
# Toolbar buttons: text under the icon on macOS, beside it elsewhere (each platform's habit).
TOOL_BUTTON_STYLE = (
    Qt.ToolButtonStyle.ToolButtonTextUnderIcon
    if sys.platform == "darwin"
    else Qt.ToolButtonStyle.ToolButtonTextBesideIcon
)
LOCK_ICON = "assets/icons/lock.svg"
# Tones a label can take (the dynamic property "tone"): plain, good news, a warning, an error.
TONES = ("hint", "ok", "warn", "error", "muted")

_LIGHT = {
    "band_text": {Band.WELL_KNOWN: "#9a5b00", Band.REGISTERED: "#1f5fa8", Band.DYNAMIC: "#7442b0",
                  Band.EPHEMERAL: "#6b7177"},
    "band_tint": {Band.WELL_KNOWN: "#fdf1dc", Band.REGISTERED: "#e6f0fc", Band.DYNAMIC: "#f1eafa",
                  Band.EPHEMERAL: None},
    "listen": "#17803d",
    "muted": "#6f767d",
    "new": "#dff5d0",
    "ok": "#1e7d32",
    "warn": "#a15300",
    "error": "#b3261e",
    "free": "#2e9d4f",
    "busy": "#d07c00",
    "unknown": "#8a8f98",
    # Activity kinds: started, stopped listening, owner changed, connections opened, closed.
    "kinds": ("#2e9d4f", "#8a8f98", "#d07c00", "#4a7fd6", "#a9bde0"),
    "banner": ("#fff3d4", "#4a3506", "#e0a526"),  # background, text, border
}  # fmt: skip
_DARK = {
    "band_text": {Band.WELL_KNOWN: "#f0b45a", Band.REGISTERED: "#7fb4f0", Band.DYNAMIC: "#c3a0f0",
                  Band.EPHEMERAL: "#9aa0a6"},
    "band_tint": {Band.WELL_KNOWN: "#3b2f1a", Band.REGISTERED: "#1c2c40", Band.DYNAMIC: "#2d2340",
                  Band.EPHEMERAL: None},
    "listen": "#6fd08c",
    "muted": "#9aa1a8",
    "new": "#2e4a22",
    "ok": "#7bd88f",
    "warn": "#f0b45a",
    "error": "#ff8a80",
    "free": "#5cc878",
    "busy": "#f0a030",
    "unknown": "#9aa0a6",
    "kinds": ("#5cc878", "#9aa0a6", "#f0a030", "#7fa8f0", "#55698c"),
    "banner": ("#3d3117", "#f6e7c1", "#8a6a1c"),
}  # fmt: skip


class Style:
    """Colours, brushes and markers for one palette (light or dark)."""

    def __init__(self, dark: bool) -> None:
        table = _DARK if dark else _LIGHT
        self.dark = dark
        self.band_pen = {b: QColor(c) for b, c in table["band_text"].items()}
        tints = table["band_tint"].items()
        self.band_brush = {b: solid(QColor(c)) if c else None for b, c in tints}
        self.band_icon = {b: _band_marker(b, self.band_pen[b]) for b in Band}
        self.listen = QColor(table["listen"])
        self.muted = QColor(table["muted"])
        self.muted_brush = solid(self.muted)
        self.new = solid(QColor(table["new"]))
        self.tones = {"hint": "", "ok": table["ok"], "warn": table["warn"],
                      "error": table["error"], "muted": table["muted"]}  # fmt: skip
        self._dots = {name: table[name] for name in ("free", "busy", "unknown")}
        self._kind_colours = table["kinds"]
        self.banner = table["banner"]
        self.bold = QFont()
        self.bold.setBold(True)
        # The ports table's look tokens (`core.display`) -> this palette's brushes, pens and
        # markers; None means the view's default.
        bands = {band.value: band for band in Band}
        self.row_brushes = {None: None, **{v: self.band_brush[b] for v, b in bands.items()}}
        self.row_pens = {None: None, "muted": self.muted, "listen": self.listen,
                         **{v: self.band_pen[b] for v, b in bands.items()}}  # fmt: skip
        self.row_markers = {None: None, **{v: self.band_icon[b] for v, b in bands.items()}}

    @functools.cached_property
    def state_dots(self) -> dict[str, QIcon]:
        """A dot per watched-port state, free, busy and unknown (drawn with their panel,
        not for the first paint)."""
        return {name: dot(colour) for name, colour in self._dots.items()}

    @functools.cached_property
    def kind_dots(self) -> dict[str, QIcon]:
        """A dot per activity kind (made with the activity panel, not for the first paint)."""
        from portie_qt.core.activity import (
            CONNECTIONS_CLOSED,
            CONNECTIONS_OPENED,
            LISTEN_STARTED,
            LISTEN_STOPPED,
            OWNER_CHANGED,
        )

        kinds = (LISTEN_STARTED, LISTEN_STOPPED, OWNER_CHANGED, CONNECTIONS_OPENED,
                 CONNECTIONS_CLOSED)  # fmt: skip
        return {kind: dot(c) for kind, c in zip(kinds, self._kind_colours, strict=True)}

    def tone_css(self, tone: str) -> str:
        colour = self.tones.get(tone, "")
        return f"color: {colour};" if colour else ""

    def banner_css(self) -> str:
        """A soft highlighted box for one-time notes (the scan reminder, the unlock offer)."""
        background, text, border = self.banner
        return (
            f"background: {background}; color: {text}; border: 1px solid {border}; "
            "border-radius: 4px; padding: 6px 8px;"
        )

    def muted_html(self, text: str) -> str:
        """``text`` (already escaped) in the muted colour, for rich-text panes."""
        return f"<span style='color:{self.tones['muted']}'>{text}</span>"


def solid(colour: QColor) -> QBrush:
    """A solid brush of ``colour``. Not ``QBrush(colour)``: PySide6 resolves that call
    against every QBrush constructor, creating the gradient and image classes on the way
    (4 ms, before the first rows)."""
    brush = QBrush()
    brush.setColor(colour)
    brush.setStyle(Qt.BrushStyle.SolidPattern)
    return brush


def is_dark() -> bool:
    return QGuiApplication.palette().window().color().lightnessF() < 0.5


def current() -> Style:
    """The style for the application's palette now."""
    return _style(is_dark())


@functools.lru_cache(maxsize=2)
def _style(dark: bool) -> Style:
    return Style(dark)


def set_tone(widget: QWidget, tone: str) -> None:
    """Colour a label's text by meaning; `restyle` re-applies it when the palette changes."""
    widget.setProperty("tone", tone)
    widget.setStyleSheet(current().tone_css(tone))


def restyle(root: QWidget) -> None:
    """Re-apply every tone and action icon under ``root`` (call on QEvent.PaletteChange)."""
    style = current()
    for widget in [root, *root.findChildren(QWidget)]:
        tone = widget.property("tone")
        if isinstance(tone, str):
            widget.setStyleSheet(style.tone_css(tone))
    for action in root.findChildren(QAction):
        refresh_action_icon(action)


def dot(colour: str) -> QIcon:
    """A small filled circle: a state at a glance, always beside words that say it."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(2, 2, 8, 8)
    painter.end()
    return QIcon(pixmap)


def _band_marker(band: Band, colour: QColor) -> QIcon:
    """A small shape per range group (square, circle, diamond, ring) so it reads without
    colour: the same shapes as the filter bar's legend."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(colour)
    painter.setPen(Qt.PenStyle.NoPen)
    if band is Band.WELL_KNOWN:
        painter.drawRoundedRect(1, 1, 10, 10, 2, 2)
    elif band is Band.REGISTERED:
        painter.drawEllipse(1, 1, 10, 10)
    elif band is Band.DYNAMIC:
        painter.drawPolygon([QPointF(6, 0.5), QPointF(11.5, 6), QPointF(6, 11.5), QPointF(0.5, 6)])
    else:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = painter.pen()
        pen.setStyle(Qt.PenStyle.SolidLine)
        pen.setColor(colour)
        pen.setWidthF(1.6)
        painter.setPen(pen)
        painter.drawEllipse(2, 2, 8, 8)
    painter.end()
    return QIcon(pixmap)


def _drawn_icon() -> QIcon:
    """A plain round "P" badge, for builds that lack the SVG app icon."""
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#2f6fdf"))  # the app icon's own blue
        painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(8, int(size * 0.62)))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "P")
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def use_app_icon() -> None:
    """Give every window Portie's icon (the main window sets it after its first paint)."""
    QGuiApplication.setWindowIcon(app_icon())


def app_icon() -> QIcon:
    """Portie's icon: the bundled SVG when present and readable, else a drawn badge."""
    try:
        icon = QIcon(str(resource_path(APP_ICON)))
    except ResourceError:
        return _drawn_icon()
    # An SVG Qt cannot render (no svg image plugin) loads as a null icon.
    if icon.isNull() or icon.pixmap(32).isNull():
        return _drawn_icon()
    return icon


_ICON_INK = "#1f2328"  # the stroke colour the action SVGs are drawn with
_ICON_SIZES = (16, 20, 24, 32, 48)


def action_icon(name: str) -> QIcon:
    """A toolbar/menu icon from ``assets/icons/actions/NAME.svg``, inked in the palette's
    text colour so it reads in light and dark mode."""
    ink = QGuiApplication.palette().windowText().color().name()
    return _action_icon(name, ink)


@functools.lru_cache(maxsize=128)
def _action_icon(name: str, ink: str) -> QIcon:
    from PySide6.QtSvg import QSvgRenderer  # only once icons are first drawn

    try:
        text = resource_path(f"assets/icons/actions/{name}.svg").read_text(encoding="utf-8")
    except (ResourceError, OSError):
        return QIcon()
    renderer = QSvgRenderer(text.replace(_ICON_INK, ink).encode("utf-8"))
    icon = QIcon()
    for size in _ICON_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def set_action_icon(action: QAction, name: str) -> None:
    """Give ``action`` the named icon; it follows palette changes (`restyle`) and wears the
    padlock while the action's ``locked`` property is true (paid features)."""
    action.setProperty("iconName", name)
    refresh_action_icon(action)


def refresh_action_icon(action: QAction) -> None:
    name = action.property("iconName")
    if not isinstance(name, str):
        return
    base = action_icon(name)
    action.setIcon(with_lock(base) if action.property("locked") is True else base)


def with_lock(icon: QIcon) -> QIcon:
    """``icon`` with the paid-feature padlock in its corner (the padlock alone if none)."""
    lock = lock_icon()
    if icon.isNull():
        return lock
    badged = QIcon()
    for size in _ICON_SIZES:
        pixmap = icon.pixmap(size, size).copy()
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        badge = max(8, size * 9 // 16)
        painter.drawPixmap(size - badge, size - badge, lock.pixmap(badge, badge))
        painter.end()
        badged.addPixmap(pixmap)
    return badged


def lock_icon() -> QIcon:
    """The lock mark paid actions wear while Portie is locked."""
    try:
        return QIcon(str(resource_path(LOCK_ICON)))
    except ResourceError:
        return QIcon()  # a build without the icon still shows the tooltip and property


def plain_tip(text: str) -> str:
    """``text`` as a tooltip that shows exactly these characters.

    Qt guesses rich text from a tag anywhere in a tooltip's first line, so a process named
    ``<b>x`` or a command line with ``<img …>`` would be rendered: every tooltip that can
    hold a name, command line, banner or path goes through here (escaped, lines kept).
    """
    if not text:
        return ""
    import html  # 3 ms with its entity table: not before the first rows

    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


def menu_text(text: str) -> str:
    """``text`` for a menu entry: a "&" is shown, not taken as a keyboard mnemonic."""
    return text.replace("&", "&&")
