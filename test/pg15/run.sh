#!/usr/bin/env bash
# npm run test:pg15 — the whole suite (npm test) on Debian's PostgreSQL 15, as a managed Postgres
# would be used: DATABASE_URL is an owner with LOGIN CREATEROLE CREATEDB that owns its database
# and is no superuser (mode b). The server is started here, on a free port in a temp folder, and
# stopped and removed at the end. Installs postgresql-15 when it is missing (needs root).
# TEST_ADMIN_URL (the server's superuser) is for test setup only: the specs that build
# deployments or deliberately broken roles use it; the service under test never does.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=/usr/lib/postgresql/15/bin
if [ ! -x "$BIN/initdb" ]; then
  echo "[pg15] not installed: apt-get install -y postgresql-15"
  if [ "$(id -u)" -ne 0 ]; then echo "[pg15] need root to install it" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y postgresql-15 >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y postgresql-15 >/dev/null; }
  # the package's own cluster is not wanted; this script starts its own server on a free port
  if command -v service >/dev/null 2>&1; then service postgresql stop >/dev/null 2>&1 || true; fi
fi
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/tenancy-pg15-XXXXXX")
chmod 755 "$DIR"
[ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
stop() {
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT

PORT=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
SU_PW=$(node -e "console.log(require('crypto').randomBytes(18).toString('base64url'))")
OWNER_PW=$(node -e "console.log(require('crypto').randomBytes(18).toString('base64url'))")
# the superuser's password goes to initdb in a file readable by postgres only, removed at once
umask 077
printf '%s\n' "$SU_PW" > "$DIR/pw"
[ "$(id -u)" -eq 0 ] && chown postgres: "$DIR/pw"
umask 022
as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/pw" -E UTF8 --locale=C.UTF-8 \
  --auth-local=trust --auth-host=scram-sha-256 >/dev/null
rm -f "$DIR/pw"
as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
echo "[pg15] $("$BIN/postgres" --version) on 127.0.0.1:$PORT (data in $DIR)"

# the owner's password is sent as a SCRAM verifier computed here, never in clear
VERIFIER=$(OWNER_PW="$OWNER_PW" node -e "
const c = require('crypto'); const salt = c.randomBytes(16);
const s = c.pbkdf2Sync(process.env.OWNER_PW, salt, 4096, 32, 'sha256');
const h = (k, m) => c.createHmac('sha256', k).update(m).digest();
const stored = c.createHash('sha256').update(h(s, 'Client Key')).digest();
console.log('SCRAM-SHA-256\$4096:' + salt.toString('base64') + '\$' + stored.toString('base64') + ':' + h(s, 'Server Key').toString('base64'));")
as_pg "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<SQL
CREATE ROLE tenancy_ci_owner LOGIN CREATEROLE CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD '$VERIFIER';
CREATE DATABASE tenancy_ci OWNER tenancy_ci_owner;
SQL

export DATABASE_URL="postgres://tenancy_ci_owner:$OWNER_PW@127.0.0.1:$PORT/tenancy_ci"
export TEST_ADMIN_URL="postgres://postgres:$SU_PW@127.0.0.1:$PORT/postgres"
status=0
npm test -- "$@" || status=$?
# the run must leave nothing on the server: no database, no role of its own
left=$(as_pg "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -d postgres -At -c \
  "SELECT string_agg(name, ', ') FROM (SELECT datname AS name FROM pg_database WHERE datname LIKE 'tenancy\\_test\\_%'
     UNION ALL SELECT rolname FROM pg_roles WHERE rolname ~ '^tenancy_(app|platform)_t') x")
if [ -n "$left" ]; then echo "[pg15] the run left behind: $left" >&2; status=1; fi
exit $status
