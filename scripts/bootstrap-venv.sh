#!/usr/bin/env bash
# Create .venv and install Blastwall with every extra; skipped when pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ -f "$stamp" ]; then exit 0; fi
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev]'
rm -f .venv/.installed-*
touch "$stamp"
