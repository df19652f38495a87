"""``extends``: a base policy's stages with ``configure`` merged and ``insert`` applied."""

from __future__ import annotations

import pytest

from transforms.policy_extends import ExtendError, apply_changes, resolve_extends

BASE = [{"transform": "a"}, {"transform": "b", "config": {"x": 1, "y": 2}}, {"transform": "z"}]


def names(stages: list[dict[str, object]]) -> list[str]:
    return [str(stage.get("name") or stage["transform"]) for stage in stages]


def test_inserts_after_one_stage_keep_their_written_order() -> None:
    changes = {"insert": [{"after": "a", "stages": [{"transform": "p"}]},
                          {"after": "a", "stages": [{"transform": "q"}, {"transform": "r"}]},
                          {"before": "z", "stages": [{"transform": "s"}]}]}  # fmt: skip
    assert names(apply_changes(BASE, changes)) == ["a", "p", "q", "r", "b", "s", "z"]


def test_configure_merges_key_by_key_and_leaves_the_base_alone() -> None:
    changed = apply_changes(BASE, {"configure": {"b": {"y": 3}}})
    assert changed[1]["config"] == {"x": 1, "y": 3}
    assert BASE[1]["config"] == {"x": 1, "y": 2}  # the base is not mutated


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"insert": {"before": "b", "after": "a", "stages": [{"transform": "p"}]}},
         "exactly one of 'before' or 'after'"),
        ({"insert": {"before": "b", "stages": []}}, "insert 1: field stages"),
        ({"insert": "b"}, "insert: a mapping"),
        ({"configure": {"bb": {"x": 0}}}, "no stage named 'bb' in the base; did you mean 'b'?"),
    ],
)  # fmt: skip
def test_bad_changes_are_named(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ExtendError, match=message.replace("(", r"\(").replace("?", r"\?")):
        apply_changes(BASE, changes)


def test_insert_and_configure_need_extends() -> None:
    with pytest.raises(ExtendError, match="only with 'extends'"):
        resolve_extends({"version": 1, "insert": []}, lambda reference: BASE)
    plain = {"version": 1, "stages": BASE}
    assert resolve_extends(plain, lambda reference: []) is plain
