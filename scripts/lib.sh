# Shared setup steps for the npm scripts. npm runs a script before any dependency is
# installed, so each entry point sources this and asks for exactly what it needs.
# Everything here logs to stderr: `npm run -s sim` must keep stdout for its ready line.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
# The engine version we build when no compatible `pulumi` is on PATH. It is the
# version of the @pulumi/pulumi SDK in package.json, the newest that accepts Node 20.
PULUMI_VERSION="3.248.0"
PULUMI_MIN_VERSION="3.248.0"
PULUMI_BUILT="$TOOLS/pulumi-v$PULUMI_VERSION/bin/pulumi"
# Language hosts that only generate code, for `pulumi package gen-sdk` and the code
# `pulumi import` writes (see scripts/pulumi-cli/gensdk): the real ones' Go modules
# are not on the module proxy. Kept out of bin/ so the engine never picks one up to
# run a program. The folder is named by a hash of their sources, so a change to them
# builds them again.
gensdk_sources_hash() {
  (cd "$ROOT/scripts/pulumi-cli" && cat go.mod go.sum gensdk/*.go language-*/main.go | sha256sum | cut -c1-12)
}
PULUMI_GENSDK_DIR="$TOOLS/gen-sdk-v$PULUMI_VERSION-$(gensdk_sources_hash)"
PULUMI_GENSDK_LANGUAGES="nodejs python go"
# The YAML language host, next to the CLI so that YAML programs run from disk. Its
# version is pinned by scripts/pulumi-yaml/go.mod.
PULUMI_YAML_VERSION="1.25.0"
PULUMI_YAML_BUILT="$TOOLS/pulumi-v$PULUMI_VERSION/bin/pulumi-language-yaml"

log() { printf '%s\n' "$*" >&2; }

# npm ci when node_modules is missing or was installed from another lockfile.
ensure_node_modules() {
  local want have=""
  want="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  [ -f "$ROOT/node_modules/.lock-sha256" ] && have="$(cat "$ROOT/node_modules/.lock-sha256")"
  if [ "$want" != "$have" ]; then
    log "==> installing npm dependencies (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error 1>&2) || { log "npm ci failed"; return 1; }
    printf '%s\n' "$want" > "$ROOT/node_modules/.lock-sha256"
  fi
}

# tsc when any TypeScript source or config is newer than the last build. (find stops at
# the first match itself: piping into `head -1` killed find with SIGPIPE when many
# files were newer, and pipefail turned that into exit 141 before tsc ran.)
ensure_build() {
  local stamp="$ROOT/dist/.build-stamp" newer
  if [ -f "$stamp" ]; then
    newer="$(cd "$ROOT" && find provider/src simulator/src examples scripts testkit bench tsconfig.json package.json \
      -newer "$stamp" \( -name '*.ts' -o -name '*.json' \) -not -path '*/node_modules/*' -print -quit 2>/dev/null)"
    [ -z "$newer" ] && return 0
  fi
  log "==> compiling TypeScript (tsc)"
  (cd "$ROOT" && ./node_modules/.bin/tsc -p tsconfig.json 1>&2) || { log "tsc failed"; return 1; }
  mkdir -p "$ROOT/dist" && touch "$stamp"
}

# Dynamic providers are deserialized in pulumi-resource-pulumi-nodejs, whose
# `require("pulumi-credssp")` resolves from the engine's working directory. A user
# has the package in node_modules; this checkout is the package itself, so point
# NODE_PATH at a folder where that name links back to the checkout.
ensure_node_path() {
  mkdir -p "$TOOLS/node_path"
  ln -sfn "$ROOT" "$TOOLS/node_path/pulumi-credssp"
}

version_at_least() { # $1 >= $2, both x.y.z
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | sed -n 1p)" = "$2" ]
}

# Prints the path of a usable Pulumi CLI, building it from the Go module if needed.
ensure_pulumi() {
  local onpath v
  if onpath="$(command -v pulumi 2>/dev/null)" && [ "$onpath" != "$PULUMI_BUILT" ]; then
    v="$("$onpath" version 2>/dev/null | sed 's/^v//')"
    if [ -n "$v" ] && version_at_least "$v" "$PULUMI_MIN_VERSION" && [ "${v%%.*}" = "3" ]; then
      printf '%s\n' "$onpath"; return 0
    fi
    log "note: ignoring pulumi $v on PATH (need v3 >= $PULUMI_MIN_VERSION)"
  fi
  if [ ! -x "$PULUMI_BUILT" ]; then build_pulumi || return 1; fi
  local lang
  for lang in $PULUMI_GENSDK_LANGUAGES; do
    if [ ! -x "$PULUMI_GENSDK_DIR/pulumi-language-$lang" ]; then build_gensdk_host "$lang" || return 1; fi
  done
  if [ ! -x "$PULUMI_YAML_BUILT" ]; then build_pulumi_yaml || return 1; fi
  printf '%s\n' "$PULUMI_BUILT"
}

