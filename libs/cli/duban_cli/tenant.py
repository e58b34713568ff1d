"""``duban tenant``: onboard a county government in one operator action, list, offboard.

    duban tenant create SLUG --name 名称 --units units.xlsx [--calendar year.json ...]
                         [--preset county_rules] [--policies policies.json] [--credentials-dir DIR]
    duban tenant list
    duban tenant offboard SLUG        stop intake, keep every record
    duban tenant reactivate SLUG

``create`` talks to the services' admin APIs in an order that leaves nothing half-done
when an input is wrong: every file is read and checked first, then the units directory
(all or nothing), the calendar years, the deadline policies and the escalation ladder (of the
reference document chosen with ``--preset``, the tenant's own policies over it), and only then is the
tenant registered in intake, which opens it for submissions. Running it again is safe.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from duban_common import subjects

from .target import target


class OnboardingError(Exception):
    """What was wrong and where; nothing was changed for the step that failed."""


@dataclass
class Urls:
    intake: str
    tasking: str
    deadline: str
    escalation: str = ""

    @classmethod
    def from_env(cls, args) -> "Urls":
        run = target()

        def url(service: str) -> str:
            return (
                getattr(args, f"{service}_url", None)
                or os.environ.get(f"DUBAN_{service.upper()}_URL")
                or run.url(service)
            ).rstrip("/")

        return cls(intake=url("intake"), tasking=url("tasking"), deadline=url("deadline"), escalation=url("escalation"))


@dataclass
class Plan:
    slug: str
    name: str
    units: tuple[bytes, str]  # body, content type
    calendar_years: list[dict]
    policies: dict | None
    preset: str | None = None  # a reference document's rules: deadline policies and escalation ladder
    issuing: dict = field(default_factory=dict)  # issuing_body, contact_person, contact_phone: printed on its documents


def read_plan(
    slug: str, name: str, units: Path, calendars: list[Path], policies: Path | None, preset: str | None = None
) -> Plan:
    try:
        subjects.validate_tenant(slug)
    except subjects.SubjectError as error:
        raise OnboardingError(f"tenant slug: {error}") from None
    if not name.strip():
        raise OnboardingError("--name: the tenant's name (e.g. 某某县人民政府) must not be empty")
    if not units.is_file():
        raise OnboardingError(f"--units: no file {units}")
    content_type = {
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".csv": "text/csv",
        ".json": "application/json",
    }.get(units.suffix.lower())
    if content_type is None:
        raise OnboardingError(f"--units {units}: expected .xlsx, .csv or .json")
    years = []
    for path in calendars:
        doc = _json(path, "--calendar")
        for entry in doc if isinstance(doc, list) else [doc]:
            if not isinstance(entry, dict) or not isinstance(entry.get("year"), int):
                raise OnboardingError(
                    f'--calendar {path}: each schedule needs an integer "year" '
                    '(and "holidays", "working_weekends" as lists of dates)'
                )
            years.append(entry)
    policy = _json(policies, "--policies") if policies else None
    if policy is not None and not isinstance(policy, dict):
        raise OnboardingError(f"--policies {policies}: expected a JSON object of deadline policy overrides")
    return Plan(slug, name.strip(), (units.read_bytes(), content_type), years, policy, preset)


def _json(path: Path, option: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OnboardingError(f"{option}: no file {path}") from None
    except json.JSONDecodeError as error:
        raise OnboardingError(f"{option} {path}: not JSON ({error})") from None


def _check(response: httpx.Response, step: str) -> dict:
    if response.status_code >= 400:
        try:
            answer = response.json()
            detail = answer.get("detail", response.text)
            errors = answer.get("errors")
        except ValueError:
            detail, errors = response.text, None
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        if errors:
            text += " " + json.dumps(errors, ensure_ascii=False)
        raise OnboardingError(f"{step}: HTTP {response.status_code}: {text}")
    return response.json()


def onboard(plan: Plan, urls: Urls, *, headers: dict | None = None, out=print) -> dict:
    """Apply a checked plan; returns what each step answered."""
    client_headers = headers or {}
    done: dict = {}
    with httpx.Client(timeout=30, headers=client_headers) as http:
        body, ctype = plan.units
        done["units"] = _check(
            http.put(f"{urls.tasking}/v1/tenants/{plan.slug}/units", content=body, headers={"content-type": ctype}),
            "units (tasking)",
        )
        out(f"单位名录 units: {_count(done['units'])}")
        for entry in plan.calendar_years:
            year = entry["year"]
            schedule = {k: v for k, v in entry.items() if k != "year"}
            done[f"calendar {year}"] = _check(
                http.put(f"{urls.deadline}/v1/tenants/{plan.slug}/calendar/years/{year}", json=schedule),
                f"calendar {year} (deadline)",
            )
            out(f"工作日历 calendar {year}: loaded")
        if plan.policies is not None or plan.preset:
            policies = {**(plan.policies or {}), **({"preset": plan.preset} if plan.preset else {})}
            done["policies"] = _check(
                http.put(f"{urls.deadline}/v1/tenants/{plan.slug}/deadline-policies", json=policies),
                "deadline policies (deadline)",
            )
            out("期限规则 deadline policies: set" + (f" (preset {plan.preset})" if plan.preset else ""))
        if plan.preset:
            done["ladder"] = _check(
                http.put(f"{urls.escalation}/v1/tenants/{plan.slug}/ladder", json={"preset": plan.preset}),
                "escalation ladder (escalation)",
            )
            out(f"督办升级 ladder: preset {plan.preset}")
        done["tenant"] = _check(
            http.put(f"{urls.intake}/v1/admin/tenants/{plan.slug}", json={"name": plan.name, **plan.issuing}),
            "tenant (intake)",
        )
        out(
            f"租户 tenant {plan.slug} ({plan.name}): {'created' if done['tenant'].get('created') else 'already registered'}"
        )
    return done


def _count(answer: dict) -> str:
    return f"{answer.get('created', 0)} 新增 created, {answer.get('updated', 0)} 更新 updated"


def write_credentials(slug: str, directory: Path, *, accounts_file: Path | None, server_url: str, out=print) -> Path:
    """The tenant platform's NATS credentials (see duban_common.natsauth): a secret file for
    the platform, and its user (a bcrypt hash only) added to the server's accounts file."""
    from duban_common import natsauth

    creds, user = natsauth.new_platform_credentials(slug)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{slug}.nats-credentials.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(creds.file_text(server_url), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
    out(f"NATS 凭据 credentials for the platform (secret): {path}")
    accounts = accounts_file or directory / "accounts.conf"
    current = accounts.read_text(encoding="utf-8") if accounts.exists() else ""
    accounts.write_text(natsauth.add_platform(current, user), encoding="utf-8")
    out(f"NATS accounts: {accounts} (platform-{slug} added; reload nats-server: nats-server --signal reload)")
    return path


async def ensure_out_consumer(nats_url: str, slug: str) -> None:
    import nats

    from duban_common import natsauth

    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=1)
    try:
        await natsauth.ensure_out_consumer(nc.jetstream(), slug)
    finally:
        await nc.close()


