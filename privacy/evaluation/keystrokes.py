"""The 136M Keystrokes subset as interaction/v1 raw events.

Dhakal, Feit, Kristensson, Oulasvirta. Observations on Typing from 136 Million Keystrokes.
CHI 2018, doi:10.1145/3173574.3174220. Free for non-commercial research with attribution; the
data stays in ``shared/`` beside the repository and is read from there, never copied in.

Each participant becomes one session of one fake login: a ``window_focus`` on the typing test,
then a ``key_down`` at every PRESS_TIME and a ``key_up`` at every RELEASE_TIME, ordered by time,
with DOM ``key``/``code`` values derived from LETTER and KEYCODE and the held modifiers.
Malformed rows (non-numeric fields, release before press) are skipped and counted; files that are
not UTF-8 (three in the subset) are read as Latin-1.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from privacy.evaluation.keymap import MODIFIER_KEYS, dom_key

ENV_DIR = "SANITIZER_KEYSTROKES_DIR"
APP = "TypingTest"
WINDOW_TITLE = "Typing test - type the sentence shown"
_NAMESPACE = uuid.UUID("6f1c2a55-3d0e-4b8e-9a51-1b7d0f0c6a13")


@dataclass(frozen=True, slots=True)
class Keystroke:
    press: int
    release: int
    key: str
    code: str | None


@dataclass
class Participant:
    participant_id: int
    sentences: list[str] = field(default_factory=list)  # the target sentences, in typing order
    typed: list[str] = field(default_factory=list)  # what the participant typed (USER_INPUT)
    keystrokes: list[list[Keystroke]] = field(default_factory=list)  # per sentence

    @property
    def login(self) -> str:
        return f"typist{self.participant_id:05d}"

    @property
    def device_id(self) -> str:
        return f"LT-TYPIST-{self.participant_id:05d}"

    @property
    def session_id(self) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"session:{self.participant_id}"))


@dataclass
class LoadStats:
    files: int = 0
    latin1_files: int = 0
    rows: int = 0
    malformed_rows: int = 0
    unidentified_keys: int = 0  # keys sent as DOM ``Unidentified``
    letters: str = "restored"  # empty LETTER: "restored" from the key code, or "logged"


def dataset_dir(explicit: Path | str | None = None) -> Path:
    """``explicit``, else $SANITIZER_KEYSTROKES_DIR, else ``../shared/data/...`` of the repo."""
    if explicit is not None:
        return Path(explicit)
    if env := os.environ.get(ENV_DIR):
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "data" / "keystrokes-136m"


def _read_text(path: Path, stats: LoadStats) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        stats.latin1_files += 1
        return raw.decode("latin-1")


def parse_participant(
    path: Path, stats: LoadStats, restore_letters: bool = True
) -> Participant | None:
    """One ``<id>_keystrokes.txt`` file; None when no usable row is left. Without
    ``restore_letters``, rows without a LETTER become ``Unidentified`` keys (as logged)."""
    stats.files += 1
    sections: dict[str, tuple[str, str, list[tuple[int, int, str, int]]]] = {}
    participant_id: int | None = None
    for line in _read_text(path, stats).splitlines()[1:]:
        stats.rows += 1
        parts = line.split("\t")
        try:
            if len(parts) != 9:
                raise ValueError
            pid, press, release, keycode = (int(parts[i]) for i in (0, 5, 6, 8))
            int(parts[4])  # KEYSTROKE_ID: "1e+06" in one row of the full set
            if release < press:
                raise ValueError
        except ValueError:
            stats.malformed_rows += 1
            continue
        participant_id = pid
        rows = sections.setdefault(parts[1], (parts[2], parts[3], []))[2]
        rows.append((press, release, parts[7], keycode))
    if participant_id is None:
        return None
    participant = Participant(participant_id)
    for sentence, typed, rows in sorted(sections.values(), key=lambda item: item[2][0][0]):
        rows.sort(key=lambda row: row[0])
        shift_until = -1
        strokes = []
        for press, release, letter, keycode in rows:
            key, code = dom_key(letter, keycode, press < shift_until, restore_letters)
            stats.unidentified_keys += key == "Unidentified"
            if key == "Shift":
                shift_until = max(shift_until, release)
            strokes.append(Keystroke(press, release, key, code))
        participant.sentences.append(sentence)
        participant.typed.append(typed)
        participant.keystrokes.append(strokes)
    return participant


def load_participants(
    directory: Path | str | None = None, limit: int | None = None, restore_letters: bool = True
) -> tuple[list[Participant], LoadStats]:
    """Participants with all their sentences, sorted by id; the first ``limit`` if given.
    ``restore_letters``: empty LETTERs from the key code (else ``Unidentified``, as logged)."""
    folder = dataset_dir(directory) / "participants"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder}: the 136M Keystrokes subset is not there; set ${ENV_DIR} to its folder"
        )
    files = sorted(folder.glob("*_keystrokes.txt"), key=lambda p: int(p.name.split("_")[0]))
    stats = LoadStats(letters="restored" if restore_letters else "logged")
    participants = []
    for path in files[:limit] if limit else files:
        participant = parse_participant(path, stats, restore_letters)
        if participant is not None:
            participants.append(participant)
    return participants, stats


SUBMIT_GAP_MS = 150  # the Enter that submitted a sentence, this long after its last release
SUBMIT = Keystroke(0, 0, "Enter", "Enter")


def to_events(
    participant: Participant, committed_text: bool = False, submit: bool = False
) -> tuple[list[dict[str, Any]], list[int]]:
    """The participant's session as raw events in seq order, and each event's sentence index
    (-1 for the opening ``window_focus``). With ``committed_text``, each sentence also ends with
    a ``text_input`` holding what was typed, as a collector reporting the field's committed
    value would send it (the dataset itself has only keystrokes). With ``submit``, each sentence
    ends with the Enter press that submitted it in the study ("after pressing Enter or Next"),
    which the logs do not hold: ``SUBMIT_GAP_MS`` after the last release, held 80 ms."""
    timeline: list[tuple[int, int, int, str, Keystroke | str]] = []
    for index, strokes in enumerate(participant.keystrokes):
        for number, stroke in enumerate(strokes):
            order = index * 100_000 + number
            timeline.append((stroke.press, order, 0, "key_down", stroke))
            timeline.append((stroke.release, order, 1, "key_up", stroke))
        if submit and strokes:
            end = max(stroke.release for stroke in strokes) + SUBMIT_GAP_MS
            order = index * 100_000 + 99_998
            timeline.append((end, order, 0, "key_down", SUBMIT))
            timeline.append((end + 80, order, 1, "key_up", SUBMIT))
        if committed_text and strokes:
            end = max(stroke.release for stroke in strokes)
            timeline.append(
                (end, index * 100_000 + 99_999, 2, "text_input", participant.typed[index])
            )
    timeline.sort(key=lambda item: item[:3])
    envelope = {
        "schema": "interaction/v1",
        "user_id": participant.login,
        "device_id": participant.device_id,
        "session_id": participant.session_id,
        "app": APP,
        "window_title": WINDOW_TITLE,
    }
    first_ts = timeline[0][0] if timeline else 0
    events: list[dict[str, Any]] = [
        {
            **envelope,
            "event_id": _event_id(participant, "focus"),
            "seq": 0,
            "ts": first_ts,
            "type": "window_focus",
        }
    ]
    sentence_of = [-1]
    held: dict[str, int] = {}
    for ts, order, phase, kind, item in timeline:
        if isinstance(item, str):
            events.append(
                {
                    **envelope,
                    "event_id": _event_id(participant, f"{order}:{phase}"),
                    "seq": len(events),
                    "ts": ts,
                    "type": kind,
                    "text": item,
                    "field": "textarea",
                }
            )
            sentence_of.append(order // 100_000)
            continue
        stroke = item
        modifier = MODIFIER_KEYS.get(stroke.key)
        if modifier is not None:
            held[modifier] = held.get(modifier, 0) + (1 if kind == "key_down" else -1)
        events.append(
            {
                **envelope,
                "event_id": _event_id(participant, f"{order}:{phase}"),
                "seq": len(events),
                "ts": ts,
                "type": kind,
                "key": stroke.key,
                **({"code": stroke.code} if stroke.code else {}),
                "modifiers": sorted(name for name, count in held.items() if count > 0),
                "repeat": False,
            }
        )
        sentence_of.append(order // 100_000)
    return events, sentence_of


def _event_id(participant: Participant, suffix: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{participant.participant_id}:{suffix}"))
