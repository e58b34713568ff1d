"""One Dockerfile builds every service (deploy/docker/Dockerfile, build arguments SERVICE and
PORT): checks that each service is built with the port its code listens on by default and its
Kubernetes Deployment declares (.ci/validate-deploy).

usage: python deploy/check_ports.py
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("workbench", "intake", "tasking", "deadline", "escalation", "reporting")


def default_port(service: str) -> int:
    config = importlib.import_module(f"duban_{service}.config")
    [settings] = [
        value
        for name, value in vars(config).items()
        if name.endswith("Settings") and value.__module__ == config.__name__
    ]
    return settings.model_fields["http_port"].default


def compose_ports() -> dict[str, list[int]]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    built: dict[str, list[int]] = {}
    for name, service in services.items():
        build = service.get("build")
        if build is None:
            continue
        if build.get("dockerfile") != "deploy/docker/Dockerfile":
            sys.exit(f"docker-compose.yml: {name} is not built from deploy/docker/Dockerfile")
        built.setdefault(build["args"]["SERVICE"], []).append(int(build["args"]["PORT"]))
    return built


def kubernetes_port(service: str) -> int:
    for document in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "base" / f"{service}.yaml").read_text()):
        if document and document["kind"] == "Deployment":
            [container] = document["spec"]["template"]["spec"]["containers"]
            [port] = [port["containerPort"] for port in container["ports"] if port["name"] == "http"]
            return port
    sys.exit(f"deploy/k8s/base/{service}.yaml has no Deployment")


def main() -> int:
    built = compose_ports()
    problems = [f"docker-compose.yml builds no image of {service}" for service in SERVICES if service not in built]
    for service in SERVICES:
        want = default_port(service)
        problems += [
            f"docker-compose.yml builds {service} with PORT={port}, its code listens on {want}"
            for port in built.get(service, [])
            if port != want
        ]
        if kubernetes_port(service) != want:
            problems.append(
                f"deploy/k8s/base/{service}.yaml: containerPort {kubernetes_port(service)}, the code listens on {want}"
            )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