build_pulumi() {
  if ! command -v go >/dev/null 2>&1; then
    log "error: no Pulumi CLI v3 >= $PULUMI_MIN_VERSION on PATH, and no Go toolchain to build one."
    log "Install Pulumi (https://www.pulumi.com/docs/install/) or Go >= 1.25, then run this again."
    return 1
  fi
  local out="$PULUMI_BUILT.partial" n=0
  log "==> building the Pulumi CLI v$PULUMI_VERSION from its Go module (first run only; about 6-7 minutes on 2 cores)"
  mkdir -p "$(dirname "$PULUMI_BUILT")"
  # -v names each package as it compiles; count them so progress is visible but short.
  (cd "$ROOT/scripts/pulumi-cli" && go build -v -trimpath -mod=readonly \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
      -o "$out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi 2>&1) |
    while IFS= read -r line; do
      case "$line" in
        *" "*|*":"*) log "  $line" ;;          # errors and download notes, verbatim
        *) n=$((n + 1)); [ $((n % 100)) -eq 0 ] && log "  ... $n packages compiled" ;;
      esac
    done
  if [ ! -x "$out" ]; then log "error: building the Pulumi CLI failed (see above)"; return 1; fi
  mv "$out" "$PULUMI_BUILT"
  log "==> built $("$PULUMI_BUILT" version) at $PULUMI_BUILT"
}

build_gensdk_host() { # $1: nodejs, python or go
  log "==> building the SDK-generating $1 language host (scripts/pulumi-cli/language-$1)"
  mkdir -p "$PULUMI_GENSDK_DIR"
  (cd "$ROOT/scripts/pulumi-cli" && go build -mod=readonly -trimpath \
      -ldflags "-s -w -X main.version=$PULUMI_VERSION" \
      -o "$PULUMI_GENSDK_DIR/pulumi-language-$1" "./language-$1" 1>&2) ||
    { log "error: building the $1 language host failed (see above)"; return 1; }
}

