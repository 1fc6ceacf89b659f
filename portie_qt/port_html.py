"""Rich text for the details pane and the port reference: what a port is, who holds it.

Every name, command line and path that reaches these panes comes from other programs,
so each is escaped: it shows as plain text, whatever it contains.
"""

from __future__ import annotations

import datetime as _dt
import html

from portie_qt import style
from portie_qt.core.endpoints import (
    LISTEN,
    NO_OWNER_PHRASES,
    OWNER_HIDDEN,
    OWNER_OUTSIDE,
    OWNER_PENDING,
    Endpoint,
    owner_phrase,
    who,
)
from portie_qt.core.reference import PortInfo

CMDLINE_SHOWN = 160
IN_USE_SHOWN = 20
HOLDERS_SHOWN = 25
# The pane's heading for a socket without a visible owner, by its owner status.
_NO_OWNER_HEADINGS = {
    OWNER_HIDDEN: "Owner hidden",
    OWNER_PENDING: "Owner not yet known",
    OWNER_OUTSIDE: "Owner outside this view",
}
ALL_PROTOCOLS = ("tcp", "udp", "sctp", "dccp")


def _esc(value) -> str:
    return html.escape(str(value))


def _row(label: str, value) -> str:
    shown = "—" if value in (None, "") else _esc(value)
    muted = style.current().muted_html(_esc(label))
    return f"<tr><td style='padding-right:8px'>{muted}</td><td>{shown}</td></tr>"


def port_html(
    info: PortInfo,
    *,
    protocols: tuple[str, ...] = ALL_PROTOCOLS,
    heading: str | None = None,
    in_use: list[Endpoint] | None = None,
    per_protocol: int = 0,
) -> str:
    """What the port is: when ``in_use`` is given, first what holds it here now (the answer
    people look for), then the practical label, the band, and IANA's assignments (for
    ``protocols``, at most ``per_protocol`` each when set)."""
    band = info.band
    parts = [f"<h3 style='margin-bottom:2px'>{_esc(heading or f'Port {info.port}')}</h3>"]
    if in_use is not None:
        parts.append(_in_use_html(in_use))
    if info.practical:
        note = f" — {_esc(info.note)}" if info.note else ""
        parts.append(f"<p><b>{_esc(info.practical)}</b>{note}</p>")
    parts.append(f"<p>{band.title} range ({band.span[0]}–{band.span[1]}): {band.usually}.</p>")
    listed = False
    for protocol in protocols:
        entries = info.for_protocol(protocol)
        if per_protocol:
            entries = entries[:per_protocol]
        if entries:
            listed = True
            items = "".join(
                f"<li><b>{_esc(a.name or '(reserved)')}</b>"
                f"{' — ' + _esc(a.description) if a.description else ''}</li>"
                for a in entries
            )
            parts.append(f"<p style='margin-bottom:0'>IANA {protocol.upper()}:</p><ul>{items}</ul>")
    if not listed:
        state = "reserved" if info.reserved else "unassigned"
        which = protocols[0] if len(protocols) == 1 else "every protocol"
        parts.append(f"<p>IANA: {state} for {which}.</p>")
    return "".join(parts)


def _in_use_html(in_use: list[Endpoint]) -> str:
    if not in_use:
        return "<p><b>Not in use on this machine right now.</b></p>"
    items = "".join(
        f"<li>{_esc(e.protocol.upper())} {_esc(e.local)} {_esc(e.state)}"
        f" — {_esc(owner_phrase(e, who(e)))}</li>"  # as the table names it
        for e in in_use[:IN_USE_SHOWN]
    )
    return f"<p style='margin-bottom:0'><b>In use on this machine now:</b></p><ul>{items}</ul>"


def container_html(container) -> str:
    """The container that owns a port: name, compose project, image, status, id."""
    compose = f"{container.project}/{container.service or '?'}" if container.project else None
    rows = [
        _row("Image", container.image),
        _row("Compose", compose),
        _row("Status", container.status or container.state),
        _row("Id", container.short_id),
    ]
    return (
        f"<h3 style='margin-bottom:2px'>{_esc(container.engine)} container "
        f"{_esc(container.name)}</h3><table>{''.join(rows)}</table>"
        "<p>Stop or restart the container to free the port; stopping the engine's helper "
        "below would break the engine while the container keeps running.</p>"
    )


