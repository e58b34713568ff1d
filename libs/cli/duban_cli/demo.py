"""``duban demo``: start the embedded system on the simulated clock and play a quarter of the demo
tenant (meetings, instructions, proposals, the work report, online messages; units on time, late,
and one up the whole escalation ladder; spot checks), then show where to look."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx

from .banner import workbench_lines
from .demo_player import OFFICE, Outcome, Player, director_headers, leader_headers, poll, use_issuer
from .demo_scenario import PERIOD, TENANT, build
from .embedded import (
    EMBEDDED_NATS_PORT,
    SERVICES,
    WORKBENCH,
    EmbeddedSystem,
    StopSignals,
    failed,
    notices_issued_at_once,
    start_with_demo_tenant,
    stop_announced,
)
from .target import target

MARKER = "demo-played.json"


def add_parser(sub) -> None:
    demo_parser = sub.add_parser(
        "demo", help="play a quarter (2026-Q4) of the demo tenant on the simulated clock, then keep running"
    )
    demo_parser.add_argument("--data-dir", help="default: $DUBAN_DATA_DIR or data-demo (must not hold a played demo)")
    demo_parser.add_argument(
        "--messages", type=int, default=200, help="online messages to play (default 200; fewer for a quick run)"
    )
    demo_parser.add_argument("--seed", type=int, default=20261001)
    demo_parser.add_argument(
        "--port-base", type=int, help="service ports base+1..base+5 (default: $DUBAN_PORT_BASE or 8100)"
    )
    demo_parser.add_argument("--nats-port", type=int, help=f"default: $DUBAN_NATS_PORT or {EMBEDDED_NATS_PORT}")
    stay = demo_parser.add_mutually_exclusive_group()
    stay.add_argument(
        "--keep-running", dest="exit", action="store_false", help="stay up after playing until Ctrl-C (default)"
    )
    stay.add_argument("--exit", dest="exit", action="store_true", help="stop everything after printing the summary")
    # Both options share dest "exit": argparse takes the first default it meets (store_false's
    # True), so the default is set on the parser, once.
    demo_parser.set_defaults(exit=False)


class Progress:
    """``[#####.....] 45% 2026-11-12 常务会议第2次`` on stderr; one line per tenth when not a terminal."""

    def __init__(self, stream=sys.stderr, width: int = 30) -> None:
        self.stream, self.width, self.tty, self.last = stream, width, stream.isatty(), -1

    def __call__(self, done: int, total: int, day, label: str) -> None:
        pct = 100 * done // total
        filled = self.width * done // total
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {pct:3d}% {day.isoformat()} {label}"
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120) + ("\n" if done == total else ""))
        elif pct // 10 != self.last // 10 or done == total:
            self.stream.write(line + "\n")
        self.last = pct
        self.stream.flush()


def cmd_demo(args) -> int:
    run = target(
        data_dir=args.data_dir, port_base=args.port_base, nats_port=args.nats_port, default_data_dir="data-demo"
    )
    data_dir = run.data_dir
    if (data_dir / MARKER).exists():
        print(f"{data_dir} 已播放过演示季度；请换一个 --data-dir，或删除该目录后重试。", file=sys.stderr)
        return 2
    system = EmbeddedSystem(data_dir=data_dir, clock="simulated", ports={WORKBENCH: run.port_base, **run.ports()})
    stop = StopSignals(interrupting=True)
    try:
        start_with_demo_tenant(system, run.nats_port)
        notices_issued_at_once(
            system, TENANT
        )  # the quarter plays the ladder's notices as they come; the transfer is signed off below
        use_issuer(system.issuer)
        urls = {name: system.url(name) for name in SERVICES}
        items = build(args.seed, args.messages)
        print(f"播放演示季度 {PERIOD}（模拟时钟）：{len(items)} 件来件，网民留言 {args.messages} 件 …", flush=True)
        started = time.monotonic()
        outcome = asyncio.run(_play(urls, system.nats_url, items, args.seed))
        stop.interrupting = False
        (data_dir / MARKER).write_text(json.dumps({"period": PERIOD, "seed": args.seed, "messages": args.messages}))
        _summary(urls, outcome, time.monotonic() - started, system.url(WORKBENCH))
        if outcome.failures:
            print(f"注意：{len(outcome.failures)} 个操作未成功：", file=sys.stderr)
            for failure in outcome.failures[:20]:
                print(f"  {failure}", file=sys.stderr)
        if args.exit:
            return 1 if outcome.failures else 0
        print("Duban 继续运行，可在浏览器中查看 (Ctrl-C 停止)。", flush=True)
        system.supervise(lambda: stop.requested)
        return 1 if outcome.failures else 0
    except KeyboardInterrupt:
        print("interrupted.", file=sys.stderr)
        return 130
    except Exception as error:
        return failed(
            args.debug,
            f"duban demo failed: {type(error).__name__}: {error}（完整的出错经过：--debug；服务日志在 {data_dir / 'logs'}）",
        )
    finally:
        stop_announced(system)


async def _play(urls: dict[str, str], nats_url: str, items, seed: int) -> Outcome:
    outcome = await Player(urls, nats_url, items, seed, Progress()).play()
    await _settle(urls, outcome)
    return outcome


async def _settle(urls: dict[str, str], outcome: Outcome) -> None:
    """Wait until the last timers have run their course and the read models stopped moving."""
    async with httpx.AsyncClient(timeout=30) as http:
        if outcome.ladder_task:
            await _transfer(http, urls, outcome.ladder_task)
        previous = None

        async def still():
            nonlocal previous
            now = (
                await http.get(
                    f"{urls['reporting']}/v1/tenants/{TENANT}/statistics", params={"period": PERIOD}, headers=OFFICE
                )
            ).json()["totals"]
            same, previous = now == previous, now
            return same

        await poll(still, what="统计数据稳定", interval_s=1.5)


