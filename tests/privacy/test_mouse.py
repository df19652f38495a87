"""The mouse evaluation on made-up sessions in the Balabit format: conversion to valid
interaction/v1 events, windows that never mix sessions between reference and query, and an
attack that succeeds on distinct movers and fails on a constant output."""

from __future__ import annotations

import gzip
import json
import math
import random
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli.evaluate import evaluate_mouse
from privacy.evaluation import mouse_protocol
from privacy.evaluation.mouse import MouseSession, load_sessions
from transforms.event import validate_event

HEADER = "session,t_ms,rec_ms,button,state,x,y\n"


def write_user(folder: Path, user: int, sessions: int, step: float, seconds: int = 300) -> None:
    """A user who moves in circles of their own step size, clicks now and then, scrolls."""
    rng = random.Random(user)
    lines = [HEADER]
    for session in range(sessions):
        angle, x, y = 0.0, 400.0, 300.0
        for t in range(0, seconds * 1000, 100):
            angle += 0.3 + rng.gauss(0, 0.05)
            x, y = x + step * math.cos(angle), y + step * math.sin(angle)
            lines.append(f"{user}{session},{t},{t},NoButton,Move,{int(x)},{int(y)}\n")
            if t % 5000 == 0:
                lines += [f"{user}{session},{t},{t},Left,Pressed,{int(x)},{int(y)}\n",
                          f"{user}{session},{t},{t},Left,Released,{int(x)},{int(y)}\n"]  # fmt: skip
            if t % 7000 == 0:
                lines.append(f"{user}{session},{t},{t},Scroll,Down,{int(x)},{int(y)}\n")
        lines.append(f"{user}{session},{t},{t},NoButton,Move,65535,65535\n")
    with gzip.open(folder / f"user{user}.csv.gz", "wt") as handle:
        handle.writelines(lines)


def make_data(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    for user, step in ((1, 4.0), (2, 12.0), (3, 30.0)):
        write_user(folder, user, 2, step)
    return folder


def test_rows_become_valid_events_and_sentinels_are_dropped(tmp_path: Path) -> None:
    sessions, stats = load_sessions(make_data(tmp_path / "mouse"))
    assert (stats.users, stats.sessions, stats.sentinel_rows) == (3, 6, 6)
    events = sessions[0].events
    kinds = {e["type"] for e in events}
    assert kinds == {"mouse_move", "mouse_down", "mouse_up", "scroll"}
    assert all(isinstance(validate_event(e), dict) for e in events)
    assert {e["dy"] for e in events if e["type"] == "scroll"} == {120}
    assert {e["button"] for e in events if e["type"] == "mouse_down"} == {"left"}
    assert events[0]["screen"] == [
        1 + max(e["x"] for s in sessions[:2] for e in s.events),
        1 + max(e["y"] for s in sessions[:2] for e in s.events),
    ]
    assert sessions[0].events[0]["ts"] != sessions[1].events[0]["ts"]
    short, _ = load_sessions(tmp_path / "mouse", minutes=1)
    assert all(e["ts"] - s.events[0]["ts"] < 60_000 for s in short for e in s.events)


def windows_of(sessions: list[MouseSession]) -> list[mouse_protocol.Window]:
    return mouse_protocol.windows(sessions, [s.events for s in sessions])


def test_reference_and_query_windows_never_come_from_the_same_session(tmp_path: Path) -> None:
    sessions, _ = load_sessions(make_data(tmp_path / "mouse"))
    items = windows_of(sessions)
    assert len(items) == 6 * 3  # 5 minutes: windows 0-2, 2-4, 4-5 min
    folds = list(mouse_protocol.folds(items))
    assert len(folds) == 2
    queried = []
    for reference, query in folds:
        assert {items[i].session for i in reference}.isdisjoint({items[i].session for i in query})
        assert {items[i].user for i in query} == {0, 1, 2}
        queried += query
    assert sorted(queried) == list(range(len(items)))
    for item in items:  # a window holds one session's events only
        assert len({e["session_id"] for e in item.events}) == 1


def test_distinct_movers_are_identified_and_a_constant_output_is_not(tmp_path: Path) -> None:
    sessions, _ = load_sessions(make_data(tmp_path / "mouse"))
    items = windows_of(sessions)
    for score in mouse_protocol.evaluate("raw", items):
        assert score.top1 >= 0.9, score
    constant = [
        mouse_protocol.Window(w.user, w.session, w.rank, [{"type": "mouse_move", "ts": 0}] * 9)
        for w in items
    ]
    for score in mouse_protocol.evaluate("constant", constant):
        assert abs(score.x_chance - 1.0) < 0.05, score


def test_the_command_prints_verdicts_and_writes_json(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(evaluate_mouse)
    out = tmp_path / "mouse.json"
    data = make_data(tmp_path / "mouse")
    args = ["--data-dir", str(data), "--policy", "builtin:default", "--json", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "mouse user, dynamics features, random forest" in result.output
    assert "PASS" in result.output or "FAIL" in result.output
    verdicts = json.loads(out.read_text())["verdicts"]
    assert {v["policy"] for v in verdicts} == {"default"}
    assert any(v["target"] == "clicks faithful (mouse data)" for v in verdicts)
    missing = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "none")])
    assert missing.exit_code == 2
