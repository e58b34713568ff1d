"""``duban``: run the embedded system and move the shared clock.

duban up                     start NATS, the five services, the workbench and the demo tenant
duban demo                   the same, on the simulated clock, playing a quarter of the demo tenant
duban clock show|set|advance the simulated time shared by all services
duban publish FILE           publish a CloudEvents submission on duban.in.<tenant>.<kind>
duban rebuild reporting      rebuild the read models (ledger, statistics) from the event stream
duban rebuild intake|escalation  rebuild the service's copy of the units directory from the unit events
duban audit verify           recompute the hash-chained audit logs; name the first broken link
duban tenant create|list|offboard|reactivate   onboard county governments
duban token --role R [--unit U]                 a demo bearer token (embedded issuer)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

import nats

from duban_common import subjects
from duban_common.calendar import TZ
from duban_common.clock import SERVICES, clock_followers, parse_duration, parse_instant, read_now, set_shared_time
from duban_common.envelope import Envelope

from .audit import add_parser as add_audit_parser
from .audit import cmd_audit
from .banner import workbench_lines
from .demo import add_parser as add_demo_parser
from .demo import cmd_demo
from .embedded import WORKBENCH, EmbeddedSystem, StopSignals, failed, start_with_demo_tenant, stop_announced
from .rebuild import add_parser as add_rebuild_parser
from .rebuild import cmd_rebuild
from .target import CliError, Target, connect, target
from .tenant import add_parser as add_tenant_parser
from .tenant import cmd_tenant
from .token import add_parser as add_token_parser
from .token import cmd_token


def cmd_up(args) -> int:
    run = target()
    system = EmbeddedSystem(
        data_dir=run.data_dir, clock=os.environ.get("DUBAN_CLOCK"), ports={WORKBENCH: run.port_base, **run.ports()}
    )
    stop = StopSignals()
    try:
        start_with_demo_tenant(system, run.nats_port)
        print("Duban 已启动 (Ctrl-C 停止):")
        print("\n".join(workbench_lines(system.url(WORKBENCH))))
        print(
            "服务接口 service APIs（每个接口都要令牌 every API needs a bearer token: ./duban.sh token --role supervision_office）:"
        )
        for name, service in system.services.items():
            if name != WORKBENCH:
                print(f"  {name:<11} {service.url}/openapi.json   (logs: {service.log_path})")
        print(f"  日志 logs: {system.data_dir / 'logs'}")
        system.supervise(lambda: stop.requested)
        return 0
    except Exception as error:
        return failed(args.debug, f"duban up failed: {error}")
    finally:
        stop_announced(system)


REAL_CLOCK = (
    "这次运行用的是真实时钟，没有模拟时钟可调：要调时间，请用 DUBAN_CLOCK=simulated ./duban.sh up 启动"
    "（或用 ./duban.sh demo）"
)


async def _clock(args, run: Target) -> int:
    nc = await connect(run)
    try:
        js = nc.jetstream()
        if not await clock_followers(js):
            raise CliError(REAL_CLOCK)
        if args.clock_cmd == "show":
            now, rev = await read_now(js)
        else:
            if args.clock_cmd == "set":
                target_time = parse_instant(args.instant)
            else:
                current, _ = await read_now(js)
                target_time = current + parse_duration(args.duration)
            services = args.services.split(",") if args.services else SERVICES
            rev = await set_shared_time(js, target_time, services=services, timeout_s=args.timeout)
            now = target_time
        print(f"{now.astimezone(TZ).isoformat()} (Asia/Shanghai), revision {rev}")
        return 0
    finally:
        await nc.close()


def cmd_clock(args, run: Target) -> int:
    try:
        return asyncio.run(_clock(args, run))
    except (ValueError, RuntimeError) as error:
        raise CliError(str(error)) from None
    except TimeoutError as error:
        raise CliError(
            f"{error}：这些服务在运行吗？看 {run.data_dir / 'logs'} 里的日志，或用 --timeout 等得更久"
        ) from None


async def _publish(args, run: Target) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"没有文件 {path}（例子见 examples/，如 examples/meeting_decision.json）")
    try:
        env = Envelope.model_validate_json(path.read_bytes())
    except ValueError as error:
        raise CliError(
            f"{path} 不是有效的 CloudEvents 来件信封：{str(error).splitlines()[0]}（例子见 examples/）"
        ) from None
    kind = env.type.split(".")[2]
    subject = subjects.inbound(env.tenant, kind)
    nc = await connect(run)
    try:
        try:
            ack = await nc.jetstream().publish(
                subject, env.to_bytes(), headers={"Nats-Msg-Id": f"{env.source}#{env.id}"}
            )
        except (TimeoutError, nats.errors.Error) as error:
            raise CliError(
                f"NATS {run.nats_url} 未确认 {subject}（{type(error).__name__}）：服务是否已建好 DUBAN_IN 流？"
                "请先运行 ./duban.sh up"
            ) from None
        print(json.dumps({"subject": subject, "stream": ack.stream, "seq": ack.seq, "duplicate": bool(ack.duplicate)}))
        return 0
    finally:
        await nc.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="duban", description="Duban 督办: government supervision platform")
    parser.add_argument("--nats-url", help="default: $DUBAN_NATS_URL, else nats://127.0.0.1:$DUBAN_NATS_PORT (14222)")
    parser.add_argument("--debug", action="store_true", help="print the whole traceback of a failure")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="run the embedded system (NATS, five services, demo tenant) until Ctrl-C")
    clock = sub.add_parser("clock", help="the simulated time shared by all services (DUBAN_CLOCK=simulated)")
    csub = clock.add_subparsers(dest="clock_cmd", required=True)
    csub.add_parser("show")
    set_command = csub.add_parser("set")
    set_command.add_argument("instant", help="ISO 8601; without offset it is Asia/Shanghai time")
    advance_command = csub.add_parser("advance")
    advance_command.add_argument("duration", help="e.g. 3d, 36h, 1w2d, 90m")
    for command in (set_command, advance_command):
        command.add_argument(
            "--services", help=f"comma-separated services that must see it (default: {','.join(SERVICES)})"
        )
        command.add_argument("--timeout", type=float, default=30.0)
    pub = sub.add_parser("publish", help="publish a submission envelope (JSON file) to duban.in.<tenant>.<kind>")
    pub.add_argument("file")
    add_rebuild_parser(sub)
    add_audit_parser(sub)
    add_tenant_parser(sub)
    add_token_parser(sub)
    add_demo_parser(sub)
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except CliError as error:
        if args.debug:
            raise
        print(f"duban {args.cmd}: {error}", file=sys.stderr)
        return 2


def _run(args) -> int:
    if args.cmd == "demo":
        return cmd_demo(args)
    if args.cmd == "up":
        return cmd_up(args)
    if args.cmd == "token":
        return cmd_token(args)
    if args.cmd == "audit":
        return cmd_audit(args)
    if args.cmd == "tenant":
        return cmd_tenant(args)
    run = target(nats_url=args.nats_url)
    run.announce()
    if args.cmd == "rebuild":
        return cmd_rebuild(args, run)
    if args.cmd == "clock":
        return cmd_clock(args, run)
    return asyncio.run(_publish(args, run))


if __name__ == "__main__":
    sys.exit(main())
