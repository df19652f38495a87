"""The streaming service's settings, topics and app wiring, without a broker."""

from __future__ import annotations

import faust
import pytest
from pydantic import ValidationError

from streams.app import broker_credentials, create_app
from streams.settings import ServiceSettings
from streams.topics import topic_specs
from transforms.context import Context
from transforms.keyring import Keyring
from transforms.policy import build_pipeline, load_policy


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith("SANITIZER_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_settings_come_from_sanitizer_env_vars(clean_env):
    clean_env.setenv("SANITIZER_RAW_TOPIC", "collectors.raw")
    clean_env.setenv("SANITIZER_PROCESSING_GUARANTEE", "at_least_once")
    clean_env.setenv("SANITIZER_PARTITIONS", "12")
    settings = ServiceSettings()
    assert settings.raw_topic == "collectors.raw"
    assert settings.partitions == 12
    assert settings.sanitized_topic == "interactions.sanitized"  # default


def test_secrets_never_show_in_repr(clean_env):
    clean_env.setenv("SANITIZER_HMAC_KEY", "super-secret-hmac-key-material")
    clean_env.setenv("SANITIZER_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    clean_env.setenv("SANITIZER_SASL_USERNAME", "svc-sanitizer")
    clean_env.setenv("SANITIZER_SASL_PASSWORD", "hunter2-password")
    text = repr(ServiceSettings()) + str(ServiceSettings().model_dump())
    assert "super-secret" not in text and "hunter2" not in text


def test_sasl_without_credentials_is_refused(clean_env):
    clean_env.setenv("SANITIZER_SECURITY_PROTOCOL", "SASL_SSL")
    with pytest.raises(ValidationError, match="SANITIZER_SASL_USERNAME"):
        ServiceSettings()


def test_sasl_ssl_reaches_both_kafka_clients(clean_env):
    settings = ServiceSettings(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="svc",
        sasl_password="pw",
    )
    config = settings.kafka_python_config()
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["sasl_plain_password"] == "pw"
    assert config["ssl_context"] is not None
    credentials = broker_credentials(settings)
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.protocol.value == "SASL_SSL"


def test_optout_topic_is_compacted_and_kept_forever(clean_env):
    specs = {spec.name: spec for spec in topic_specs(ServiceSettings(partitions=6))}
    assert specs["interactions.optout"].configs["cleanup.policy"] == "compact"
    assert specs["interactions.optout"].configs["retention.ms"] == "-1"
    for name in ("interactions.raw", "interactions.sanitized", "interactions.quarantine"):
        assert specs[name].partitions == 6
        assert specs[name].configs["cleanup.policy"] == "delete"


def test_app_reads_the_optout_topic_as_a_global_table(clean_env):
    pipeline = build_pipeline(load_policy(None), Context(keyring=Keyring(b"k" * 32)))
    settings = ServiceSettings(optout_topic="registry.optout", consumer_group="g1")
    app = create_app(settings, pipeline)
    table = app.tables["optout"]
    assert table.is_global and table.synchronize_all_active_partitions
    # Faust's assignor looks the changelog up by this name; it must be our topic.
    assert table._changelog_topic_name() == "registry.optout"
    assert app.conf.id == "g1"
    # The raw topic is subscribed, but consumed by the delivery loop, not by a Faust agent.
    assert not app.agents
    assert "interactions.raw" in {name for topic in app.topics for name in topic.topics}
    assert app.conf.ConsumerScheduler.__name__ == "DivertingScheduler"


def test_exactly_once_is_accepted_and_picks_the_transactional_loop(clean_env):
    from streams.agents import delivery_loop_kind
    from streams.at_least_once import AtLeastOnce
    from streams.exactly_once import ExactlyOnce

    settings = ServiceSettings(processing_guarantee="exactly_once")
    assert settings.processing_guarantee == "exactly_once"
    pipeline = build_pipeline(load_policy(None), Context(keyring=Keyring(b"k" * 32)))
    assert delivery_loop_kind(settings) is ExactlyOnce
    assert delivery_loop_kind(ServiceSettings()) is AtLeastOnce
    create_app(settings, pipeline)  # builds
