"""The worker's logging: no console spinner at any level, so no debug records under load."""

from __future__ import annotations

import io
import logging

import faust
import pytest

from streams.settings import ServiceSettings
from streams.worker import worker_class


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING, logging.ERROR])
def test_the_root_logger_keeps_its_level_and_gets_no_spinner(level: int) -> None:
    settings = ServiceSettings()
    app = faust.App("worker-logging-test", broker="kafka://127.0.0.1:1")
    worker = worker_class(settings)(app, loglevel=level, stdout=io.StringIO())
    logger = logging.Logger("root-under-test", level)
    logger.addHandler(logging.StreamHandler(io.StringIO()))

    worker.on_setup_root_logger(logger, level)

    assert worker.spinner is None
    assert logger.level == level  # Faust's spinner would have set it to DEBUG
    assert not logger.isEnabledFor(logging.DEBUG)
    assert not any("Spinner" in type(handler).__name__ for handler in logger.handlers)
