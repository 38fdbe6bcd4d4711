#!/usr/bin/env bash
# Generates a Python client from the checked-in OpenAPI document with openapi-python-client
# (pinned in requirements.txt, installed into .venv/), then runs example.py with it against a
# live server: an admin logs in, creates an organisation, an event and a partner API client,
# publishes the event, subscribes to webhooks, and the partner registers a participant; the
# webhook delivery that follows is verified with the official `standardwebhooks` package.
#
# The server is built and started here on a fresh database, like scripts/fuzz does (the
# machine's PostgreSQL at 127.0.0.1:5432, DATABASE_URL's server, or the private cluster the
# test suite started). Needs python3 with venv, cargo, psql and curl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."

log() { printf '\n==> %s\n' "$*"; }

log "openapi-python-client"
if [ ! -x "$here/.venv/bin/python" ]; then
    python3 -m venv "$here/.venv"
fi
"$here/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
"$here/.venv/bin/openapi-python-client" --version

log "generate the client from openapi/openapi.json"
rm -rf "$here/build"
mkdir -p "$here/build"
"$here/.venv/bin/openapi-python-client" generate --path openapi/openapi.json \
    --config "$here/generator.yaml" --meta none --output-path "$here/build/hybrid_events_client"

log "build the server"
cargo build --quiet
binary=${CARGO_TARGET_DIR:-target}/debug/hybrid-events

server_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
server_url=${server_url%/*}
if [ -z "${DATABASE_URL:-}" ] && ! psql "$server_url/postgres" -qAt -c 'SELECT 1' >/dev/null 2>&1; then
    # The private cluster of the test suite (tests/api/helpers.rs, private_cluster_port).
    digest=$(printf %s "$(pwd -P)" | sha256sum | cut -c1-4)
    server_url=postgres://postgres@127.0.0.1:$(( 25432 + 16#$digest % 1000 ))
fi
database="hybrid_events_python_$$"
admin_email="python-admin@example.org"
admin_password="python-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
logfile=$(mktemp -t hybrid-events-python.XXXXXX.log)
pid=""

cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    psql "$server_url/postgres" -qAt -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    rm -f "$logfile"
}
trap cleanup EXIT

log "server on $base, database $database"
psql "$server_url/postgres" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $database" >/dev/null
# WEBHOOK_ALLOW_PRIVATE_TARGETS: the example's receiver listens on 127.0.0.1.
APP_ENV=development \
DATABASE_URL="$server_url/$database" \
BIND_ADDR="127.0.0.1:$port" \
JWT_SECRET="python-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
BOOTSTRAP_ADMIN_EMAIL="$admin_email" \
BOOTSTRAP_ADMIN_PASSWORD="$admin_password" \
WEBHOOK_ALLOW_PRIVATE_TARGETS=true \
HTTP_WORKERS=2 \
RUST_LOG=warn \
    "$binary" >"$logfile" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
    if curl -fsS "$base/readyz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then cat "$logfile"; echo "the server exited" >&2; exit 1; fi
    sleep 0.5
done
curl -fsS "$base/readyz" >/dev/null

log "example.py"
status=0
PYTHONPATH="$here/build" HYBRID_EVENTS_URL="$base" ADMIN_EMAIL="$admin_email" ADMIN_PASSWORD="$admin_password" \
    "$here/.venv/bin/python" "$here/example.py" || status=$?
if [ "$status" != 0 ]; then
    echo "example.py failed; the server's log:" >&2
    cat "$logfile" >&2
fi
exit "$status"
