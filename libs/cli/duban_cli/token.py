"""``duban token``: a demo bearer token from the embedded issuer (``<data_dir>/auth``).

    duban token --role supervision_office                 the demo tenant's supervision office
    duban token --role unit --unit zjj                    a unit handler of 住建局
    duban token --role operator --tenant '*'              the platform operator
    duban token --role integrator --source /platforms/oa  a platform that submits as /platforms/oa
    curl -H "Authorization: Bearer $(duban token --role leader)" .../v1/tenants/demo/dashboard

Production tokens come from the identity provider (OIDC); the services verify either kind
against the JWKS they are configured with (DUBAN_AUTH_JWKS_FILE / DUBAN_AUTH_JWKS_URL).
"""

from __future__ import annotations

import sys
from pathlib import Path

from duban_common.auth import ROLES, LocalIssuer
from duban_common.clock import parse_duration

from .target import CliError, target


def add_parser(sub) -> None:
    parser = sub.add_parser("token", help="mint a demo bearer token (embedded run)")
    parser.add_argument("--role", action="append", choices=ROLES, required=True, help="repeatable")
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--unit", help="the unit code, for --role unit")
    parser.add_argument("--name", help="the person's name, shown in audit entries")
    parser.add_argument("--source", help="the platform, for --role integrator: the CloudEvents source it submits as")
    parser.add_argument("--ttl", default="12h", help="lifetime, e.g. 30m, 12h, 7d")
    parser.add_argument("--data-dir", type=Path, help="default: $DUBAN_DATA_DIR or ./data")


def cmd_token(args) -> int:
    if "unit" in args.role and not args.unit:
        print("duban token: --role unit needs --unit <code>", file=sys.stderr)
        return 2
    if "integrator" in args.role and not args.source:
        print("duban token: --role integrator needs --source <platform>, e.g. /platforms/oa", file=sys.stderr)
        return 2
    if args.tenant == "*" and "operator" not in args.role:
        print("duban token: only an operator's token may be for every tenant ('*')", file=sys.stderr)
        return 2
    run = target(data_dir=args.data_dir)
    issuer = LocalIssuer.embedded(run.data_dir)
    if not issuer.key_file.exists():  # a new key here would sign tokens no running service trusts
        raise CliError(
            f"{issuer.directory} 里没有签发密钥：请先在这个数据目录运行 ./duban.sh up，"
            "或用 DUBAN_DATA_DIR（或 --data-dir）指向正在运行的实例的数据目录"
        )
    print(f"令牌签发 issuer: {issuer.directory}", file=sys.stderr)
    ttl = int(parse_duration(args.ttl).total_seconds())
    print(
        issuer.token(tenant=args.tenant, roles=args.role, unit=args.unit, name=args.name, source=args.source, ttl_s=ttl)
    )
    return 0
