"""Tenants' platform credentials on a real nats-server (DESIGN.md §7, deploy/nats/).

The server runs with the configuration natsauth generates, laid out as in deployment
(a main file that includes the generated accounts file). Each refusal is asserted on the
permission-violation error the server itself sends back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import nats
import pytest
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import ConsumerConfig
from nats.js.errors import NoStreamResponseError, NotFoundError

from duban_common import natsauth, provisioning
from duban_common.natsserver import NatsServer
from duban_common.settings import ServiceSettings

A, B = "county-a", "county-b"
SERVICES = ("intake", "tasking", "deadline", "escalation", "reporting")
LIVE_WAIT_S = 10.0
LIVE_ATTEMPTS = 5


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    root = tmp_path_factory.mktemp("nats-auth")
    creds = {}
    users = []
    for tenant in (A, B):
        c, u = natsauth.new_platform_credentials(tenant)
        creds[tenant] = c
        users.append(u)
    services_password = natsauth.new_password()
    accounts = natsauth.render_accounts(users, natsauth.hash_password(services_password))
    assert services_password not in accounts and all(c.password not in accounts for c in creds.values())
    (root / "accounts.conf").write_text(accounts)
    (root / "nats.conf").write_text('include "accounts.conf"\nmax_payload: 1MB\n')
    server = NatsServer(root / "store", config_file=root / "nats.conf").start()
    try:
        asyncio.run(_provision(server, services_password))  # each test can run alone
        yield server, creds, services_password
    finally:
        server.stop()


async def _provision(server, services_password: str) -> None:
    """What the services do at start (their streams and consumers) and what onboarding does
    for each tenant (its platform's pull consumer on DUBAN_OUT), as the services' user."""
    svc = await _services(server, services_password)
    try:
        js = svc.nc.jetstream()
        for name in SERVICES:
            await provisioning.provision(js, name, ServiceSettings(service=name))
        for tenant in (A, B):
            await natsauth.ensure_out_consumer(js, tenant)
    finally:
        await svc.nc.close()


class Conn:
    """A connection that records the asynchronous errors the server sends (-ERR ...)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc = None

    async def open(self, url: str, **kw) -> "Conn":
        async def on_error(e: Exception) -> None:
            self.errors.append(str(e))

        self.nc = await nats.connect(url, error_cb=on_error, allow_reconnect=False, **kw)
        return self

    async def wait_error(self, needle: str, timeout_s: float = 3.0) -> str:
        await self.nc.flush()
        for _ in range(int(timeout_s / 0.05)):
            for e in self.errors:
                if (
                    needle.lower() in e.lower()
                ):  # the server words it "Permissions Violation" or "permissions violation"
                    return e
            await asyncio.sleep(0.05)
        raise AssertionError(f"no server error containing {needle!r}; got {self.errors}")


async def _services(server, password) -> Conn:
    return await Conn().open(server.url, user=natsauth.SERVICES_USER, password=password)


async def _platform(server, creds: natsauth.PlatformCredentials) -> Conn:
    return await Conn().open(server.url, user=creds.user, password=creds.password)


@contextlib.asynccontextmanager
async def _platform_and_services(secured) -> AsyncIterator[tuple[Conn, Conn]]:
    """Tenant A's platform connection and the services' connection, closed after the test."""
    server, creds, services_password = secured
    platform = await _platform(server, creds[A])
    services = await _services(server, services_password)
    try:
        yield platform, services
    finally:
        await platform.nc.close()
        await services.nc.close()


def _envelope(tenant: str, msg_id: str) -> bytes:
    return json.dumps({"specversion": "1.0", "id": msg_id, "tenant": tenant}).encode()


async def test_services_user_provisions_everything_and_creates_each_platforms_consumer(secured):
    server, _creds, services_password = secured
    await _provision(server, services_password)  # again: a restart or a second onboarding changes nothing
    svc = await _services(server, services_password)
    try:
        js = svc.nc.jetstream()
        assert {s.config.name for s in await js.streams_info()} == {
            *provisioning.STREAMS,
            provisioning.ATTACHMENTS_STREAM,
        }
        info = await js.consumer_info("DUBAN_OUT", natsauth.out_consumer(A))
        assert info.config.filter_subject == f"duban.out.{A}.>"
        ack = await js.publish(f"duban.ev.{B}.matter.registered", b"{}")  # the services publish anywhere
        assert ack.stream == "DUBAN_EV"
        assert svc.errors == []
    finally:
        await svc.nc.close()


async def test_wrong_or_missing_credentials_are_refused(secured):
    server, creds, _ = secured
    with pytest.raises(NatsError, match="[Aa]uthorization"):
        await nats.connect(
            server.url,
            user=creds[A].user,
            password=creds[B].password,
            allow_reconnect=False,
            max_reconnect_attempts=0,
            connect_timeout=2,
        )
    with pytest.raises(NatsError, match="[Aa]uthorization"):
        await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)


