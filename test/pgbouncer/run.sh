#!/usr/bin/env bash
# npm run test:pgbouncer — the service through PgBouncer in transaction mode (see the spec).
# Installs Debian's pgbouncer when it is missing; nothing else installs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "[pgbouncer] not installed: apt-get install -y pgbouncer"
  if [ "$(id -u)" -ne 0 ]; then echo "[pgbouncer] need root to install it" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y pgbouncer >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y pgbouncer >/dev/null; }
  # the package's own service is not wanted; this test starts its own instance on a free port
  if command -v service >/dev/null 2>&1; then service pgbouncer stop >/dev/null 2>&1 || true; fi
fi
npx tsc -p tsconfig.json
NODE_OPTIONS='--experimental-vm-modules --no-warnings=ExperimentalWarning' \
  npx jest --config test/pgbouncer/jest.config.js "$@"
