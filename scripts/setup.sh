#!/usr/bin/env bash
# Install medcode into .venv (pinned versions from requirements.lock) and, unless --no-demo, run `medcode demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# torch==2.13.0 is pinned exactly in the lock file: an unpinned torch would pull a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet -r requirements.lock
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
if [ "${1:-}" != "--no-demo" ]; then
  .venv/bin/medcode demo
fi
