"""NATS credentials and permissions for tenants' integrating platforms (DESIGN.md §7).

Accounts, not only user permissions: the ``DUBAN`` account holds JetStream and the
services' user (``duban-services``, every right: it provisions streams and consumers,
publishes events and consumes everything). Each tenant's platform has an account of its
own, ``TENANT-<tenant>``, with one user ``platform-<tenant>``, which imports from DUBAN
exactly its own subjects:

- ``duban.in.<tenant>.*`` as a *service*: the platform's JetStream publish is a request;
  its reply subject is rewritten by the server on the way into DUBAN, so the publish ack
  comes back to the platform and nowhere else. With a single shared account a platform
  could name any subject as its reply and have JetStream publish the ack there, into
  another tenant's subjects or the event stream: nats-server checks publish permissions
  on the subject, not on the reply subject (tests/contract/test_nats_permissions.py).
- ``duban.out.<tenant>.>`` as a *stream*: live messages for a core subscription;
- its durable pull consumer ``platform-<tenant>`` on DUBAN_OUT (filter
  ``duban.out.<tenant>.>``), created by the services' user when the tenant is onboarded
  (:func:`ensure_out_consumer`), whose API subjects it reaches under ``DUBAN.API``
  (:data:`JS_API_PREFIX`): the platform may read its info, fetch and ack; it cannot
  create, change or delete consumers or streams, so it cannot widen its filter.

Inside its account the platform's user is also limited by permissions (publish
``duban.in.<tenant>.*`` and its consumer's API subjects; subscribe ``duban.out.<tenant>.>``
and ``_INBOX.>``, which in its own account carries only its own replies), so a wrong
subject is refused with a permissions violation instead of going nowhere silently.

Passwords are random; the server configuration holds only their bcrypt hashes, so the
configuration file can be read by the NATS pods without exposing a platform's secret.
The services' password is either hashed in the same way or, where the configuration is
written before the password is known (docker-compose), referenced as an environment
variable that nats-server resolves when it loads the file.
"""

from __future__ import annotations

import json
import re
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from .subjects import validate_tenant

ACCOUNT = "DUBAN"
SERVICES_USER = "duban-services"
OUT_STREAM = "DUBAN_OUT"
SERVICES_PASSWORD_ENV = "DUBAN_NATS_SERVICES_PASSWORD"
BCRYPT_COST = 11  # nats-server checks the hash at every connect: ~0.1 s, paid once per connection


def platform_user(tenant: str) -> str:
    return f"platform-{validate_tenant(tenant)}"


# In the platform's account the JetStream API subjects ($JS.API.>) are the account's own
# (answered "JetStream not enabled for account"), so DUBAN's consumer API is imported under
# this prefix: nats.py ``nc.jetstream(prefix=JS_API_PREFIX)``, nats.go ``nats.APIPrefix``.
JS_API_PREFIX = "DUBAN.API"


def out_consumer(tenant: str) -> str:
    """The durable pull consumer on DUBAN_OUT that carries the tenant's outbound messages."""
    return platform_user(tenant)


def tenant_permissions(tenant: str) -> dict:
    slug = validate_tenant(tenant)
    consumer = out_consumer(slug)
    return {
        "publish": {
            "allow": [
                f"duban.in.{slug}.*",  # exactly what intake consumes (provisioning.CONSUMERS)
                f"{JS_API_PREFIX}.CONSUMER.INFO.{OUT_STREAM}.{consumer}",
                f"{JS_API_PREFIX}.CONSUMER.MSG.NEXT.{OUT_STREAM}.{consumer}",
                f"$JS.ACK.{OUT_STREAM}.{consumer}.>",
            ]
        },
        "subscribe": {
            "allow": [
                f"duban.out.{slug}.>",
                "_INBOX.>",  # its own account's inboxes: its replies and fetched messages only
            ]
        },
    }


def new_password() -> str:
    return secrets.token_urlsafe(32)


