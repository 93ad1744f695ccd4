#!/usr/bin/env bash
# Set everything up, then start the chat UI on the sample corpus (ingested on first start).
# `bash scripts/run.sh ask "question"` answers one question in the terminal instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export GRADIO_ANALYTICS_ENABLED=False
if [ "${1:-}" = "ask" ]; then
  shift
  exec .venv/bin/assistant ask "${1:-Who started the clashes in Aleppo?}"
fi
exec .venv/bin/assistant ui --host "${ASSISTANT_UI_HOST:-127.0.0.1}" --port "${ASSISTANT_UI_PORT:-7860}"
