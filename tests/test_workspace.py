"""The workspace folder: created with its key pair and store, and a clear error for a bad config file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from biaotong.errors import ConfigError
from biaotong.workspace import CONFIG_FILE, Workspace


def test_new_workspace_has_store_lake_and_private_key(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        assert (ws.home / "biaotong.db").exists() and ws.lake_dir.is_dir()
        key = ws.keys_dir / "ledger.key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert (ws.keys_dir / "ledger.pub").read_text().strip()


@pytest.mark.parametrize(
    ("text", "expect"),
    [("store_url: [unclosed\n", "malformed YAML"), ("no_such_setting: 1\n", "no_such_setting"), ("- a list\n", "mapping")],
)
def test_bad_config_names_the_file(tmp_path: Path, text: str, expect: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIAOTONG_LANG", "en")
    home = tmp_path / "ws"
    home.mkdir()
    (home / CONFIG_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Workspace.open(home)
    assert CONFIG_FILE in err.value.message and expect in err.value.message
    assert sorted(os.listdir(home)) == [CONFIG_FILE]  # nothing created beside a bad config


def test_secret_in_store_url_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "ws"
    home.mkdir()
    (home / CONFIG_FILE).write_text("store_url: sqlite:///${BT_DB}\n", encoding="utf-8")
    monkeypatch.delenv("BT_DB", raising=False)
    with pytest.raises(ConfigError, match="BT_DB"):
        Workspace.open(home).store_url  # noqa: B018
    monkeypatch.setenv("BT_DB", str(tmp_path / "elsewhere.db"))
    with Workspace.open(home):
        assert (tmp_path / "elsewhere.db").exists()
