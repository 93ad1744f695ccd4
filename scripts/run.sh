#!/usr/bin/env bash
# Set everything up (only when needed), then start the chat UI on the sample corpus (ingested in
# the background on first start; the page shows its progress).
# `bash scripts/run.sh ask "question"` answers one question in the terminal instead.
set -euo pipefail
cd "$(dirname "$0")/.."
# setup.sh (pip install, npm ci) runs on the first start and again only when pyproject.toml or
# package-lock.json changed: it leaves .venv/.installed-<hash of both> when it succeeds.
if [ ! -x .venv/bin/assistant ] || [ ! -f ".venv/.installed-$(bash scripts/setup.sh --stamp)" ]; then
  bash scripts/setup.sh
else
  echo "dependencies unchanged since the last install: skipping setup (scripts/setup.sh forces it)"
fi
export GRADIO_ANALYTICS_ENABLED=False
if [ "${1:-}" = "ask" ]; then
  shift
  exec .venv/bin/assistant ask "${1:-Who started the clashes in Aleppo?}"
fi
host="${ASSISTANT_UI_HOST:-127.0.0.1}"
if [ "$host" = "127.0.0.1" ] || [ "$host" = "localhost" ]; then
  # One person on their own machine: they may upload and remove reports (a shared UI lists
  # its editors in ASSISTANT_UI_EDITORS, see the README).
  export ASSISTANT_UI_EDITORS="${ASSISTANT_UI_EDITORS:-*}"
fi
exec .venv/bin/assistant ui --host "$host" --port "${ASSISTANT_UI_PORT:-7860}"