def add_parser(sub) -> None:
    parser = sub.add_parser("tenant", help="onboard, list and offboard tenants (county governments)")
    tsub = parser.add_subparsers(dest="tenant_cmd", required=True)
    create = tsub.add_parser("create", help="create a tenant: units, calendar, policies, NATS credentials")
    create.add_argument("slug", help="lowercase letters, digits and hyphens, e.g. xinan-county")
    create.add_argument("--name", required=True, help="the tenant's name, e.g. 某某县人民政府")
    create.add_argument("--units", required=True, type=Path, help="units directory (.xlsx, .csv or .json)")
    create.add_argument(
        "--calendar",
        action="append",
        type=Path,
        default=[],
        help="a year's working-day schedule (JSON: year, holidays, working_weekends, source); repeatable",
    )
    create.add_argument(
        "--preset", help="the reference document the tenant follows: default, county_notice, bozhou, county_rules"
    )
    create.add_argument("--policies", type=Path, help="deadline policy overrides (JSON), over the preset's")
    create.add_argument("--issuing-body", help="the full issuing body its documents carry, e.g. 余庆县人民政府办公室")
    create.add_argument("--contact-person", help="the supervision office's contact person, printed on its documents")
    create.add_argument("--contact-phone", help="the supervision office's telephone, printed on its documents")
    create.add_argument(
        "--credentials-dir", type=Path, help="write the NATS credentials for the tenant's platform here"
    )
    create.add_argument(
        "--nats-accounts",
        type=Path,
        help="the nats-server accounts file to add the platform to (default: <credentials-dir>/accounts.conf)",
    )
    create.add_argument(
        "--platform-nats-url", default="nats://127.0.0.1:4222", help="the NATS address the platform is given"
    )
    lst = tsub.add_parser("list")
    off = tsub.add_parser("offboard", help="stop intake, keep every record")
    re_ = tsub.add_parser("reactivate", help="open intake again")
    for command in (off, re_):
        command.add_argument("slug")
    for command in (create, lst, off, re_):
        command.add_argument(
            "--token", help="an operator's bearer token (default: $DUBAN_TOKEN, or minted by the embedded issuer)"
        )
        for service in ("intake", "tasking", "deadline", "escalation"):
            command.add_argument(f"--{service}-url", help=f"default: $DUBAN_{service.upper()}_URL or the embedded port")


