# Sourced by the dev scripts: where the local state lives and which ports the local services use.
# Every value can be overridden from the environment.
TWINLOG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export TWINLOG_ROOT
export TWINLOG_STATE="${TWINLOG_STATE:-$TWINLOG_ROOT/.twinlog}"
export TWINLOG_VENV="${TWINLOG_VENV:-$TWINLOG_STATE/venv}"
export TWINLOG_BROKER_PORT="${TWINLOG_BROKER_PORT:-19092}"
export TWINLOG_PG_PORT="${TWINLOG_PG_PORT:-55432}"
export TWINLOG_BROKERS="${TWINLOG_BROKERS:-127.0.0.1:$TWINLOG_BROKER_PORT}"
export TWINLOG_DATABASE_URL="${TWINLOG_DATABASE_URL:-postgresql://twinlog@127.0.0.1:$TWINLOG_PG_PORT/twinlog}"
# librdkafka 2.16 from the confluent-kafka wheel; Debian's 2.0.2 cannot talk to Tansu.
export LD_LIBRARY_PATH="$TWINLOG_STATE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The dev PostgreSQL cluster lives under the state folder. As root the server runs as the postgres
# user, which must be able to reach that folder; when a parent folder shuts it out, the cluster
# goes to the postgres user's home instead (one folder per checkout).
TWINLOG_PGDATA="${TWINLOG_PGDATA:-$TWINLOG_STATE/pgdata}"
if [[ $(id -u) -eq 0 ]] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$TWINLOG_ROOT" 2>/dev/null; then
  TWINLOG_PGDATA="$(getent passwd postgres | cut -d: -f6)/twinlog-$(printf '%s' "$TWINLOG_ROOT" | cksum | cut -d' ' -f1)"
fi
export TWINLOG_PGDATA
