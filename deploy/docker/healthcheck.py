"""Docker HEALTHCHECK: GET /healthz on the service's own port (python:3.11-slim has no curl)."""

import os
import sys
import urllib.request

port = os.environ.get("DUBAN_HTTP_PORT", "8100")
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as e:  # any failure is "unhealthy"; the reason goes to `docker inspect`
    print(f"healthz failed: {e}", file=sys.stderr)
    sys.exit(1)