def hash_password(password: str, cost: int = BCRYPT_COST) -> str:
    """A bcrypt hash nats-server accepts (it takes $2a$/$2b$ hashes in place of passwords).

    Uses the ``bcrypt`` package when installed, else the C library's crypt(3) through
    Python's ``crypt`` module (libxcrypt on Debian and in python:3.11-slim implements bcrypt;
    the module exists up to Python 3.12).
    """
    try:
        import bcrypt
    except ImportError:
        bcrypt = None
    if bcrypt is not None:
        return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=cost)).decode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError as error:  # Python 3.13+ without the bcrypt package
            raise RuntimeError("hashing NATS passwords needs the 'bcrypt' package on this Python") from error
        hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2**cost))
    if not hashed or not hashed.startswith("$2"):
        raise RuntimeError("this system's crypt(3) does not implement bcrypt; install the 'bcrypt' package")
    return hashed


@dataclass(frozen=True)
class PlatformCredentials:
    """What the supervision office hands to a tenant's integrating platform."""

    tenant: str
    user: str
    password: str
    js_api_prefix: str
    out_stream: str
    out_consumer: str

    def as_dict(self, server_url: str) -> dict:
        return {
            "server": server_url,
            "user": self.user,
            "password": self.password,
            "jetstream_api_prefix": self.js_api_prefix,
            "publish": f"duban.in.{self.tenant}.<kind>",
            "receive": {
                "subject": f"duban.out.{self.tenant}.>",
                "stream": self.out_stream,
                "durable_consumer": self.out_consumer,
            },
        }

    def file_text(self, server_url: str) -> str:
        """The credentials file (JSON) given to the platform; it holds a secret."""
        return json.dumps(self.as_dict(server_url), ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class PlatformUser:
    """A platform user as the server configuration holds it: the hash, never the password."""

    tenant: str
    password_hash: str


def new_platform_credentials(tenant: str) -> tuple[PlatformCredentials, PlatformUser]:
    """Fresh credentials for a tenant's platform, and the entry for the server configuration."""
    slug = validate_tenant(tenant)
    password = new_password()
    creds = PlatformCredentials(slug, platform_user(slug), password, JS_API_PREFIX, OUT_STREAM, out_consumer(slug))
    return creds, PlatformUser(slug, hash_password(password))


def _q(value: str) -> str:
    # Quoted strings are literal in the nats-server configuration: no $VARIABLE expansion,
    # which matters for bcrypt hashes and $JS subjects.
    return json.dumps(value)


def tenant_account(tenant: str) -> str:
    return f"TENANT-{validate_tenant(tenant)}"


def _services_exported_to(tenant: str) -> list[tuple[str, str, str | None, str | None]]:
    """(kind, subject, response type, local subject) that DUBAN exports to one tenant's account."""
    slug = validate_tenant(tenant)
    consumer = out_consumer(slug)
    return [
        # a service import: the platform's request (JetStream publish) enters DUBAN with a reply
        # subject the server rewrites, so the publish ack finds its way back and the platform can
        # never aim the ack at a subject of DUBAN's (a reply subject is not permission-checked)
        ("service", f"duban.in.{slug}.*", None, None),
        ("stream", f"duban.out.{slug}.>", None, None),
        (
            "service",
            f"$JS.API.CONSUMER.INFO.{OUT_STREAM}.{consumer}",
            None,
            f"{JS_API_PREFIX}.CONSUMER.INFO.{OUT_STREAM}.{consumer}",
        ),
        # a fetch is answered with many messages
        (
            "service",
            f"$JS.API.CONSUMER.MSG.NEXT.{OUT_STREAM}.{consumer}",
            "stream",
            f"{JS_API_PREFIX}.CONSUMER.MSG.NEXT.{OUT_STREAM}.{consumer}",
        ),
        ("service", f"$JS.ACK.{OUT_STREAM}.{consumer}.>", None, None),
    ]


def _perm_lines(permissions: dict, indent: str) -> list[str]:
    out = [f"{indent}permissions: {{"]
    for direction in ("publish", "subscribe"):
        allow = ", ".join(_q(s) for s in permissions[direction]["allow"])
        out.append(f"{indent}  {direction}: {{ allow: [{allow}] }}")
    out.append(f"{indent}}}")
    return out


def render_accounts(platforms: Iterable[PlatformUser], services_password_hash: str | None = None) -> str:
    """The ``accounts`` block of nats-server's configuration (a file the main config includes).

    DUBAN holds JetStream and the services' user; each tenant's platform has an account of
    its own that imports exactly its subjects from DUBAN. Without ``services_password_hash``
    the services' password is read by nats-server from its environment variable
    DUBAN_NATS_SERVICES_PASSWORD.
    """
    users = sorted(platforms, key=lambda p: p.tenant)
    tenants = [u.tenant for u in users]
    if len(set(tenants)) != len(tenants):
        raise ValueError(f"a tenant appears twice: {tenants}")
    services_pw = _q(services_password_hash) if services_password_hash else f"${SERVICES_PASSWORD_ENV}"
    lines = [
        "# Generated by duban_common.natsauth: the services' account and one account per tenant's platform.",
        "# Holds bcrypt hashes only. Regenerate it (duban tenant create) instead of editing it.",
        "accounts {",
        f"  {_q(ACCOUNT)}: {{",
        "    jetstream: enabled",
        f"    users: [ {{ user: {_q(SERVICES_USER)}, password: {services_pw} }} ]",
        "    exports: [",
    ]
    for platform in users:
        for kind, subject, response, _local in _services_exported_to(platform.tenant):
            extra = f", response_type: {_q(response)}" if response else ""
            lines.append(f"      {{ {kind}: {_q(subject)}, accounts: [{_q(tenant_account(platform.tenant))}]{extra} }}")
    lines += ["    ]", "  }"]
    for platform in users:
        lines += [
            f"  {_q(tenant_account(platform.tenant))}: {{",
            "    users: [",
            f"      {{ user: {_q(platform_user(platform.tenant))}, password: {_q(platform.password_hash)},",
            *_perm_lines(tenant_permissions(platform.tenant), "        "),
            "      }",
            "    ]",
            "    imports: [",
        ]
        for kind, subject, _response, local in _services_exported_to(platform.tenant):
            to = f", to: {_q(local)}" if local else ""
            lines.append(f"      {{ {kind}: {{ account: {_q(ACCOUNT)}, subject: {_q(subject)} }}{to} }}")
        lines += ["    ]", "  }"]
    lines.append("}")
    return "\n".join(lines) + "\n"


_PLATFORM_RE = re.compile(r'\{ user: "platform-([a-z0-9-]+)", password: "([^"]+)"')


def parse_platform_users(accounts_text: str) -> list[PlatformUser]:
    """The platform users of a file written by :func:`render_accounts` (to add one tenant and keep the others)."""
    return [PlatformUser(t, h) for t, h in _PLATFORM_RE.findall(accounts_text)]


def add_platform(accounts_text: str, user: PlatformUser, services_password_hash: str | None = None) -> str:
    """The accounts file with ``user`` added, or replaced when the tenant already has one (a new password)."""
    kept = [p for p in parse_platform_users(accounts_text) if p.tenant != user.tenant]
    return render_accounts([*kept, user], services_password_hash)


def out_consumer_config(tenant: str, *, ack_wait_s: float = 60, max_deliver: int = -1) -> ConsumerConfig:
    """The tenant platform's durable consumer on DUBAN_OUT: only its own subjects.

    Redelivery is unbounded by default: the platform, not Duban, decides when it has
    taken a message (a discipline transfer must not vanish because the platform was down).
    """
    slug = validate_tenant(tenant)
    name = out_consumer(slug)
    return ConsumerConfig(
        name=name,
        durable_name=name,
        filter_subject=f"duban.out.{slug}.>",
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait_s,
        max_deliver=max_deliver,
    )


async def ensure_out_consumer(js, tenant: str) -> None:
    """Create the tenant's DUBAN_OUT consumer (as the services' user; idempotent)."""
    await js.add_consumer(OUT_STREAM, out_consumer_config(tenant))


def services_url(host: str, port: int, password: str, scheme: str = "nats") -> str:
    """DUBAN_NATS_URL for the services: their user and password in the URL."""
    from urllib.parse import quote

    return f"{scheme}://{SERVICES_USER}:{quote(password, safe='')}@{host}:{port}"
