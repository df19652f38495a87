"""Converting the 136M Keystrokes format to interaction/v1, on made-up rows in its format."""

from __future__ import annotations

from pathlib import Path

import pytest

from privacy.evaluation.keymap import dom_key
from privacy.evaluation.keystrokes import load_participants, to_events
from transforms.event import validate_event

HEADER = (
    "PARTICIPANT_ID\tTEST_SECTION_ID\tSENTENCE\tUSER_INPUT\tKEYSTROKE_ID\tPRESS_TIME\t"
    "RELEASE_TIME\tLETTER\tKEYCODE\n"
)
T0 = 1_471_948_733_330


def row(section: int, number: int, press: int, release: int, letter: str, code: int) -> str:
    return (
        f"7\t{section}\tHi you.\tHi you\t{number}\t{T0 + press}\t{T0 + release}\t{letter}\t{code}\n"
    )


def write(folder: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    (folder / "participants").mkdir(parents=True, exist_ok=True)
    (folder / "participants" / "7_keystrokes.txt").write_bytes(
        (HEADER + "".join(rows)).encode(encoding)
    )
    return folder


@pytest.mark.parametrize(
    ("letter", "keycode", "shift", "expected"),
    [
        ("SHIFT", 16, False, ("Shift", None)),
        ("BKSP", 8, False, ("Backspace", "Backspace")),
        ("\x08", 8, False, ("Backspace", "Backspace")),
        (" ", 32, False, (" ", "Space")),
        ("a", 65, False, ("a", "KeyA")),
        ("I", 73, True, ("I", "KeyI")),
        ("", 69, False, ("e", "KeyE")),
        ("", 69, True, ("E", "KeyE")),
        ("", 190, False, (".", "Period")),
        ("CAPS_LOCK", 20, False, ("CapsLock", "CapsLock")),
        ("ARw_DOWN", 40, False, ("ArrowDown", "ArrowDown")),
        ("F12", 123, False, ("F12", "F12")),
        ("", 0, False, ("Unidentified", None)),
    ],
)
def test_dom_key_and_code_come_from_letter_and_keycode(
    letter: str, keycode: int, shift: bool, expected: tuple[str, str | None]
) -> None:
    assert dom_key(letter, keycode, shift) == expected


def test_as_logged_an_empty_letter_is_unidentified_with_no_code() -> None:
    assert dom_key("", 69, False, restore=False) == ("Unidentified", None)
    assert dom_key("e", 69, False, restore=False) == ("e", "KeyE")
    assert dom_key("BKSP", 8, False, restore=False) == ("Backspace", "Backspace")


def test_loading_as_logged_counts_the_unidentified_keys(tmp_path: Path) -> None:
    rows = [row(1, 1, 0, 80, "", 72), row(1, 2, 100, 180, "", 73), row(1, 3, 200, 280, "a", 65)]
    folder = write(tmp_path, rows)
    (logged,), stats = load_participants(folder, restore_letters=False)
    assert [k.key for k in logged.keystrokes[0]] == ["Unidentified", "Unidentified", "a"]
    assert stats.unidentified_keys == 2 and stats.letters == "logged"
    (restored,), stats = load_participants(folder)
    assert [k.key for k in restored.keystrokes[0]] == ["h", "i", "a"]
    assert stats.unidentified_keys == 0 and stats.letters == "restored"


def test_a_session_becomes_valid_raw_events_in_time_order(tmp_path: Path) -> None:
    rows = [
        row(1, 1, 0, 300, "SHIFT", 16),
        row(1, 2, 100, 180, "H", 72),
        row(1, 3, 250, 330, "i", 73),  # pressed before Shift is released
        row(2, 4, 2000, 2080, "", 89),  # empty LETTER: from the keycode
    ]
    (participant,), stats = load_participants(write(tmp_path, rows))
    assert stats.malformed_rows == 0 and participant.sentences == ["Hi you.", "Hi you."]
    events, sentence_of = to_events(participant)
    assert [e["type"] for e in events[:3]] == ["window_focus", "key_down", "key_down"]
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    assert sentence_of[0] == -1 and sentence_of[-1] == 1
    downs = [e for e in events if e["type"] == "key_down"]
    assert [e["key"] for e in downs] == ["Shift", "H", "i", "y"]
    assert downs[1]["modifiers"] == ["shift"] and downs[3]["modifiers"] == []
    assert all(isinstance(validate_event(e), dict) for e in events)
    assert len({e["user_id"] for e in events}) == 1 and events[0]["app"] == "TypingTest"


def test_malformed_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    rows = [
        row(1, 1, 0, 80, "a", 65),
        "7\t1\tHi you.\tHi you\t1e+06\t1471948733400\t1471948733480\tb\t66\n",
        row(1, 3, 500, 400, "c", 67),  # released before pressed
        "7\t1\ttruncated\n",
    ]
    (participant,), stats = load_participants(write(tmp_path, rows))
    assert stats.malformed_rows == 3 and stats.rows == 4
    assert [k.key for k in participant.keystrokes[0]] == ["a"]


def test_a_latin1_file_is_read(tmp_path: Path) -> None:
    (participant,), stats = load_participants(
        write(tmp_path, [row(1, 1, 0, 80, "é", 0)], "latin-1")
    )
    assert stats.latin1_files == 1 and participant.keystrokes[0][0].key == "é"


def test_submit_ends_each_sentence_with_an_enter_after_its_last_release(tmp_path: Path) -> None:
    rows = [row(1, 1, 0, 80, "a", 65), row(1, 2, 50, 200, "b", 66), row(2, 3, 900, 980, "c", 67)]
    (participant,), _ = load_participants(write(tmp_path, rows))
    events, sentence_of = to_events(participant, submit=True)
    enters = [(e["type"], e["ts"] - T0, s) for e, s in zip(events, sentence_of, strict=True)
              if e.get("key") == "Enter"]  # fmt: skip
    assert enters == [("key_down", 350, 0), ("key_up", 430, 0),
                      ("key_down", 1130, 1), ("key_up", 1210, 1)]  # fmt: skip
    assert all(isinstance(validate_event(e), dict) for e in events)
    assert "Enter" not in {e.get("key") for e in to_events(participant)[0]}


def test_committed_text_adds_one_text_input_per_sentence(tmp_path: Path) -> None:
    rows = [row(1, 1, 0, 80, "a", 65), row(2, 2, 900, 980, "b", 66)]
    (participant,), _ = load_participants(write(tmp_path, rows))
    events, _ = to_events(participant, committed_text=True)
    assert [e["text"] for e in events if e["type"] == "text_input"] == ["Hi you", "Hi you"]


def test_the_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "SANITIZER_KEYSTROKES_DIR", str(write(tmp_path, [row(1, 1, 0, 80, "a", 65)]))
    )
    assert len(load_participants()[0]) == 1
    monkeypatch.setenv("SANITIZER_KEYSTROKES_DIR", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="SANITIZER_KEYSTROKES_DIR"):
        load_participants()
