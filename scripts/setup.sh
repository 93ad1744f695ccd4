#!/usr/bin/env bash
# Create .venv (once) and install the assistant with its dev tools. Safe to run again.
# On success it leaves .venv/.installed-<hash of pyproject.toml and package-lock.json>, so that
# scripts/run.sh installs again only when one of them changed. `setup.sh --stamp` prints the hash.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp() {
  local files=(pyproject.toml)
  if [ -f package-lock.json ]; then files+=(package-lock.json); fi
  cat "${files[@]}" | sha256sum | cut -c1-16
}
if [ "${1:-}" = "--stamp" ]; then
  stamp
  exit 0
fi
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
# axe-core, which the browser tests inject to check accessibility (package.json, pinned in
# package-lock.json; node_modules/ is not committed). Without npm, or without its registry, those
# checks skip and the rest of the suite runs.
if command -v npm >/dev/null; then
  npm ci --silent --no-audit --no-fund \
    || echo "npm ci failed: the accessibility checks of the browser tests will skip"
else
  echo "npm not found: skipping axe-core (the accessibility checks of the browser tests will skip)"
fi
rm -f .venv/.installed-*
touch ".venv/.installed-$(stamp)"
