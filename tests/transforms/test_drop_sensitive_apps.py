"""drop_sensitive_apps: nothing at all is kept from password managers and the like."""

from __future__ import annotations

import orjson
import pytest
from pydantic import ValidationError

from tests.transforms.raw_events import make_event
from transforms.context import Context
from transforms.drop_sensitive_apps import (
    PASSWORD_MANAGERS,
    DropSensitiveAppsConfig,
    drop_sensitive_apps,
)
from transforms.pipeline import Dropped, Pipeline
from transforms.registry import Transform


def build(**config: object) -> Transform:
    return drop_sensitive_apps(DropSensitiveAppsConfig(**config), Context())  # type: ignore[arg-type]


@pytest.mark.parametrize("app", PASSWORD_MANAGERS)
def test_every_default_password_manager_is_dropped(app: str) -> None:
    assert build()(make_event("key_down", app=app)) is None


@pytest.mark.parametrize("app", ["1PASSWORD", "bitwarden", "KeePassXC 2.7", "1Password 8"])
def test_app_names_match_in_any_case_and_with_versions(app: str) -> None:
    assert build()(make_event("key_down", app=app)) is None


@pytest.mark.parametrize(
    ("window_title", "url"),
    [
        ("Bitwarden Web Vault - Google Chrome", None),
        ("bank login – lastpass", None),
        ("Sign in - Google Chrome", "https://vault.bitwarden.com/#/login"),
        ("Vault", "https://my.1password.com/vaults"),
    ],
)
def test_browser_vaults_are_found_in_titles_and_urls(window_title: str, url: str | None) -> None:
    event = make_event("key_down", app="Google Chrome", window_title=window_title, url=url)
    assert build()(event) is None


def test_titles_are_not_matched_when_turned_off() -> None:
    event = make_event("key_down", app="Google Chrome", window_title="Bitwarden Web Vault")
    assert build(match_titles=False)(event) is event


def test_generic_passwords_word_in_a_title_does_not_drop() -> None:
    # "Passwords" is an app name on macOS, but a title "Reset passwords - Jira" is not a vault.
    event = make_event("click", app="Google Chrome", window_title="Reset passwords - Jira")
    assert build()(event) is event
    assert build()(make_event("click", app="Passwords")) is None


def test_other_apps_pass_unchanged() -> None:
    event = make_event("key_down", app="Slack")
    assert build()(event) is event


def test_event_without_app_or_title_passes() -> None:
    event = make_event("mouse_move")
    for name in ("app", "window_title", "url"):
        event.pop(name, None)
    assert build()(event) is event


def test_custom_app_list_replaces_the_default() -> None:
    transform = build(apps=["Signal"])
    assert transform(make_event(app="Signal")) is None
    assert transform(make_event(app="1Password")) is not None


def test_input_event_is_not_mutated() -> None:
    event = make_event(app="1Password")
    before = orjson.dumps(event)
    build()(event)
    assert orjson.dumps(event) == before


def test_unknown_config_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="titles"):
        DropSensitiveAppsConfig(titles=True)  # type: ignore[call-arg]


def test_default_pipeline_drops_vault_keystrokes_under_the_stage_name(
    default_pipeline: Pipeline,
) -> None:
    outcome = default_pipeline.sanitize(make_event("key_down", app="1Password", key="s"))
    assert outcome == Dropped("drop_sensitive_apps")
