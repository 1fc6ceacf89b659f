"""Text that comes from outside Portie (process names, command lines, banners from another
machine), made safe to show: the one rule. Qt-free.

A process may name itself anything, including terminal escape sequences, newlines and
Unicode direction overrides. `plain()` keeps what a person can read and drops the rest,
so such a name can neither repaint a terminal nor split a line of ``--list`` output.
"""

from __future__ import annotations

import unicodedata

# Unicode categories dropped: control (Cc), format (Cf: direction overrides, zero-width
# joiners), surrogates (Cs), private use (Co) and unassigned (Cn).
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_LIMIT = 4096


def plain(text: object, limit: int = _LIMIT) -> str:
    """``text`` without control or invisible formatting characters, at most ``limit`` long.

    Every kind of space and line break (tab, newline, U+2028 …) becomes a plain space,
    so the text stays on one line; everything else that is not printable is removed.
    """
    value = text if isinstance(text, str) else str(text)
    if value.isascii() and value.isprintable():  # the common case, without a loop
        return value[:limit]
    out = []
    for ch in value[: limit * 2]:
        if ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch) not in _HIDDEN_CATEGORIES:
            out.append(ch)
    return "".join(out)[:limit]


def plain_or_none(text: object, limit: int = _LIMIT) -> str | None:
    """`plain()` of ``text``; None for None or for text that is empty once cleaned."""
    if text is None:
        return None
    cleaned = plain(text, limit).strip()
    return cleaned or None