def process_html(endpoint: Endpoint, details, others: list[Endpoint]) -> str:
    """The owning process (after its container, when one owns the port). ``details`` is a
    ProcessDetails, None (loading) or a sentence."""
    if endpoint.container is None:
        return _process_html(endpoint, details, others)
    head = container_html(endpoint.container)
    if endpoint.pid is None and endpoint.state != LISTEN:
        return head + (
            "<h3>No process on this machine holds it</h3><p>The container engine forwards "
            "this port with firewall rules: a program here can still bind it, but "
            "connections go to the container.</p>"
        )
    return head + "<hr>" + _process_html(endpoint, details, others)


def _process_html(endpoint: Endpoint, details, others: list[Endpoint]) -> str:
    if endpoint.pid is None:
        heading = _NO_OWNER_HEADINGS.get(endpoint.owner_status)
        if heading is not None:
            why = NO_OWNER_PHRASES[endpoint.owner_status]
            return f"<h3>{heading}</h3><p>This socket belongs to {_esc(why)}.</p>"
        return (
            "<h3>No owning process</h3><p>No process holds this socket: the connection is "
            "waiting to be accepted, or closing and held by the kernel for a moment.</p>"
        )
    pid = style.current().muted_html(f"PID {endpoint.pid}")
    parts = [f"<h3 style='margin-bottom:2px'>{_esc(endpoint.process or '?')} {pid}</h3>"]
    parts.append(_holders_html(endpoint))
    if details is None:
        parts.append("<p>Loading process details…</p>")
    elif isinstance(details, str):
        parts.append(f"<p>{_esc(details)}</p>")
    else:
        parts.append(_details_table(details))
    if others:
        items = "".join(
            f"<li>{_esc(o.protocol.upper())} {_esc(o.local)}"
            f"{' → ' + _esc(o.remote) if o.remote else ''} {_esc(o.state)}</li>"
            for o in others[:25]
        )
        more = f"<p>…and {len(others) - 25} more.</p>" if len(others) > 25 else ""
        parts.append(f"<p style='margin-bottom:0'>Its endpoints ({len(others)}):</p>"
                     f"<ul>{items}</ul>{more}")  # fmt: skip
    return "".join(parts)


def _holders_html(endpoint: Endpoint) -> str:
    """The other processes holding the same socket (forked workers, inherited copies)."""
    others = [h for h in endpoint.holders if h[0] != endpoint.pid]
    if not others:
        return ""
    shown = others[:HOLDERS_SHOWN]
    items = "".join(f"<li>{_esc(name or '?')} (PID {pid})</li>" for pid, _created, name in shown)
    more = f"<p>…and {len(others) - HOLDERS_SHOWN} more.</p>" if len(others) > HOLDERS_SHOWN else ""
    count = len(others)
    return (
        f"<p style='margin-bottom:0'>Also held by {count} other process{'es' if count > 1 else ''}"
        " (forked workers or inherited descriptors); Terminate and Kill stop them all, "
        f"this one first:</p><ul>{items}</ul>{more}"
    )


def _details_table(details) -> str:
    started = details.started
    if isinstance(started, _dt.datetime):
        started = started.strftime("%Y-%m-%d %H:%M:%S")
    parent = None
    if details.parent_pid is not None:
        parent = f"{details.parent_name or '?'} (PID {details.parent_pid})"
    cmdline = details.command
    if cmdline and len(cmdline) > CMDLINE_SHOWN:  # the full line is one copy away
        cmdline = cmdline[: CMDLINE_SHOWN - 1] + "…"
    rows = [
        _row("User", details.user),
        _row("Command", cmdline),
        _row("Executable", details.exe),
        _row("Directory", details.cwd),
        _row("Started", started),
        _row("Parent", parent),
    ]
    note = f"<p>{style.current().muted_html(_esc(details.note))}</p>" if details.note else ""
    return "<table>" + "".join(rows) + "</table>" + note
