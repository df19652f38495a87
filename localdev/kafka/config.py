"""The broker's configuration files, as text."""

from __future__ import annotations

from pathlib import Path


def server_properties(
    data_dir: Path, port: int | None, controller_port: int | None, extra: dict[str, str]
) -> str:
    """server.properties of a combined broker+controller on loopback, sized for tests."""
    props: dict[str, str] = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir / "kraft-logs"),
        "num.partitions": "1",
        "auto.create.topics.enable": "true",
        "delete.topic.enable": "true",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
        "log.segment.bytes": str(16 * 1024 * 1024),
        "log.retention.hours": "24",
        "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
        "metadata.log.segment.bytes": str(8 * 1024 * 1024),
    }
    props.update(extra)
    return "".join(f"{k}={v}\n" for k, v in props.items())


def log4j_properties(data_dir: Path) -> str:
    """WARN and above to server.log in the data directory, plus one readiness line."""
    return (
        "log4j.rootLogger=WARN, file\n"
        "log4j.appender.file=org.apache.log4j.FileAppender\n"
        f"log4j.appender.file.File={data_dir / 'server.log'}\n"
        "log4j.appender.file.Append=true\n"
        "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
        "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
        # One INFO line marking readiness helps when reading the log.
        "log4j.logger.kafka.server.KafkaRaftServer=INFO\n"
    )
