"""What the application's own log handler writes, captured as production would emit it."""

import io
import logging
from collections.abc import Iterator

import pytest
import structlog


class AppLog:
    def __init__(self, stream: io.StringIO):
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()


LEVELS = {"": logging.INFO, "isahub": logging.DEBUG, "django": logging.INFO, "django.request": logging.INFO, "axes": logging.INFO}


@pytest.fixture
def app_log() -> Iterator[AppLog]:
    """The JSON lines the configured console handler writes (structlog and std logging), at
    DEBUG for isahub and INFO for Django, instead of the test settings' WARNING."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
    ]
    assert handlers, "the application's structured log handler is not installed"
    stream = io.StringIO()
    previous_streams = [h.setStream(stream) for h in handlers]
    previous_levels = {name: logging.getLogger(name).level for name in LEVELS}
    for name, level in LEVELS.items():
        logging.getLogger(name).setLevel(level)
    try:
        yield AppLog(stream)
    finally:
        for handler, previous in zip(handlers, previous_streams, strict=True):
            handler.setStream(previous)
        for name, level in previous_levels.items():
            logging.getLogger(name).setLevel(level)
