"""Qt-free core: collects, explains and acts on open ports. Never imports PySide6."""
