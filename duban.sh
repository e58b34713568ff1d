#!/usr/bin/env bash
# One entry point that does all the set-up on a fresh machine (Python 3.11+ is all it needs):
#   ./duban.sh up      install into .venv if needed, then run the embedded system
#   ./duban.sh test    install into .venv if needed, then run the whole test suite
#   ./duban.sh <args>  any other `duban` command (clock, publish, ...)
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .tools/bin/uv ]; then
  "$PYTHON" -m venv .tools
  .tools/bin/pip install --quiet "uv>=0.5"
fi
# --frozen: exactly the versions in uv.lock; a no-op when nothing changed
.tools/bin/uv sync --frozen --quiet --python "$PYTHON"

case "${1:-up}" in
  test)
    shift
    exec .venv/bin/pytest "$@"
    ;;
  *)
    exec .venv/bin/duban "$@"
    ;;
esac
