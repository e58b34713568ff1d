"""Each service's real FastAPI app (its bootstrap, its routers, the shared app factory), for tests
of what sits in front of the handlers: body limits, the error format, the API docs. The
lifespan is not run, so nothing connects to NATS or opens the database."""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import FastAPI

SERVICES = ("intake", "tasking", "deadline", "escalation", "reporting")


def service_app(name: str, data_dir: Path) -> FastAPI:
    config = importlib.import_module(f"duban_{name}.config")
    settings_class = next(v for k, v in vars(config).items() if k.endswith("Settings") and k != "ServiceSettings")
    runtime = importlib.import_module(f"duban_{name}.bootstrap").bootstrap(settings_class(data_dir=data_dir))
    return runtime.app(f"duban {name}")
