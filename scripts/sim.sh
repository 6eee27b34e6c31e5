#!/usr/bin/env bash
# `npm run -s sim -- …`: the simulated Windows host. Setup logs go to stderr so that
# stdout carries only the simulator's ready line.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_node_modules
ensure_build
exec node "$ROOT/dist/simulator/src/cli.js" "$@"
