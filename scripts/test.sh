#!/usr/bin/env bash
# The test command of the README: lint, type-check, then the fast test suite (extra pytest args are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/mypy configs datasets models training evaluation serving
.venv/bin/python -m pytest "$@"
