"""Portie's files on disk as an attacker or a mishap leaves them: planted links, a folder
made by the window first, a read-only disk, another user's folder, hand-edited junk."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from portie_qt.core.activity_store import ActivityStore
from portie_qt.settings import open_settings, problems_of, read_str_list
from tests.licensing import issue_dev_key
from tests.portie_cli import REPO

pytestmark = pytest.mark.linux_only  # POSIX modes, mount, chown


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _window(qtbot):
    from portie_qt.app import create_main_window

    win = create_main_window(start=False)
    qtbot.addWidget(win)
    return win


def _needs_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("this test mounts a file system: run the tests as root (CI does)")


@pytest.fixture
def small_mount(tmp_path):
    """A tmpfs of our own (1 MiB) at tmp_path/mnt, unmounted afterwards."""
    _needs_root()
    mount = tmp_path / "mnt"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mount)],
                   check=True)  # fmt: skip
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_window_run_first_makes_a_private_folder_and_private_files(tmp_path):
    # The GUI runs before any `portie license …`: the folder does not exist yet, and the
    # umask is the usual 022. Nothing may come out readable by other users.
    config = tmp_path / "home" / ".config" / "portie"
    env = {**os.environ, "PORTIE_CONFIG_DIR": str(config), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.umask(0o022); from portie_qt.cli import main;"
         " sys.exit(main(['--self-test']))"],
        capture_output=True, text=True, timeout=120, cwd=REPO, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _mode(config) == 0o700
    files = sorted(p.name for p in config.iterdir())
    assert "portie.ini" in files and "activity.sqlite3" in files
    assert {name: _mode(config / name) for name in files} == {name: 0o600 for name in files}


def test_an_existing_open_folder_and_files_are_tightened(qtbot, config_dir):
    config_dir.chmod(0o755)
    (config_dir / "portie.ini").write_text("[filter]\ntext=ssh\n")
    (config_dir / "portie.ini").chmod(0o644)
    win = _window(qtbot)
    assert win.filters.edit.text() == "ssh"
    store = ActivityStore()
    assert _mode(config_dir) == 0o700
    assert _mode(config_dir / "portie.ini") == 0o600
    assert _mode(config_dir / "activity.sqlite3") == 0o600
    assert all(_mode(p) == 0o600 for p in config_dir.glob("activity.sqlite3-*"))
    store.close()
    win.close()


def test_planted_links_are_moved_aside_never_written_through(qtbot, config_dir, tmp_path):
    victim = tmp_path / "victim.conf"
    victim.write_text("[General]\nkeep=me\n")
    victim.chmod(0o644)
    (config_dir / "portie.ini").symlink_to(victim)
    db_victim = tmp_path / "victim.db"
    db_victim.write_bytes(b"precious")
    (config_dir / "activity.sqlite3-wal").symlink_to(db_victim)

    win = _window(qtbot)
    win.filters.edit.setText("written")
    win.save_settings()  # QSettings writes through a link it is given: it must not get one
    store = ActivityStore()
    store.close()

    assert victim.read_text() == "[General]\nkeep=me\n" and _mode(victim) == 0o644
    assert db_victim.read_bytes() == b"precious"
    assert not (config_dir / "portie.ini").is_symlink()
    assert "written" in (config_dir / "portie.ini").read_text()
    assert "portie.ini was a link to another file" in win.status.notice()
    assert [p for p in config_dir.glob("portie.ini.unsafe-*") if p.is_symlink()]
    win.close()


def test_a_damaged_settings_file_is_moved_aside_under_a_fresh_name(qtbot, config_dir, tmp_path):
    junk = b"[filter]\nlisteningOnly=\x00\xff\xfe garbage\n[[[\n"
    (config_dir / "portie.ini").write_bytes(junk)
    win = _window(qtbot)
    [kept] = config_dir.glob("portie.ini.damaged-*")
    assert kept.read_bytes() == junk and _mode(kept) == 0o600
    assert f"kept as {kept.name}" in win.status.notice()
    assert _mode(config_dir / "portie.ini") == 0o600
    win.close()


def test_an_unwritable_settings_folder_is_said_once_in_the_status_bar(qtbot, small_mount,
                                                                     monkeypatch):  # fmt: skip
    config = small_mount / "portie"
    config.mkdir(mode=0o700)
    (config / "portie.ini").write_text("[filter]\ntext=kept\n")
    (config / "portie.ini").chmod(0o600)
    subprocess.run(["mount", "-o", "remount,ro", str(small_mount)], check=True)
    monkeypatch.setenv("PORTIE_CONFIG_DIR", str(config))
    win = _window(qtbot)
    assert win.filters.edit.text() == "kept"  # still read
    assert f"Settings will not be saved: {config} is not writable." in win.status.notice()
    win.save_settings()  # and nothing fails loudly later either
    win.close()


def test_another_users_folder_is_never_written_by_root(qtbot, config_dir, tmp_path):
    # `sudo -E portie`: root with the user's folder, where that user can plant links.
    _needs_root()
    os.chown(config_dir, 65534, 65534)
    (config_dir / "portie.ini").write_text("[filter]\ntext=theirs\n")
    os.chown(config_dir / "portie.ini", 65534, 65534)
    before = sorted(p.name for p in config_dir.iterdir())
    settings, notice = open_settings()
    assert "does not write there" in notice and "Settings will not be saved" in notice
    assert settings.value("filter/text") == "theirs"
    settings.setValue("filter/text", "root's")
    settings.sync()
    store = ActivityStore()
    assert "does not write there" in store.notice
    store.close()
    assert sorted(p.name for p in config_dir.iterdir()) == before
    assert (config_dir / "portie.ini").read_text() == "[filter]\ntext=theirs\n"


def test_bad_setting_values_are_reported_once_and_never_fatal(qtbot, config_dir):
    (config_dir / "portie.ini").write_text(
        "[scan]\nrecent_hosts=@Point(1 2)\nreminded_hosts=@Rect(1 2 3 4)\n"
        "[filter]\ntext=@Size(3 4)\nlisteningOnly=maybe\n[refresh]\ninterval_ms=-5\n"
    )
    win = _window(qtbot)
    problems = problems_of(win.settings)
    notice = win.status.notice()
    assert notice.startswith("portie.ini has values Portie cannot use (")
    for key in ("filter/listeningOnly", "filter/text", "refresh/interval_ms"):
        assert key in notice
    assert win.filters.edit.text() == ""

    win.dialogs.open_scan()  # reads recent_hosts and reminded_hosts: a default, not TypeError
    assert "scan/recent_hosts" in problems.keys
    assert read_str_list(win.settings, "scan/recent_hosts", 10) == []
    count = len(problems.keys)
    for _ in range(3):  # the same bad value read again is not reported again
        read_str_list(win.settings, "scan/recent_hosts", 10)
    assert len(problems.keys) == count == len(set(problems.keys))
    win.dialogs.scan.close()
    win.close()


def test_the_licence_notice_survives_refreshes(qtbot, config_dir):
    (config_dir / "license.key").write_text(issue_dev_key()[:-3] + "ZZZ\n")
    win = _window(qtbot)
    assert "license key" in win.status.notice() and "is damaged" in win.status.notice()
    with qtbot.waitSignal(win.refresh_applied, timeout=10000):
        win.start()
    win.status.set_notice("refresh", "Could not read sockets.")
    win.status.set_notice("refresh", "")  # the refresh that clears its own notice
    with qtbot.waitSignal(win.refresh_applied, timeout=10000):
        win.loop.refresh_now()
    assert "is damaged" in win.status.notice_label.full_text()
    assert win.status.notice_label.isVisibleTo(win)
    win.close()
    win.loop.stop()


def test_qsettings_reads_back_what_it_wrote_into_a_prepared_file(config_dir):
    settings, notice = open_settings()
    assert notice == ""
    settings.setValue("scan/recent_hosts", ["a", "b"])
    settings.sync()
    again = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert read_str_list(again, "scan/recent_hosts", 10) == ["a", "b"]
