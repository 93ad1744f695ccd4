#!/usr/bin/env bash
# Set everything up (Python deps, Debian chromium for the browser tests) and run the whole test suite,
# the linters, and the answer-quality gate on evals/sample.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
export GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False
.venv/bin/ruff check assistant tests benchmarks
.venv/bin/ruff format --check assistant tests benchmarks
.venv/bin/mypy
.venv/bin/pytest "$@"
# Answer-quality gate: exits non-zero when the sample suite falls below its thresholds.
.venv/bin/assistant eval evals/sample.yaml --out tests/artifacts/eval-sample