async def test_platform_publishes_only_its_own_submissions(secured):
    async with _platform_and_services(secured) as (platform, services):
        ja = platform.nc.jetstream()
        ack = await ja.publish(f"duban.in.{A}.meeting_decision", _envelope(A, "m-1"), headers={"Nats-Msg-Id": "m-1"})
        assert ack.stream == "DUBAN_IN" and not ack.duplicate

        with pytest.raises((NoStreamResponseError, NatsTimeoutError)):  # dropped by the server: no stream sees it
            await ja.publish(f"duban.in.{B}.meeting_decision", _envelope(B, "forged"), timeout=1)
        await platform.wait_error(f'Permissions Violation for Publish to "duban.in.{B}.meeting_decision"')
        assert platform.nc.is_connected  # a violation is refused, the connection stays up for legitimate work

        # Not the events, not the outbound family, not the JetStream API beyond its consumer
        # nor its own family with a token more than intake consumes (duban.in.<tenant>.<kind>)
        for subject in (
            f"duban.ev.{A}.matter.registered",
            f"duban.out.{A}.report.published",
            "$JS.API.STREAM.DELETE.DUBAN_IN",
            f"duban.in.{A}.meeting_decision.extra",
        ):
            await platform.nc.publish(subject, b"{}")
            await platform.wait_error(f'Permissions Violation for Publish to "{subject}"')

        js = services.nc.jetstream()
        stored = await js.get_last_msg("DUBAN_IN", f"duban.in.{A}.meeting_decision")
        assert json.loads(stored.data)["id"] == "m-1"
        with pytest.raises(NotFoundError):
            await js.get_last_msg("DUBAN_IN", f"duban.in.{B}.meeting_decision")
        assert "DUBAN_IN" in {s.config.name for s in await js.streams_info()}  # the delete never happened


async def test_platform_cannot_aim_a_publish_ack_at_another_tenants_subject(secured):
    # JetStream answers a publish on its reply subject, and the server checks permissions on
    # the subject only: in one shared account a platform could name duban.in.<other>.x or
    # duban.ev.<other>.… as its reply and have the ack stored there. Its own account stops it.
    async with _platform_and_services(secured) as (platform, services):
        js = services.nc.jetstream()
        before = {name: (await js.stream_info(name)).state.messages for name in ("DUBAN_IN", "DUBAN_EV")}
        await platform.nc.publish(
            f"duban.in.{A}.online_message", _envelope(A, "r-1"), reply=f"duban.in.{B}.online_message"
        )
        await platform.nc.publish(
            f"duban.in.{A}.online_message", _envelope(A, "r-2"), reply=f"duban.ev.{B}.matter.registered"
        )
        await platform.nc.flush()
        await asyncio.sleep(0.5)
        after = {name: (await js.stream_info(name)).state.messages for name in ("DUBAN_IN", "DUBAN_EV")}
        assert after == {"DUBAN_IN": before["DUBAN_IN"] + 2, "DUBAN_EV": before["DUBAN_EV"]}  # the two submissions only
        with pytest.raises(NotFoundError):
            await js.get_last_msg("DUBAN_IN", f"duban.in.{B}.online_message")


