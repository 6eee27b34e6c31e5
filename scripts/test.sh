#!/usr/bin/env bash
# `npm test`: installs what the tests need (npm packages, the compiled sources, the
# Pulumi CLI and its language hosts, pywinrm, MIT Kerberos, Samba, the Python peers' and
# Pulumi SDK's virtualenv), then runs every jest suite. Extra arguments go to jest.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_all
ensure_pywinrm
ensure_kerberos
ensure_samba
ensure_peers_venv
cd "$ROOT"
log "==> type-checking the tests (tsc -p tsconfig.test.json)"
./node_modules/.bin/tsc -p tsconfig.test.json
exec ./node_modules/.bin/jest "$@"