def operator_headers(args) -> dict[str, str]:
    """An operator's bearer token: --token, $DUBAN_TOKEN, or one minted by the embedded issuer
    ($DUBAN_AUTH_DIR or <data dir>/auth) when this machine holds its key."""
    from duban_common.auth import LocalIssuer

    token = getattr(args, "token", None) or os.environ.get("DUBAN_TOKEN")
    if not token:
        issuer = LocalIssuer.embedded(target().data_dir)
        if issuer.key_file.exists():
            token = issuer.token(tenant="*", roles=["operator"], subject="duban-cli", ttl_s=600)
    return {"Authorization": f"Bearer {token}"} if token else {}


def _create_tenant(args, urls: Urls, nats_url: str, headers: dict[str, str]) -> int:
    plan = read_plan(args.slug, args.name, args.units, args.calendar, args.policies, args.preset)
    plan.issuing = {k: v for k in ("issuing_body", "contact_person", "contact_phone") if (v := getattr(args, k, None))}
    onboard(plan, urls, headers=headers)
    if args.credentials_dir:
        write_credentials(
            plan.slug, args.credentials_dir, accounts_file=args.nats_accounts, server_url=args.platform_nats_url
        )
        try:  # the platform's durable consumer on DUBAN_OUT, created with the services' rights
            asyncio.run(ensure_out_consumer(nats_url, plan.slug))
            print(f"DUBAN_OUT consumer platform-{plan.slug}: ready")
        except Exception as error:  # reported, the rest is done: the operator can rerun
            print(
                f"duban tenant create: the platform's DUBAN_OUT consumer was not created ({error}); rerun when NATS answers",
                file=sys.stderr,
            )
            return 4
    return 0


def _list_or_change_tenant(args, urls: Urls, headers: dict[str, str]) -> int:
    with httpx.Client(timeout=30, headers=headers) as http:
        if args.tenant_cmd == "list":
            for tenant in _check(http.get(f"{urls.intake}/v1/admin/tenants"), "list (intake)")["items"]:
                state = "在用 active" if tenant["active"] else f"已停用 offboarded {tenant['offboarded_at']}"
                print(f"{tenant['slug']:<20} {tenant['name']:<20} {state}")
            return 0
        changed = _check(
            http.post(f"{urls.intake}/v1/admin/tenants/{args.slug}/{args.tenant_cmd}"),
            f"{args.tenant_cmd} (intake)",
        )
        print(json.dumps(changed, ensure_ascii=False))
        return 0


def cmd_tenant(args) -> int:
    urls = Urls.from_env(args)
    run = target(nats_url=args.nats_url)
    print(
        f"目标 target: intake {urls.intake}，tasking {urls.tasking}，deadline {urls.deadline}，NATS {run.nats_url}",
        file=sys.stderr,
    )
    headers = operator_headers(args)
    try:
        if args.tenant_cmd == "create":
            return _create_tenant(args, urls, run.nats_url, headers)
        return _list_or_change_tenant(args, urls, headers)
    except OnboardingError as error:
        print(f"duban tenant {args.tenant_cmd}: {error}", file=sys.stderr)
        return 2
    except httpx.HTTPError as error:
        tried = error.request.url if isinstance(error, httpx.RequestError) else "a service"
        print(
            f"duban tenant {args.tenant_cmd}: 连不上 {tried}（{error}）：Duban 是否在运行？请先运行 ./duban.sh up，"
            "或设置与之相同的 DUBAN_PORT_BASE",
            file=sys.stderr,
        )
        return 3