async def test_platform_cannot_subscribe_to_another_tenant_or_widen_its_consumer(secured):
    _server, creds, _password = secured
    async with _platform_and_services(secured) as (platform, services):
        leaked = []

        async def collect(m) -> None:
            leaked.append(m.subject)

        for subject in (f"duban.out.{B}.>", f"duban.out.{B}.reply", "duban.out.>", "duban.ev.>", ">"):
            await platform.nc.subscribe(subject, cb=collect)
            await platform.wait_error(f'Permissions Violation for Subscription to "{subject}"')
        await services.nc.publish(f"duban.out.{B}.discipline.transfer", b"{}")
        await services.nc.publish(f"duban.out.{B}.reply", b"{}")
        await services.nc.publish(f"duban.ev.{B}.matter.registered", b"{}")
        await asyncio.sleep(0.3)
        assert leaked == []

        # Creating a consumer (e.g. one filtered on county B's subjects) is not granted at all
        ja = platform.nc.jetstream(prefix=creds[A].js_api_prefix)
        with pytest.raises((NatsTimeoutError, NoRespondersError)):
            await ja.add_consumer(
                "DUBAN_OUT",
                ConsumerConfig(name="sneaky", durable_name="sneaky", filter_subject=f"duban.out.{B}.>"),
                timeout=1,
            )
        await platform.wait_error(
            f'Permissions Violation for Publish to "{natsauth.JS_API_PREFIX}.CONSUMER.CREATE.DUBAN_OUT.sneaky'
        )
        # and B's consumer cannot be read from
        for api in ("$JS.API", natsauth.JS_API_PREFIX):
            subject = f"{api}.CONSUMER.MSG.NEXT.DUBAN_OUT.{natsauth.out_consumer(B)}"
            await platform.nc.publish(subject, b"1", reply="_INBOX.x")
            await platform.wait_error(f'Permissions Violation for Publish to "{subject}"')


async def test_platform_receives_its_own_outbound_messages_live_and_durably(secured):
    _server, creds, _password = secured
    async with _platform_and_services(secured) as (platform, services):
        live = await platform.nc.subscribe(f"duban.out.{A}.>")
        await platform.nc.flush()
        js = services.nc.jetstream()
        await js.publish(f"duban.out.{B}.discipline.transfer", b'{"case": 2}', headers={"Nats-Msg-Id": "case-2"})

        # Live: the same publish (one message id) until the subscription sees it; the stream
        # keeps one copy. Twice, in full-suite runs, a single publish was stored but not
        # delivered live within 10 s; never in 75 runs of this file alone, with or without
        # CPU load. The cause is not known: a repeat tells a late delivery from none at all.
        msg, attempts = None, 0
        while msg is None and attempts < LIVE_ATTEMPTS:
            attempts += 1
            ack = await js.publish(
                f"duban.out.{A}.discipline.transfer", b'{"case": 1}', headers={"Nats-Msg-Id": "case-1"}
            )
            assert bool(ack.duplicate) == (attempts > 1)
            try:
                msg = await live.next_msg(timeout=LIVE_WAIT_S / LIVE_ATTEMPTS)
            except NatsTimeoutError:
                pass
        if msg is None:
            stored = await js.stream_info("DUBAN_OUT", subjects_filter=f"duban.out.{A}.>")
            raise AssertionError(
                f"no live message after {attempts} publishes in {LIVE_WAIT_S} s; DUBAN_OUT holds "
                f"{stored.state.subjects} for {A}; errors on the platform connection: {platform.errors}"
            )
        assert msg.subject == f"duban.out.{A}.discipline.transfer"

        # Durably: the pull consumer the services created when the tenant was onboarded
        sub = await platform.nc.jetstream(prefix=creds[A].js_api_prefix).pull_subscribe(
            f"duban.out.{A}.>", durable=creds[A].out_consumer, stream="DUBAN_OUT"
        )
        got = await sub.fetch(10, timeout=LIVE_WAIT_S)
        subjects = [
            m.subject for m in got
        ]  # its own only; a reply an earlier test of this server published may come first
        assert subjects.count(f"duban.out.{A}.discipline.transfer") == 1 and all(
            s.startswith(f"duban.out.{A}.") for s in subjects
        )
        assert json.loads(next(m for m in got if m.subject.endswith(".discipline.transfer")).data) == {"case": 1}
        for m in got:
            await m.ack_sync()
        info = await js.consumer_info("DUBAN_OUT", creds[A].out_consumer)
        assert info.num_ack_pending == 0 and info.num_pending == 0
        assert platform.errors == []


def test_accounts_file_round_trips_and_replaces_a_tenants_password():
    _, first = natsauth.new_platform_credentials(A)
    _, other = natsauth.new_platform_credentials(B)
    text = natsauth.render_accounts([first, other])
    assert f"${natsauth.SERVICES_PASSWORD_ENV}" in text  # resolved by nats-server from its environment
    assert natsauth.parse_platform_users(text) == [first, other]
    creds, renewed = natsauth.new_platform_credentials(A)
    again = natsauth.add_platform(text, renewed)
    assert natsauth.parse_platform_users(again) == [renewed, other]
    assert json.loads(creds.file_text("nats://nats.example:4222"))["user"] == f"platform-{A}"
    with pytest.raises(ValueError):
        natsauth.render_accounts([first, first])
