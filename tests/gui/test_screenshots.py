"""`python -m portie_qt.screenshots`: every window saved as a PNG, from real rows of the
script's own child processes, in the size asked for and not blank."""

from __future__ import annotations

import os

import psutil
from PySide6.QtGui import QImage

from portie_qt import screenshots
from tests.servers import running

SIZE = (1024, 640)


def _colours(image: QImage, step: int = 5) -> int:
    """Distinct colours among a grid of pixels (a blank or one-colour image has 1 or 2)."""
    return len({image.pixel(x, y) for x in range(0, image.width(), step)
                for y in range(0, image.height(), step)})  # fmt: skip


def test_the_script_saves_every_window_in_size_and_leaves_nothing_behind(qapp, tmp_path,
                                                                         config_dir):  # fmt: skip
    own_children = {p.pid for p in psutil.Process().children(recursive=True)}
    before = (qapp.style().name(), qapp.palette().window().color().name())

    out = tmp_path / "shots"
    code = screenshots.main(["--out", str(out), "--sizes", "1024x640", "--themes", "dark"])

    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    sized = [f"{name}-1024x640-dark.png" for name in ("main-window", "port-answer")]
    dialogs = [f"{name}-dark.png" for name in ("port-reference", "why", "unlock",
               "unlock-licensed", "about", "shortcuts", "scan", "confirm")]  # fmt: skip
    assert names == sorted(sized + dialogs)
    for name in names:
        image = QImage(str(out / name))
        assert not image.isNull(), name
        if name in sized:
            assert (image.width(), image.height()) == SIZE, name
        else:
            assert image.width() >= 300 and image.height() >= 150, name
        assert _colours(image) > 8, f"{name} is (nearly) blank"
        # Dark: the window's background (a corner pixel) is dark.
        assert QImage(image).pixelColor(image.width() - 2, image.height() - 2).lightnessF() < 0.5
    # The user's settings were never touched and the test's own config dir is back.
    assert os.environ["PORTIE_CONFIG_DIR"] == str(config_dir)
    assert list(config_dir.iterdir()) == []
    # Its children (dev servers, the worker) are gone; the app's look is restored.
    left = {p.pid for p in psutil.Process().children(recursive=True)} - own_children
    assert [pid for pid in left if running(pid)] == []
    assert (qapp.style().name(), qapp.palette().window().color().name()) == before
