#!/usr/bin/env bash
# Create .venv and install Blastwall with the extras named in $1 (default: dev, which holds
# every extra). One stamp per extras set and pyproject.toml version records what is
# installed, so `make run` (server,postgres) never pulls the dev extra's torch, and
# `make test` (dev) adds the rest once. Stamps of an older pyproject.toml are dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:-dev}
hash=$(sha256sum pyproject.toml | cut -c1-16)
stamp=".venv/.installed-$hash-${extras//,/+}"
# dev pulls in every other extra, so its stamp satisfies any request.
if [ -f "$stamp" ] || [ -f ".venv/.installed-$hash-dev" ]; then exit 0; fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[$extras]"
find .venv -maxdepth 1 -name '.installed-*' ! -name ".installed-$hash-*" -delete
touch "$stamp"
