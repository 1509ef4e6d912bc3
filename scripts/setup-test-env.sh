#!/usr/bin/env bash
# Prepares this machine for `npm test`: Debian packages (Chromium, code-server's build needs, ripgrep, yamllint,
# pre-commit) and code-server 4.100.3 in a cache outside the repository. Idempotent; a second run takes well under a
# second.
# Recipe: code-server's postinstall needs npm_config_unsafe_perm as root and npm_config_yes for node-gyp, and
# @vscode/ripgrep would download rg from GitHub unless its cache already holds the tarball (we give it Debian's rg).
# Other helpers: add the Debian packages your tests need to PACKAGES below.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
CACHE_ROOT="${AML_FAILOVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aml-failover}"
CODE_SERVER_DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION"
CODE_SERVER_BIN="$CODE_SERVER_DIR/node_modules/.bin/code-server"

# Debian package → a file that shows it is installed (checking files is faster than asking dpkg).
PACKAGES=(
  "chromium:/usr/bin/chromium"
  "libkrb5-dev:/usr/include/gssapi/gssapi.h"
  "pkg-config:/usr/bin/pkg-config"
  "ripgrep:/usr/bin/rg"
  "build-essential:/usr/bin/make"
  "python3:/usr/bin/python3"
  "yamllint:/usr/bin/yamllint"
  "pre-commit:/usr/bin/pre-commit"
  "python3-azure:/usr/lib/python3/dist-packages/azure/ai/ml/__init__.py"   # the real Azure ML YAML parser (test/support/python/referee.py)
  "azure-cli:/usr/bin/az"   # a real Azure Files client (test/integration/export/realWorkspaces.test.ts)
)

log() { printf 'setup-test-env: %s\n' "$*" >&2; }

missing=()
for entry in "${PACKAGES[@]}"; do
  [ -e "${entry#*:}" ] || missing+=("${entry%%:*}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null || { log "missing ${missing[*]} and no apt-get here: install them by hand"; exit 1; }
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v g++ >/dev/null || { log "g++ missing (build-essential)"; exit 1; }

# A complete install leaves a stamp; an interrupted one is redone from scratch.
if [ ! -f "$CODE_SERVER_DIR/.installed" ] || [ ! -x "$CODE_SERVER_BIN" ]; then
  log "installing code-server $CODE_SERVER_VERSION into $CODE_SERVER_DIR (about a minute)"
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  scratch_tmp="$(mktemp -d)"
  trap 'rm -rf "$scratch_tmp"' EXIT
  rg_cache="$scratch_tmp/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$rg_cache" "$scratch_tmp/rg"
  cp /usr/bin/rg "$scratch_tmp/rg/rg"
  tar -C "$scratch_tmp/rg" -czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
  printf '{"name":"aml-failover-code-server","private":true}\n' >"$CODE_SERVER_DIR/package.json"
  (
    cd "$CODE_SERVER_DIR"
    TMPDIR="$scratch_tmp" npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >"$scratch_tmp/npm.log" 2>&1 \
      || { cat "$scratch_tmp/npm.log" >&2; exit 1; }
  )
  "$CODE_SERVER_BIN" --version >/dev/null
  touch "$CODE_SERVER_DIR/.installed"
  log "code-server ready"
fi

# Tell callers where it is (test/support/codeServer.ts reads the same path; this line is for humans and scripts).
echo "$CODE_SERVER_BIN"
