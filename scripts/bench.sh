#!/usr/bin/env bash
# `npm run bench -- [options]`: the WinRM client benchmark (bench/winrm-get.ts): Get
# throughput per scheme (plus MIT Kerberos for its Kerberos line, a throwaway KDC the
# benchmark starts itself), and client CPU per Get beside pywinrm's (pywinrm 0.5 from
# the peers' virtualenv).
# `npm run bench -- fleet [--hosts N] [--latency MS] [--parallel N]`: a fleet through the real engine
# against the engine's own floor (bench/fleet.ts).
# `npm run bench -- requests`: every WS-Management request one host receives when a run
# creates, refreshes and deletes the four resources on it (bench/host-requests.ts).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_node_modules
ensure_build
if [ "${1:-}" = "fleet" ]; then
  shift
  ensure_pulumi >/dev/null
  exec node "$ROOT/dist/bench/fleet.js" "$@"
fi
if [ "${1:-}" = "requests" ]; then
  shift
  exec node "$ROOT/dist/bench/host-requests.js" "$@"
fi
ensure_kerberos || log "note: without MIT Kerberos the benchmark leaves Kerberos out"
ensure_peers_venv
exec node "$ROOT/dist/bench/winrm-get.js" "$@"