async def _transfer(http: httpx.AsyncClient, urls: dict[str, str], task: str) -> None:
    """The people's part of the transfer: the office judges the explanation 不充分, proposes the
    transfer, the government's leader approves it (docs/decisions/0022-sign-off.md)."""
    base = f"{urls['escalation']}/v1/tenants/{TENANT}"

    async def state() -> dict:
        response = await http.get(f"{base}/tasks/{task}/escalation", headers=OFFICE)
        return response.json() if response.status_code == 200 else {}

    await poll(lambda: _has(state, "assessment"), what="移交环节（书面说明评定）")
    response = await http.post(
        f"{base}/tasks/{task}/explanation-assessment",
        json={"assessment": "不充分", "reason": "逾期未作书面说明，亦未说明原因"},
        headers=OFFICE,
    )
    draft = response.raise_for_status().json()["transfer_draft_id"]
    for headers in (OFFICE, leader_headers()):  # 督查室提出 → 县政府领导批准
        (
            await http.post(f"{base}/drafts/{draft}/steps", json={"decision": "approve"}, headers=headers)
        ).raise_for_status()
    await poll(lambda: _has(state, "case"), what="移交纪委监委")


async def _has(state, key: str) -> bool:
    return (await state()).get(key) is not None


def _summary(urls: dict[str, str], outcome: Outcome, seconds: float, workbench: str) -> None:
    rep = urls["reporting"]
    stats = httpx.get(
        f"{rep}/v1/tenants/{TENANT}/statistics", params={"period": PERIOD}, headers=OFFICE, timeout=30
    ).json()
    totals = stats["totals"]
    red = httpx.get(
        f"{rep}/v1/tenants/{TENANT}/ledger", params={"light": "red", "limit": 1}, headers=OFFICE, timeout=30
    ).json()["total"]
    kinds = "、".join(f"{k['kind_label']} {k['assigned']}" for k in stats["by_kind"])
    rate = lambda v: "—" if v is None else f"{v:.1f}%"  # noqa: E731
    print(f"\n演示季度播放完毕（{seconds:.0f} 秒）。{stats['period']['label']}：")
    print(f"  交办任务 {totals['assigned']} 件：{kinds}")
    print(
        f"  办结 {totals['completed']} 件，其中按期 {totals['completed_on_time']} 件（按期办结率 {rate(totals['on_time_rate'])}）；"
        f"当前逾期未办结 {red} 项"
    )
    print(
        f"  催办 {totals['urges']} 次、通报 {totals['bulletins']} 次、移交纪委监委 {totals['transfers']} 件；考核扣分 {totals['deductions']:g} 分"
    )
    print(
        f"  回访抽查 {totals['spot_checks']} 件：满意 {totals['spot_checks_satisfied']} 件、不满意 {totals['spot_checks_not_satisfied']} 件"
        f"（满意率 {rate(totals['satisfaction_rate'])}）"
    )
    print("查看 where to look（在浏览器中打开，用下列演示账号登录 open in a browser, sign in with a demo account）:")
    print("\n".join(workbench_lines(workbench)))
    print(f"  督查看板 dashboard:        {workbench}/kanban?period={PERIOD}")
    print(f"  督办台账 ledger:           {workbench}/ledger")
    print(f"  台账导出 ledger (.xlsx):   {workbench}/ledger.xlsx")
    print(f"  逾期事项 overdue:          {workbench}/queue/overdue")
    _bulletin(rep, workbench)


def _bulletin(rep: str, workbench: str) -> None:
    """The quarterly bulletin, if reporting already offers reports; says so plainly when it does not."""
    url = f"{rep}/v1/tenants/{TENANT}/reports"
    try:
        listed = httpx.get(url, headers=OFFICE, timeout=30)
    except httpx.HTTPError as error:
        print(f"    季度通报未生成：报告接口无法访问（{type(error).__name__}）。")
        return
    if listed.status_code != 200:
        print(f"    季度通报未生成：报告接口尚未提供（GET 返回 {listed.status_code}）。")
        return
    asked = {"kind": "quarterly_bulletin", "period": PERIOD, "published_by": "县政府督查室"}
    made = httpx.post(url, json=asked, headers=OFFICE, timeout=120)
    if made.status_code == 202:  # a draft: the office proposes it (提出), the office director signs it (签发)
        steps = f"{rep}{made.json()['draft']['links']['signoff']}/steps"
        for who in (OFFICE, director_headers()):
            httpx.post(steps, json={"decision": "approve"}, headers=who, timeout=120)
        made = httpx.post(url, json=asked, headers=OFFICE, timeout=120)
    if made.status_code not in (200, 201):
        print(f"    季度通报未生成：POST 返回 {made.status_code} {made.text[:300]}")
        return
    links = sorted(set(_links(made.json())))
    print(
        f"    已生成 {PERIOD} 季度通报，下载："
        if links
        else f"    已生成 {PERIOD} 季度通报（应答中没有下载地址）：{made.text[:300]}"
    )
    for link in links:
        print(
            f"      {workbench}{link.split(f'/v1/tenants/{TENANT}', 1)[-1]}"
        )  # the workbench's download, with the reader's own sign-in


def _links(value) -> list[str]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _links(v)]
    if isinstance(value, list):
        return [x for v in value for x in _links(v)]
    if isinstance(value, str) and (value.startswith("/v1/") or value.startswith("http")) and "/reports/" in value:
        return [value]
    return []
