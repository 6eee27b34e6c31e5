#!/usr/bin/env bash
# `npm start`: the main job — the double-hop demo on three simulated hosts. Does its
# own setup first (npm ci, tsc, the Pulumi CLI), like `npm test`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_all
ensure_samba
exec node "$ROOT/dist/scripts/demo.js" "$@"