build_pulumi_yaml() {
  log "==> building the YAML language host v$PULUMI_YAML_VERSION (scripts/pulumi-yaml; first run only; about 3-4 minutes on 2 cores)"
  local out="$PULUMI_YAML_BUILT.partial"
  (cd "$ROOT/scripts/pulumi-yaml" && go build -mod=readonly -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$PULUMI_YAML_VERSION" \
      -o "$out" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml 1>&2) ||
    { log "error: building pulumi-language-yaml failed (see above)"; return 1; }
  mv "$out" "$PULUMI_YAML_BUILT"
}

# pywinrm referees the simulator. Debian's package loads under /usr/bin/python3 only.
ensure_pywinrm() {
  if /usr/bin/python3 -c "import winrm" 2>/dev/null; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "==> installing python3-winrm (apt-get), the third-party WinRM client the tests use as referee"
    apt-get update -qq 1>&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-winrm 1>&2 && return 0
  fi
  log "error: the pywinrm conformance tests need Debian's python3-winrm: sudo apt-get install -y python3-winrm"
  return 1
}

# MIT Kerberos: the tests start a throwaway realm (krb5kdc, kdb5_util, kadmin.local from
# krb5-kdc/krb5-admin-server; kinit, klist, kvno from krb5-user), and MIT's GSS-API referees
# our Kerberos through python3-gssapi and requests-kerberos (which pywinrm's Debian package
# uses for transport="kerberos"), both under /usr/bin/python3. libkrb5-dev and gcc build
# PyPI's pykerberos in the peers' virtualenv (pywinrm 0.5's Kerberos transport). Installing
# krb5-kdc and krb5-admin-server does not start their services here (no init system,
# policy-rc.d); the tests never use them or the system krb5.conf.
KERBEROS_PACKAGES="krb5-kdc krb5-admin-server krb5-user python3-gssapi python3-requests-kerberos libkrb5-dev gcc"

kerberos_ready() {
  command -v kinit >/dev/null 2>&1 && [ -x /usr/sbin/krb5kdc ] && [ -x /usr/sbin/kdb5_util ] && [ -x /usr/sbin/kadmin.local ] &&
    command -v krb5-config >/dev/null 2>&1 && command -v gcc >/dev/null 2>&1 &&
    /usr/bin/python3 -c "import gssapi.raw, requests_kerberos; gssapi.raw.wrap_iov" 2>/dev/null
}

ensure_kerberos() {
  if kerberos_ready; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "==> installing MIT Kerberos for the tests' throwaway realm (apt-get: $KERBEROS_PACKAGES)"
    # Non-interactive: krb5-config's default-realm question keeps its default; the tests bring their own krb5.conf.
    apt-get update -qq 1>&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $KERBEROS_PACKAGES 1>&2 && return 0
  fi
  log "error: the Kerberos tests need MIT Kerberos and python3-gssapi: sudo apt-get install -y $KERBEROS_PACKAGES"
  return 1
}

# The second hop's file server: Samba's smbd (with nss_wrapper, so its accounts need no
# /etc/passwd entries) and smbclient, the SMB client simulated hosts use for UNC paths.
ensure_samba() {
  if [ -x /usr/sbin/smbd ] && command -v smbclient >/dev/null 2>&1 && \
     { [ -e /usr/lib/x86_64-linux-gnu/libnss_wrapper.so ] || [ -e /usr/lib/aarch64-linux-gnu/libnss_wrapper.so ]; }; then
    return 0
  fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "==> installing samba, smbclient and libnss-wrapper (apt-get): the real file server behind the second hop"
    apt-get update -qq 1>&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq samba smbclient libnss-wrapper 1>&2 && return 0
  fi
  log "error: the double hop (npm start, npm test) needs Samba: sudo apt-get install -y samba smbclient libnss-wrapper"
  return 1
}

# The Python peers (pywinrm 0.5, pyspnego, requests-credssp, pypsrp, smbprotocol) and
# Pulumi's Python SDK (for the plugin's Python program) in a virtualenv of their own,
# from the pinned tests/peers/requirements.txt and tests/plugin/python/requirements.txt.
# Rebuilt only when those files change (their hash is kept in the venv), like
# ensure_node_modules.
PEERS_VENV="$TOOLS/peers-venv"
PEERS_REQUIREMENTS=("$ROOT/tests/peers/requirements.txt" "$ROOT/tests/plugin/python/requirements.txt")
ensure_peers_venv() {
  local want have="" py f pip_args=()
  want="$(cat "${PEERS_REQUIREMENTS[@]}" | sha256sum | cut -d' ' -f1)"
  [ -f "$PEERS_VENV/.requirements-sha256" ] && have="$(cat "$PEERS_VENV/.requirements-sha256")"
  [ "$want" = "$have" ] && [ -x "$PEERS_VENV/bin/python" ] && return 0
  log "==> creating the Python peers' virtualenv ($PEERS_VENV) from tests/peers and tests/plugin/python requirements.txt"
  rm -rf "$PEERS_VENV"
  for py in python3 /usr/bin/python3; do
    command -v "$py" >/dev/null 2>&1 && "$py" -m venv "$PEERS_VENV" 1>&2 2>/dev/null && break
    rm -rf "$PEERS_VENV"
  done
  if [ ! -x "$PEERS_VENV/bin/python" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "==> installing python3-venv (apt-get)"
    apt-get update -qq 1>&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv 1>&2 &&
      /usr/bin/python3 -m venv "$PEERS_VENV" 1>&2
  fi
  if [ ! -x "$PEERS_VENV/bin/python" ]; then
    log "error: cannot create a Python virtualenv for the peers (need python3 with the venv module)"
    return 1
  fi
  for f in "${PEERS_REQUIREMENTS[@]}"; do pip_args+=(-r "$f"); done
  "$PEERS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      "${pip_args[@]}" 1>&2 || { log "error: pip could not install the peers (see above)"; rm -rf "$PEERS_VENV"; return 1; }
  printf '%s\n' "$want" > "$PEERS_VENV/.requirements-sha256"
}

# Everything `npm test` and `npm start` need before they run: packages, the compiled
# sources and a Pulumi CLI. (Their engine runs go through scripts/engine.ts, which
# makes the NODE_PATH link itself.)
ensure_all() {
  ensure_node_modules
  ensure_build
  ensure_pulumi >/dev/null
}
