"""renumber_seq: ``seq`` counts the events that are kept, with no gaps.

Privacy property: when earlier stages drop or absorb events (releases, typed keys folded into a
summary), the original ``seq`` would still count them, so the gap between two kept events tells
exactly how many keys were typed between them or where a release fell. After this stage
``seq`` is dense within a session: it gives the order of the kept events and nothing else.

State is one counter per session, in the context's session store (``transforms.state``: by
default in memory, bounded by ``max_sessions``, least recently used evicted first). When an
evicted session comes back, numbering resumes from its original ``seq`` rounded up to a
multiple of ``resume_block``: still increasing, and it reveals only the session's coarse
length so far. Deterministic for a given input order; transforms see one
user's events in order (Kafka partitions by user), so one instance per consumer is correct.
Place it after every stage that drops events and before ``allowlist_fields``.
"""

from __future__ import annotations

from pydantic import Field

from transforms.context import Context
from transforms.registry import Event, Transform, TransformConfig, register
from transforms.state import session_key


class RenumberSeqConfig(TransformConfig):
    max_sessions: int = Field(100_000, ge=1, description="sessions whose counter is kept")
    resume_block: int = Field(
        1024, ge=1, description="an evicted session resumes at its seq rounded up to this"
    )


def resume_point(original_seq: int, block: int) -> int:
    """Where a session seen for the first time (or again after eviction) starts counting."""
    if original_seq < block:
        return max(original_seq, 0)
    return -(-original_seq // block) * block


@register("renumber_seq", RenumberSeqConfig)
def renumber_seq(config: RenumberSeqConfig, context: Context) -> Transform:
    """Rewrite ``seq`` as a dense per-session counter of the events that reach this stage."""
    counters = context.session_state("renumber_seq", config.max_sessions)
    block = config.resume_block

    def renumber(event: Event) -> Event:
        seq = event.get("seq")
        if seq is None:
            return event
        session = session_key(event)
        number = counters.get(session)
        if number is None:
            number = resume_point(seq, block)
        counters[session] = number + 1
        return {**event, "seq": number}

    return renumber
