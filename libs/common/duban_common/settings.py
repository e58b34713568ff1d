"""Settings shared by every service (pydantic-settings, env prefix ``DUBAN_``).

Only a service's bootstrap reads settings; nothing is built at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUBAN_", extra="ignore")

    service: str = "service"
    instance: str = "0"  # distinguishes replicas in clock acknowledgements
    nats_url: str = "nats://127.0.0.1:14222"
    data_dir: Path = Path("data")
    # default: SQLite file <data_dir>/<service>.db; "{service}" in the URL is replaced by the
    # service name, so one setting gives every service its own database
    database_url: str | None = None
    clock: Literal["real", "simulated"] = "real"
    http_host: str = "127.0.0.1"
    http_port: int = 8100
    log_level: str = "INFO"
    # Request bodies: larger ones are refused with 413 before parsing (duban_common.bodylimit);
    # the routes a service declares as uploads (Runtime.upload_routes) take up to max_upload_bytes
    max_body_bytes: int = 1_000_000
    # true: the service upgrades its own database at start (embedded run, tests); false
    # (Kubernetes, compose): a migration Job ran `python -m duban_<service> migrate` and the
    # service refuses to start on a database that is not at head
    migrate_on_start: bool = True

    # Bearer tokens (duban_common.auth): "off" trusts every caller and exists for one-off
    # debugging only; the embedded run signs its own tokens (`duban token`).
    auth: Literal["jwt", "off"] = "jwt"
    auth_issuer: str = "duban-embedded"
    auth_audience: str = "duban"
    auth_dir: Path | None = None  # the embedded issuer's keys (default <data_dir>/auth)
    auth_jwks_file: Path | None = None  # default <auth_dir>/jwks.json (the embedded issuer's public keys)
    auth_jwks_url: str | None = None  # the identity provider's JWKS endpoint (production)
    # how far past its expiry (and before its nbf) a token is still taken: the clocks' skew
    # between the identity provider and this host, no more (DUBAN_AUTH_LEEWAY_S)
    auth_leeway_s: int = Field(5, ge=0, le=60)
    # this service's own bearer token for calls to other services (an operator token from
    # the identity provider's client-credentials flow; the embedded run mints one)
    service_token: str | None = None
    # the tenant registry (intake): the issuing body, contact and phone printed on documents
    intake_url: str = "http://127.0.0.1:8101"

    def issuer_dir(self) -> Path:
        return (self.auth_dir or self.data_dir / "auth").resolve()

    def service_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.service_token}"} if self.service_token else {}

    # JetStream: set on purpose (DESIGN.md §9); see docs/decisions/0002-subjects-and-streams.md
    stream_replicas: int = 1
    duplicate_window_s: float = 2 * 3600
    max_deliver: int = 5
    ack_wait_s: float = 30
    max_ack_pending: int = 1000
    retry_backoff_s: list[float] = Field(default_factory=lambda: [1.0, 5.0, 15.0, 60.0])
    fetch_batch: int = 100  # deliveries per pull; a consumer commits what one pull brought together
    # How long one pull of an idle consumer waits for deliveries. A shorter wait did not lower
    # the latency under load and doubled the system's idle CPU (bench/throughput.py --rate,
    # bench/cpu_per_item.py --idle).
    fetch_wait_s: float = 1.0
    max_message_bytes: int = 1_000_000  # larger messages are dead-lettered before parsing
    audit_anchor_every_s: float = 60  # each audit chain's head is published to DUBAN_AUDIT this often, and at stop
    provision_update: bool = False  # when true, drifted consumers are updated instead of failing

    # Report attachments (duban_common.attachments): the largest file one upload may carry. An
    # upload route reads its body against this limit, not against the general request limit.
    max_upload_bytes: int = 20_000_000

    outbox_poll_s: float = 0.5
    outbox_batch: int = 200

    def db_url(self) -> str:
        if self.database_url:
            return self.database_url.replace("{service}", self.service)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service}.db').resolve()}"
