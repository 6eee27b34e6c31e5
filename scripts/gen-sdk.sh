#!/usr/bin/env bash
# `npm run sdk`: regenerates the committed Python and Go SDKs (sdk/python, sdk/go) from
# schema.json with `pulumi package gen-sdk` and the project's CLI. Run it after
# `npm run schema`; tests/plugin/sdk.test.ts fails while they are out of date.
# `npm run sdk -- <dir>` writes them under <dir> instead (the test does that).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
out="${1:-$ROOT/sdk}"
# gen-sdk loads plugins from PULUMI_HOME; keep ours out of ~/.pulumi.
export PULUMI_HOME="${PULUMI_HOME:-$TOOLS/pulumi-home}"
for lang in python go; do
  # Our gen-sdk hosts are on PATH on purpose; the CLI's note saying so is noise here.
  if ! msg="$("$ROOT/scripts/pulumi.sh" package gen-sdk "$ROOT/schema.json" --language "$lang" -o "$out" 2>&1)"; then
    log "$msg"; log "error: generating the $lang SDK failed"; exit 1
  fi
  printf '%s\n' "$msg" | grep -v "^warning: using pulumi-language-$lang from" >&2 || true
done
