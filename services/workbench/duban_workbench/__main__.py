"""``python -m duban_workbench`` serves the workbench; ``migrate`` is accepted and does nothing
(the workbench owns no database), so it deploys like the five services."""

import sys

import uvicorn

from .bootstrap import bootstrap
from .config import WorkbenchSettings

if __name__ == "__main__":
    if sys.argv[1:] == ["migrate"]:
        print("the workbench has no database: nothing to migrate")
        sys.exit(0)
    settings = WorkbenchSettings()
    uvicorn.run(
        bootstrap(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips="*",
    )
