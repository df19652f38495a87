"""docker-compose.yml and the Dockerfile agree with the code (there is no Docker engine here).

Compose cannot run in CI, so its contract is checked statically: the services exist and depend
on each other in a working order, every SANITIZER_* variable set on a service is a real field
of the settings model (a typo would be silently ignored at runtime), and the topic names match
the settings defaults that `sanitizer topics create` uses.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.settings import ENV_PREFIX, ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {ENV_PREFIX + name.upper(): name for name in ServiceSettings.model_fields}


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return dict(compose["services"])


def test_the_four_services_exist(services):
    assert {"kafka", "topics", "worker", "simulator"} <= services.keys()


def test_kafka_is_the_official_kraft_image_with_a_healthcheck(services):
    kafka = services["kafka"]
    assert kafka["image"] == "apache/kafka:3.9.1"
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert kafka["healthcheck"]["test"]


def test_services_start_in_order(services):
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["topics"]["command"] == ["topics", "create"]
    worker_needs = services["worker"]["depends_on"]["topics"]["condition"]
    assert worker_needs == "service_completed_successfully"


def test_worker_is_built_here_and_checked_on_healthz(services):
    worker = services["worker"]
    assert worker["build"] == "." and worker["command"] == ["worker"]
    port = worker["environment"]["SANITIZER_METRICS_PORT"]
    assert f"127.0.0.1:{port}/healthz" in " ".join(worker["healthcheck"]["test"])
    assert worker["ports"] == [port]


@pytest.mark.parametrize("service", ["topics", "worker"])
def test_every_variable_is_a_settings_field(services, service):
    environment = services[service]["environment"]
    unknown = set(environment) - FIELDS.keys()
    assert not unknown, f"{service} sets variables the settings ignore: {sorted(unknown)}"
    # And the values validate (the key is interpolated by compose from the shell).
    values = {
        FIELDS[name]: "x" * 32 if "${" in str(value) else value
        for name, value in environment.items()
    }
    ServiceSettings(**values)


def test_worker_topics_are_the_settings_defaults(services):
    environment = services["worker"]["environment"]
    defaults = ServiceSettings.model_fields
    for name in ("raw_topic", "sanitized_topic", "quarantine_topic", "optout_topic"):
        assert environment[ENV_PREFIX + name.upper()] == defaults[name].default


def test_the_hmac_key_is_required_not_defaulted(services):
    assert re.fullmatch(
        r"\$\{SANITIZER_HMAC_KEY:\?.+\}", services["worker"]["environment"]["SANITIZER_HMAC_KEY"]
    )


def test_simulator_options_exist():
    from cli.simulate import simulate  # the command moved to cli/ with the layout change

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["simulator"]["command"]
    assert command[0] == "simulate"
    parameters = inspect.signature(simulate).parameters
    for flag in (part for part in command if part.startswith("--")):
        assert flag[2:].replace("-", "_") in parameters, flag


def test_dockerfile_installs_the_package_and_runs_the_worker():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert "pip install ." in dockerfile
    assert 'ENTRYPOINT ["sanitizer"]' in dockerfile and 'CMD ["worker"]' in dockerfile
    assert "/healthz" in dockerfile
