#!/usr/bin/env bash
# `npm run pulumi -- <args>`: the project's Pulumi CLI (PATH's when compatible, else built once).
# `--print-path` prints the CLI's path instead of running it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cli="$(ensure_pulumi)"
if [ "${1:-}" = "--print-path" ]; then printf '%s\n' "$cli"; exit 0; fi
ensure_node_modules
ensure_node_path
export PATH="$ROOT/node_modules/@pulumi/pulumi:$PATH"
# Our own CLI build has no nodejs language host; lend it the SDK-generating one.
if [ "$cli" = "$PULUMI_BUILT" ]; then export PATH="$PULUMI_GENSDK_DIR:$PATH"; fi
export NODE_PATH="$TOOLS/node_path${NODE_PATH:+:$NODE_PATH}"
export PULUMI_SKIP_UPDATE_CHECK=true
exec "$cli" "$@"
