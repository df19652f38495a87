"""The Faust app of the streaming worker, built from one ``ServiceSettings``.

``create_app`` wires: the raw topic → the delivery loop (``streams.agents``); the opt-out topic
→ a GlobalTable (``streams.optout``); and two pages on Faust's own web server, on
``SANITIZER_METRICS_PORT``: ``/metrics`` (Prometheus) and ``/healthz``. One port, one server:
nothing else to open in a container.

Serializers are raw bytes both ways (orjson does the JSON, once, in the core), and the app
lists its agent explicitly instead of autodiscovering modules.

For ``faust -A streams.app worker -l info`` the module attribute ``app`` is built lazily from
the environment on first access, so importing this module has no side effects.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from faust.auth import Credentials
from faust.exceptions import ConsumerNotStarted
from faust.web import Request, Response, View

from streams.agents import attach_sanitize_agent
from streams.group_watch import DEFAULT_LIMIT_S, GroupWatch
from streams.metrics import BatchMonitor, ServiceMetrics
from streams.optout import OPTED_OUT_VALUE, Registry, optout_table, registry_of
from streams.publisher import timestamp_floor_ms
from streams.routing import Router
from streams.runtime import SetupError, pipeline_for, session_state_of
from streams.settings import SecurityProtocol, ServiceSettings, load_settings
from transforms.pipeline import Pipeline
from transforms.policy import load_policy

log = logging.getLogger(__name__)


def broker_credentials(settings: ServiceSettings) -> Credentials | None:
    context = settings.ssl_context()
    if settings.security_protocol.startswith("SASL_"):
        assert settings.sasl_password is not None  # the settings validator checked it
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value(),
            mechanism=settings.sasl_mechanism.value,
            ssl_context=context,
        )
    if settings.security_protocol is SecurityProtocol.SSL:
        assert context is not None
        return faust.SSLCredentials(context)
    return None


def create_app(settings: ServiceSettings, pipeline: Pipeline) -> faust.App:
    app = faust.App(
        settings.consumer_group,
        broker=[f"kafka://{server}" for server in settings.bootstrap_list],
        broker_credentials=broker_credentials(settings),
        # Faust's own guarantee stays at_least_once: the delivery loop drives its own
        # transactions for exactly_once (streams.exactly_once); Faust's would add its own.
        processing_guarantee="at_least_once",
        autodiscover=False,
        key_serializer="raw",
        value_serializer="raw",
        store="memory://",
        datadir=str(settings.data_dir / "{conf.name}-data"),
        web_enabled=True,
        web_port=settings.metrics_port,
        web_bind=settings.web_bind,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=settings.commit_interval_s,
        broker_session_timeout=settings.session_timeout_s,
        producer_linger_ms=settings.producer_linger_ms,
        producer_max_batch_size=settings.producer_batch_bytes,
        producer_max_request_size=max(settings.producer_batch_bytes, 1024 * 1024),
        stream_buffer_maxsize=settings.stream_buffer_maxsize,
        consumer_max_fetch_size=settings.fetch_bytes_per_partition,
        Monitor=BatchMonitor,
    )
    metrics = ServiceMetrics()
    optout = optout_table(app, settings)

    def registry() -> Registry:
        return registry_of(optout)

    @app.timer(5.0)
    async def count_optouts() -> None:
        # On a timer, not per batch: counting walks the whole registry.
        opted_out = sum(1 for value in registry().values() if value == OPTED_OUT_VALUE)
        metrics.optout_users.set(opted_out)

    router = Router(
        pipeline,
        {},
        sanitized_topic=settings.sanitized_topic,
        quarantine_topic=settings.quarantine_topic,
        include_raw=settings.quarantine_include_raw,
    )
    floor_ms = timestamp_floor_ms(load_policy(settings.policy_path))  # validated: make_pipeline
    state = session_state_of(pipeline)  # None: a pipeline built with in-memory stage state
    attach_sanitize_agent(app, settings, router, registry, metrics, floor_ms, state)
    watch = GroupWatch(
        lambda: app.consumer._thread._ensure_consumer(),  # type: ignore[attr-defined]
        max(DEFAULT_LIMIT_S, 3 * settings.session_timeout_s),
    )
    app.timer(5.0, name="group_watch")(_checking(watch))
    add_pages(app, metrics, settings.raw_topic, watch)
    return app


def _checking(watch: GroupWatch) -> Any:
    async def check_group() -> None:
        watch.check()

    return check_group


def add_pages(
    app: faust.App, metrics: ServiceMetrics, raw_topic: str, watch: GroupWatch | None = None
) -> None:
    @app.page("/metrics")
    async def prometheus(web: View, request: Request) -> Response:
        body, content_type = metrics.render()
        # As a header: aiohttp refuses a content_type argument that carries a charset.
        return web.bytes(body, headers={"Content-Type": content_type})

    @app.page("/healthz")
    async def healthz(web: View, request: Request) -> Response:
        report = health(app, raw_topic, watch)
        return web.json(report, status=200 if report["healthy"] else 503)


def health(app: faust.App, raw_topic: str, watch: GroupWatch | None = None) -> dict[str, Any]:
    """Healthy = running, not crashed, opt-out registry loaded, not stuck out of its consumer
    group (``streams.group_watch``). A rebalance is not a failure: failing health checks during
    one would make an orchestrator restart healthy workers."""
    recovered = app.tables.recovery.completed.is_set()  # type: ignore[attr-defined]
    try:
        assigned = app.consumer.assignment()
    except ConsumerNotStarted:  # the web server starts before the consumer
        assigned = set()
    agents_ok = all(not agent.crashed for agent in app.agents.values())
    in_group = watch is None or watch.healthy()
    healthy = (
        app.started and not app.crashed and not app.should_stop and recovered and agents_ok
    ) and in_group
    return {
        "healthy": healthy,
        "out_of_group_s": 0.0 if watch is None else round(watch.out_of_group_s(), 1),
        "optout_registry_loaded": recovered,
        "rebalancing": bool(app.rebalancing),
        # The raw partitions this worker owns: with several workers each gets its share.
        "raw_partitions": sorted(tp.partition for tp in assigned if tp.topic == raw_topic),
    }


def build_app_from_env(**overrides: Any) -> faust.App:
    """Settings from the environment, the pipeline (fails fast on a bad key or policy), the app."""
    settings = load_settings(**overrides)
    try:
        pipeline = pipeline_for(settings)
    except SetupError as error:
        raise SystemExit(f"error: {error}") from None
    return create_app(settings, pipeline)


_lazy_app: faust.App | None = None


def __getattr__(name: str) -> Any:
    # ``faust -A streams.app`` looks up ``app``; build it on first use, not at import.
    global _lazy_app
    if name == "app":
        if _lazy_app is None:
            _lazy_app = build_app_from_env()
        return _lazy_app
    raise AttributeError(name)
