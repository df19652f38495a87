"""The HMAC keyring: stable 128-bit pseudonyms, per-epoch keys, and a key that never shows."""

from __future__ import annotations

import hmac
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.transforms.raw_events import PROPERTY
from transforms.keyring import (
    INSECURE_DEV_KEY_ID,
    Keyring,
    KeyringError,
    Rotation,
    epoch_label,
    load_keyring,
)

KEY = b"0123456789abcdef-test-key"
HEX128 = re.compile(r"^[0-9a-f]{32}$")
TS = 1_778_758_187_249  # 2026-05-14T11:29:47.249Z, a Thursday of ISO week 20


def test_pseudonym_is_128_bits_of_hex() -> None:
    assert HEX128.match(Keyring(KEY).pseudonym("user_id", "jdoe"))


def test_same_key_and_value_give_the_same_pseudonym_in_new_keyrings() -> None:
    assert Keyring(KEY).pseudonym("user_id", "jdoe") == Keyring(KEY).pseudonym("user_id", "jdoe")


def test_different_key_gives_a_different_pseudonym() -> None:
    other = Keyring(b"another-key-of-enough-bytes")
    assert Keyring(KEY).pseudonym("user_id", "jdoe") != other.pseudonym("user_id", "jdoe")


def test_kind_is_mixed_in_so_equal_login_and_hostname_are_unlinkable() -> None:
    keyring = Keyring(KEY)
    assert keyring.pseudonym("user_id", "build01") != keyring.pseudonym("device_id", "build01")


def test_each_epoch_has_its_own_key() -> None:
    keyring = Keyring(KEY)
    may, june = (
        keyring.pseudonym("user_id", "jdoe", "2026-05"),
        keyring.pseudonym("user_id", "jdoe", "2026-06"),
    )
    assert may != june
    assert may != keyring.pseudonym("user_id", "jdoe")
    assert keyring.epoch_key("2026-05") == Keyring(KEY).epoch_key("2026-05")
    assert keyring.epoch_key("") == KEY


@given(st.text(max_size=60), st.text(max_size=60))
@PROPERTY
def test_distinct_values_get_distinct_pseudonyms(first: str, second: str) -> None:
    keyring = Keyring(KEY)
    same = keyring.pseudonym("user_id", first) == keyring.pseudonym("user_id", second)
    assert same == (first == second)


@given(st.sampled_from(["user_id", "event_id", "session-state.x"]), st.text(max_size=60))
@PROPERTY
def test_a_kinds_pseudonymizer_gives_the_keyrings_pseudonym(kind: str, value: str) -> None:
    keyring = Keyring(KEY)
    assert keyring.pseudonymizer(kind)(value) == keyring.pseudonym_uncached(kind, value)
    assert (
        keyring.pseudonymizer(kind)(value)
        == hmac.digest(KEY, f"{kind}:{value}".encode("utf-8", "surrogatepass"), "sha256")[:16].hex()
    )


def test_pseudonym_of_a_lone_surrogate_does_not_raise() -> None:
    assert HEX128.match(Keyring(KEY).pseudonym("user_id", "\ud800"))


@pytest.mark.parametrize("length", [0, 1, 15])
def test_short_key_is_refused(length: int) -> None:
    with pytest.raises(KeyringError, match="at least 16 bytes"):
        Keyring(b"k" * length)


def test_key_never_shows_in_repr_or_key_id() -> None:
    keyring = Keyring(KEY)
    assert KEY.decode() not in repr(keyring)
    assert KEY.decode() not in keyring.key_id
    assert re.fullmatch(r"[0-9a-f]{12}", keyring.key_id)
    assert Keyring(KEY, "prod-2026").key_id == "prod-2026"


def test_output_key_id_names_the_epoch() -> None:
    keyring = Keyring(KEY, "k1")
    assert keyring.output_key_id("") == "k1"
    assert keyring.output_key_id("2026-05") == "k1/2026-05"


@pytest.mark.parametrize(
    ("rotation", "label"),
    [
        (Rotation.none, ""),
        (Rotation.monthly, "2026-05"),
        (Rotation.weekly, "2026-W20"),
        (Rotation.daily, "2026-05-14"),
    ],
)
def test_epoch_label_from_the_event_timestamp_in_utc(rotation: Rotation, label: str) -> None:
    assert epoch_label(TS, rotation) == label


def test_epoch_label_uses_the_iso_week_year() -> None:
    assert epoch_label(1_767_139_200_000, Rotation.weekly) == "2026-W01"  # 2025-12-31


def test_key_from_environment_variable() -> None:
    keyring = load_keyring({"SANITIZER_HMAC_KEY": KEY.decode(), "SANITIZER_HMAC_KEY_ID": "k9"})
    assert keyring.key_id == "k9"
    assert keyring.pseudonym("user_id", "x") == Keyring(KEY).pseudonym("user_id", "x")


def test_key_from_file_is_stripped_of_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "hmac.key"
    path.write_bytes(KEY + b"\n")
    keyring = load_keyring({"SANITIZER_HMAC_KEY_FILE": str(path)})
    assert keyring.pseudonym("user_id", "x") == Keyring(KEY).pseudonym("user_id", "x")


def test_unreadable_key_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.key"
    with pytest.raises(KeyringError, match=r"nope\.key"):
        load_keyring({"SANITIZER_HMAC_KEY_FILE": str(missing)})


def test_no_key_is_refused_unless_the_insecure_dev_key_is_asked_for() -> None:
    with pytest.raises(KeyringError, match="SANITIZER_HMAC_KEY"):
        load_keyring({})
    assert load_keyring({}, insecure_dev_key=True).key_id == INSECURE_DEV_KEY_ID


def test_short_key_from_environment_is_refused_without_echoing_it() -> None:
    with pytest.raises(KeyringError) as error:
        load_keyring({"SANITIZER_HMAC_KEY": "tiny-secret"})
    assert "tiny-secret" not in str(error.value)
