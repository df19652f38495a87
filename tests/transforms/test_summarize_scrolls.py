"""summarize_scrolls: one direction-only event per scroll gesture."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.transforms.raw_events import PROPERTY, make_event
from transforms.context import Context
from transforms.registry import Transform
from transforms.summarize_scrolls import SummarizeScrollsConfig, summarize_scrolls


def summarizer(max_sessions: int = 100) -> Transform:
    return summarize_scrolls(SummarizeScrollsConfig(max_sessions=max_sessions), Context())


def scroll(dy: float, dx: float = 0, **fields: object) -> dict[str, object]:
    return make_event("scroll", dx=dx, dy=dy, **fields)


def test_a_run_is_its_first_event_with_deltas_as_signs() -> None:
    transform = summarizer()
    out = [transform(scroll(-120, ts=1_778_758_187_249 + i)) for i in range(10)]
    assert out[0] is not None and (out[0]["dx"], out[0]["dy"]) == (0, -1)
    assert out[1:] == [None] * 9


def test_direction_changes_and_other_actions_start_a_new_run_moves_do_not() -> None:
    transform = summarizer()
    assert transform(scroll(3)) is not None
    assert transform(make_event("mouse_move")) is not None
    assert transform(scroll(100)) is None
    assert transform(scroll(-3))["dy"] == -1  # type: ignore[index]
    assert transform(make_event("click")) is not None
    assert transform(scroll(-3)) is not None


@given(
    st.lists(st.sampled_from([-120, -100, -3, -1.5, 1, 3, 100, 120]), min_size=1, max_size=40),
    st.integers(1, 40),
)
@PROPERTY
def test_output_depends_only_on_the_directions_not_on_notch_size_or_count(
    deltas: list[float], repeat: int
) -> None:
    def output(values: list[float]) -> list[object]:
        transform = summarizer()
        return [o for o in (transform(scroll(v)) for v in values) if o is not None]

    device = output(deltas)
    other_device = output([v * 7 for v in deltas for _ in range(repeat)])
    assert device == other_device
    assert all(e["dy"] in (-1, 1) and e["dx"] == 0 for e in device)  # type: ignore[index]


def test_sessions_are_apart_and_memory_is_bounded() -> None:
    transform = summarizer(max_sessions=1)
    assert transform(scroll(1, session_id="a")) is not None
    assert transform(scroll(1, session_id="b")) is not None
    assert transform(scroll(1, session_id="a")) is not None  # evicted: a new run
