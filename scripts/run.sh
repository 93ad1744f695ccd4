#!/usr/bin/env bash
# Set everything up, then answer a question about the sample corpus (ingesting it on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export GRADIO_ANALYTICS_ENABLED=False
.venv/bin/assistant ask "${1:-Who started the clashes in Aleppo?}"
