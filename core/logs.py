"""Logging for `python server.py`: uvicorn's own loggers plus the app's (`grassroots.*`).

Handed to uvicorn as its `log_config`, which it applies again in every worker process it
starts: with `--workers N` each worker logs a broker outage, an overdue sweep or an
unexpected error as the single process does.
"""

from __future__ import annotations

import copy
from typing import Any

from uvicorn.config import LOGGING_CONFIG

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def log_config(level: str = "INFO") -> dict[str, Any]:
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["app"] = {"format": FORMAT}
    config["handlers"]["app"] = {
        "class": "logging.StreamHandler",
        "formatter": "app",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["grassroots"] = {"handlers": ["app"], "level": level, "propagate": False}
    return config
