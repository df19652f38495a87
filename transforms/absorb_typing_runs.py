"""absorb_typing_runs: the keys inside an open typing run are counted and dropped early.

``summarize_typing`` keeps a run's envelope, so it must run after ``pseudonymize_ids`` and
``scrub_text`` (its state, and the worker's changelog, would otherwise hold raw ids and titles).
But most key presses only add one to an open run, and every one of them paid for those stages
first: a keyed hash of its event id, the title caches, a copy per stage. This stage sits right
after ``strip_typed_text`` and takes those presses out there: per session it remembers only
whether a run is open and how many characters and corrections it has absorbed since (two
numbers, no id, no text). The key that opens a run, and every event that ends one, go on as
before; the event that ends a run carries the counts (``HANDOFF_FIELD``) to ``summarize_typing``,
which adds them to its own. So does the first key of a new UTC day: rotating pseudonyms
(``pseudonymize_ids``' ``rotation``, whose epochs start at midnight UTC) make a new session of
``summarize_typing``'s from there on, and that key goes on to open it. The output is the same
as without this stage (property tests hold the two policies side by side); only the drop rule
of an absorbed key is this stage's.

It follows ``summarize_typing``'s rules exactly (``key_counts``, caret movement inside a run,
releases and pointer moves neither typing nor actions), which is why the policy check allows
only stages that drop no action and keep the session's ids comparable between the two (see
``transforms.policy``). If the two disagree, which only eviction from either bounded state can
cause, or a session whose timestamps go back across midnight UTC inside one run while its
pseudonyms rotate, a run loses keys or its summary; it never gains one.
"""

from __future__ import annotations

from pydantic import Field

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register
from transforms.state import session_key
from transforms.summarize_typing import HANDOFF_FIELD, key_counts, moves_in_run

# Neither typing nor an action: summarize_typing lets them pass without touching its run.
_PASSING = frozenset({"mouse_move", "key_up"})
DAY_MS = 86_400_000


class AbsorbTypingRunsConfig(TransformConfig):
    max_sessions: int = Field(100_000, ge=1, description="sessions whose open run is tracked")


@register("absorb_typing_runs", AbsorbTypingRunsConfig)
def absorb_typing_runs(config: AbsorbTypingRunsConfig, context: Context) -> Transform:
    """Count and drop the keys of an open typing run before the costly stages see them."""
    # Per session with an open run: [characters, corrections absorbed here, UTC day].
    absorbed = context.session_state("absorb_typing_runs", config.max_sessions)

    def absorb(event: Event) -> Event | None:
        kind = event["type"]
        if kind in _PASSING:
            return event
        session = session_key(event)
        counts = absorbed.get(session)
        if kind == "key_down":
            cls = event.get("key_class")
            modifiers = event.get("modifiers")
            command, counts_char, counts_fix = key_counts(cls, modifiers)
            day = event["ts"] // DAY_MS
            if counts is not None and counts[2] == day:
                if not command or moves_in_run(cls, modifiers):
                    absorbed[session] = [counts[0] + counts_char, counts[1] + counts_fix, day]
                    return None
            elif counts_char or counts_fix:  # summarize_typing opens (or goes on with) its run
                absorbed[session] = [0, 0, day]
                return _handing_over(event, counts)
        if counts is None:
            return event
        del absorbed[session]  # this event ends the run: summarize_typing gets the counts
        return _handing_over(event, counts)

    return absorb


def _handing_over(event: Event, counts: list[int] | None) -> Event:
    """The event, carrying the counts (if any) to summarize_typing."""
    if counts is None or not (counts[0] or counts[1]):
        return event
    return {**event, HANDOFF_FIELD: counts[:2]}
