#!/usr/bin/env bash
# Runs one of this repository's compiled scripts (path relative to dist/), after the
# same setup every npm script does. Used by `npm run bench` and `npm run schema`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_node_modules
ensure_build
script="$1"; shift
exec node "$ROOT/dist/$script" "$@"
