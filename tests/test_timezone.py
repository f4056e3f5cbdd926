"""Times on a UTC server mean Beijing time (issue 17 item 7): what the CLI reads, what members and
organisers see, what records keep. Every test runs with ``TZ=UTC``, as on a cloud server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from exam_tools.errors import InvalidInputError
from exam_tools.timezone import ENV, iso, label, parse, show, year_start, zone

from .conftest import DATA, ROOT

COURSES = DATA / "courses"
NINE_BEIJING = datetime(2026, 12, 1, 1, 0, tzinfo=UTC).timestamp()  # 09:00 Asia/Shanghai


@pytest.fixture(autouse=True)
def utc_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv(ENV, raising=False)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def cli(*args: str, **env: str) -> str:
    full = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TZ": "UTC", **env}
    r = subprocess.run([sys.executable, "-m", "exam_tools", *args], capture_output=True,
                       text=True, env=full, check=False)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_the_server_clock_is_utc_here() -> None:
    assert datetime.fromtimestamp(NINE_BEIJING).hour == 1  # what the old code read and showed


def test_times_read_and_shown_in_beijing_time_by_default() -> None:
    assert zone().key == "Asia/Shanghai" and label() == "北京时间"
    assert parse("2026-12-01T09:00") == NINE_BEIJING
    assert parse("2026-12-01 09:00") == NINE_BEIJING
    # a time of day alone is today, Beijing time (just after midnight there is still 1 Dec)
    assert parse("09:00", now=NINE_BEIJING - 8.5 * 3600) == NINE_BEIJING
    assert parse("2026-12-01T01:00+00:00") == NINE_BEIJING  # a written offset wins
    assert show(NINE_BEIJING) == "2026-12-01 09:00（北京时间）"
    assert show(NINE_BEIJING, seconds=True, named=False) == "2026-12-01 09:00:00"
    assert iso(NINE_BEIJING) == "2026-12-01T09:00:00.000+08:00"
    assert year_start(NINE_BEIJING) == datetime(2025, 12, 31, 16, 0, tzinfo=UTC).timestamp()


def test_another_zone_and_a_wrong_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "Asia/Urumqi")
    assert parse("2026-12-01T07:00") == NINE_BEIJING  # UTC+6
    assert show(NINE_BEIJING) == "2026-12-01 07:00（乌鲁木齐时间）"
    monkeypatch.setenv(ENV, "Beijing")
    with pytest.raises(InvalidInputError, match="时区“Beijing”不认识"):
        zone()
    with pytest.raises(InvalidInputError, match="看不懂"):
        parse("明天九点", zone("Asia/Shanghai"))


def test_exam_open_reads_and_names_beijing_time(tmp_path: Path) -> None:
    from exam_tools.service.store import ServiceStore

    db = tmp_path / "svc.sqlite"
    out = cli("exam", "open", "drill", "--practice", "rice/practice", "--service-db", str(db),
              "--courses", str(COURSES), "--opens", "2026-12-01T09:00",
              "--closes", "2026-12-01 11:30")  # fmt: skip
    assert "开考 2026-12-01 09:00:00（北京时间），截止 2026-12-01 11:30:00（北京时间）" in out
    s = ServiceStore(db)
    rules = s.rules("drill")
    assert rules.opens_at == NINE_BEIJING
    assert rules.closes_at == NINE_BEIJING + 2.5 * 3600
    s.close()

    # `--opens 09:00`: today at nine, Beijing time, whatever the server's clock says
    cli("exam", "open", "drill", "--practice", "rice/practice", "--service-db", str(db),
        "--courses", str(COURSES), "--opens", "09:00")  # fmt: skip
    s = ServiceStore(db)
    opens = s.rules("drill").opens_at
    s.close()
    assert opens is not None
    there = datetime.fromtimestamp(opens, zone("Asia/Shanghai"))
    assert (there.hour, there.minute) == (9, 0)
    assert there.date() == datetime.now(zone("Asia/Shanghai")).date()
    assert datetime.fromtimestamp(opens, UTC).hour == 1

    # EXAM_TOOLS_TZ, or --tz, for a site that keeps another zone
    out = cli("exam", "open", "drill", "--practice", "rice/practice", "--service-db", str(db),
              "--courses", str(COURSES), "--opens", "2026-12-01T09:00", EXAM_TOOLS_TZ="UTC")  # fmt: skip
    assert "开考 2026-12-01 09:00:00（协调世界时）" in out
    out = cli("exam", "--tz", "Asia/Shanghai", "open", "drill", "--practice", "rice/practice",
              "--service-db", str(db), "--courses", str(COURSES), "--opens", "2026-12-01T01:00",
              EXAM_TOOLS_TZ="UTC")  # fmt: skip
    s = ServiceStore(db)
    assert s.rules("drill").opens_at == NINE_BEIJING - 8 * 3600
    s.close()


def test_a_wrong_zone_is_a_one_line_error(tmp_path: Path) -> None:
    full = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TZ": "UTC"}
    r = subprocess.run([sys.executable, "-m", "exam_tools", "exam", "--tz", "Peking", "open",
                        "x", "--practice", "rice/practice", "--service-db",
                        str(tmp_path / "s.sqlite")], capture_output=True, text=True, env=full,
                       check=False)  # fmt: skip
    assert r.returncode != 0
    assert "时区“Peking”不认识" in r.stderr and "Traceback" not in r.stderr


def test_members_see_beijing_time() -> None:
    """The hand-in time on the member page, the not-yet-open message from the service, and the
    responses file a member's page keeps."""
    from exam_tools.quiz.app import _when
    from exam_tools.quiz.store import _iso
    from exam_tools.service import rules as R

    assert _when(NINE_BEIJING) == "2026-12-01 09:00"
    assert _iso(NINE_BEIJING) == "2026-12-01T09:00:00.000+08:00"
    rules = R.ExamRules("cert", "exam", 30, 1, NINE_BEIJING, None)
    with pytest.raises(R.Refused, match=r"开考时间：2026-12-01 09:00（北京时间）"):
        R.check_window(rules, NINE_BEIJING - 60)


def test_the_hub_hands_its_zone_to_every_process() -> None:
    from types import SimpleNamespace

    from exam_tools.hub.config import load_config
    from exam_tools.hub.jhconfig import update_services, update_spawner

    cfg = load_config({"hub": {"timezone": "Asia/Urumqi"}, "exam_service": {"port": 8090}})
    c = SimpleNamespace(JupyterHub=SimpleNamespace(), Spawner=SimpleNamespace(),
                        LocalProcessSpawner=SimpleNamespace())  # fmt: skip
    update_spawner(c, cfg, Path("/srv/hub"))
    assert c.Spawner.environment["EXAM_TOOLS_TZ"] == "Asia/Urumqi"
    update_services(c, cfg, Path("/srv/hub"))
    assert c.JupyterHub.services
    assert {s["environment"]["EXAM_TOOLS_TZ"] for s in c.JupyterHub.services} == {"Asia/Urumqi"}
    assert load_config({})["hub"]["timezone"] == "Asia/Shanghai"
    with pytest.raises(InvalidInputError) as err:
        load_config({"hub": {"timezone": "Mars/Olympus"}})
    assert "hub.timezone" in str(err.value.problems[0])
