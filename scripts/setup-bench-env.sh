#!/usr/bin/env bash
# Peers that `npm run bench` measures our tools against, from Debian: yamllint (the lint bench) and azure-cli
# (`az storage … download-batch`, the export bench). Idempotent; instant when both are there. The tests do not need
# them (scripts/setup-test-env.sh is the test set-up).
set -euo pipefail

PACKAGES=(
  "yamllint:/usr/bin/yamllint"
  "azure-cli:/usr/bin/az"
)

missing=()
for entry in "${PACKAGES[@]}"; do
  [ -e "${entry#*:}" ] || missing+=("${entry%%:*}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
command -v apt-get >/dev/null || { echo "setup-bench-env: missing ${missing[*]} and no apt-get here" >&2; exit 1; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup-bench-env: installing Debian packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
