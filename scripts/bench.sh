#!/usr/bin/env bash
# `npm run bench`: the WinRM client benchmark (bench/winrm-get.ts) after the usual setup,
# plus MIT Kerberos for its Kerberos line (a throwaway KDC the benchmark starts itself).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_node_modules
ensure_build
ensure_kerberos || log "note: without MIT Kerberos the benchmark leaves Kerberos out"
exec node "$ROOT/dist/bench/winrm-get.js" "$@"
