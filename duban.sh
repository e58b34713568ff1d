#!/usr/bin/env bash
# One entry point that does all the set-up on a fresh machine (Python 3.11+ is all it needs):
#   ./duban.sh up      install into .venv if needed, then run the embedded system
#   ./duban.sh test    install into .venv if needed (and the browser tests' chromium), run the checks of
#                      `lint`, then the whole test suite (DUBAN_LINT=0 skips the checks, for a quick local run)
#   ./duban.sh lint    ruff format --check, ruff check, mypy, lint-imports (configured in pyproject.toml)
#   ./duban.sh <args>  any other `duban` command (clock, publish, ...)
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .tools/bin/uv ]; then
  "$PYTHON" -m venv .tools
  .tools/bin/pip install --quiet "uv>=0.5"
fi
# --frozen: exactly the versions in uv.lock; a no-op when nothing changed.
# Bytecode is compiled here, once, for the dependencies and for our own packages: where
# PYTHONDONTWRITEBYTECODE is set (this machine, most container images) every process would
# otherwise compile each module it imports, about 3 s of CPU for each service and CLI start.
.tools/bin/uv sync --frozen --quiet --compile-bytecode --python "$PYTHON"
.venv/bin/python -m compileall -q -j 0 libs services >/dev/null

lint() {
  .venv/bin/ruff format --check .
  .venv/bin/ruff check .
  .venv/bin/mypy
  local contracts
  contracts=$(.venv/bin/lint-imports --no-cache 2>&1) || { printf '%s\n' "$contracts" >&2; return 1; }
}

case "${1:-up}" in
  lint)
    lint
    ;;
  test)
    shift
    if [ "${DUBAN_LINT:-1}" != 0 ]; then lint; fi
    bash tests/setup-browser.sh  # chromium, chromium-driver and CJK fonts when missing (root + apt-get)
    exec .venv/bin/pytest "$@"
    ;;
  *)
    exec .venv/bin/duban "$@"
    ;;
esac
