"""HTML for the details pane: the selected endpoint, its port and its owning process."""

from __future__ import annotations

import datetime as _dt
import html

from portie_qt.core.endpoints import Endpoint
from portie_qt.core.reference import lookup

CMDLINE_SHOWN = 160


def _row(label: str, value) -> str:
    shown = "—" if value in (None, "") else html.escape(str(value))
    return f"<tr><td style='color:gray;padding-right:8px'>{label}</td><td>{shown}</td></tr>"


def port_html(endpoint: Endpoint, in_use: list[Endpoint] | None = None) -> str:
    """What the port is: practical label, IANA assignments, band."""
    info = lookup(endpoint.local_port)
    band = info.band
    parts = [f"<h3 style='margin-bottom:2px'>{html.escape(endpoint.protocol.upper())} port "
             f"{endpoint.local_port}</h3>"]  # fmt: skip
    if info.practical:
        parts.append(
            f"<p><b>{html.escape(info.practical)}</b> — {html.escape(info.note or '')}</p>"
        )
    parts.append(
        f"<p>{band.title} range ({band.span[0]}–{band.span[1]}): usually a {band.meaning}.</p>"
    )
    mine = info.for_protocol(endpoint.protocol)
    if mine:
        items = "".join(
            f"<li>{html.escape(a.name or '(reserved)')} — {html.escape(a.description)}</li>"
            for a in mine[:6]
        )
        parts.append(f"<p style='margin-bottom:0'>IANA ({endpoint.protocol}):</p><ul>{items}</ul>")
    else:
        parts.append(f"<p>IANA: {'reserved' if info.reserved else 'unassigned'} for "
                     f"{endpoint.protocol}.</p>")  # fmt: skip
    return "".join(parts)


def process_html(endpoint: Endpoint, details, others: list[Endpoint]) -> str:
    """The owning process. ``details`` is a ProcessDetails, None (gone) or an error text."""
    if endpoint.pid is None:
        if endpoint.state == "LISTEN":
            return "<h3>Owner hidden</h3><p>This socket belongs to another user's process.</p>"
        return (
            "<h3>No owning process</h3><p>No process holds this socket: the connection is "
            "waiting to be accepted, or closing and held by the kernel for a moment.</p>"
        )
    parts = [f"<h3 style='margin-bottom:2px'>{html.escape(endpoint.process or '?')} "
             f"<span style='color:gray'>PID {endpoint.pid}</span></h3>"]  # fmt: skip
    if details is None:
        parts.append("<p>Loading process details…</p>")
    elif isinstance(details, str):
        parts.append(f"<p>{html.escape(details)}</p>")
    else:
        started = details.started
        if isinstance(started, _dt.datetime):
            started = started.strftime("%Y-%m-%d %H:%M:%S")
        parent = f"{details.parent_name or '?'} (PID {details.parent_pid})" if (
            details.parent_pid is not None) else None  # fmt: skip
        cmdline = details.cmdline
        if isinstance(cmdline, list | tuple):
            cmdline = " ".join(cmdline)
        if cmdline and len(cmdline) > CMDLINE_SHOWN:  # the full line is one copy away
            cmdline = cmdline[: CMDLINE_SHOWN - 1] + "…"
        parts.append("<table>")
        parts += [
            _row("User", details.user),
            _row("Command", cmdline),
            _row("Executable", details.exe),
            _row("Directory", details.cwd),
            _row("Started", started),
            _row("Parent", parent),
        ]
        parts.append("</table>")
    if others:
        items = "".join(
            f"<li>{html.escape(o.protocol.upper())} {html.escape(o.local)}"
            f"{' → ' + html.escape(o.remote) if o.remote else ''} {html.escape(o.state)}</li>"
            for o in others[:25]
        )
        more = f"<p>…and {len(others) - 25} more.</p>" if len(others) > 25 else ""
        parts.append(f"<p style='margin-bottom:0'>Its endpoints ({len(others)}):</p>"
                     f"<ul>{items}</ul>{more}")  # fmt: skip
    return "".join(parts)
