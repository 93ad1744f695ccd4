#!/usr/bin/env bash
# Set everything up (Python deps, Debian chromium for the browser tests) and run the whole test suite,
# the linters, the import contract, and the answer-quality gate (evals/gate*.yaml).
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
# The import contract of DESIGN.md (layers, no front end in the core, no cycles): pyproject.toml.
.venv/bin/lint-imports --no-cache
.venv/bin/pytest "$@"
# Answer-quality gate: exits non-zero when a suite falls below its thresholds. The gate suites
# (written fresh, never tuned on) decide; the tuning suite guards against regressions of the fit.
.venv/bin/assistant eval evals/gate.yaml evals/gate-news.yaml evals/sample.yaml \
  --out tests/artifacts/eval-gate
