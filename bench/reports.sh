#!/usr/bin/env bash
# Times the report endpoints on 100 000 registrations over 200 events.
#
# Seeds a fresh database with SQL generate_series, starts the server on it, times each
# endpoint with a bounded number of requests (curl, loopback only) and prints a table;
# the table is also written to bench/results/. Stops the server and drops the database at
# the end.
#
#   bench/reports.sh                 # release build
#   PROFILE=debug bench/reports.sh   # the debug build (slower, but usually already built)
#
# Settings: PG_SERVER (postgres://postgres@127.0.0.1:5432), EVENTS (200), REGISTRATIONS
# (100000), ROUNDS (30 requests per endpoint), PORT (18089); KEEP_DB=1 keeps the database.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
PROFILE=${PROFILE:-release}
EVENTS=${EVENTS:-200}
REGISTRATIONS=${REGISTRATIONS:-100000}
ROUNDS=${ROUNDS:-30}
PORT=${PORT:-18089}
DB=hybrid_events_bench_$$
BASE=http://127.0.0.1:$PORT/api/v1
ADMIN_EMAIL=bench.admin@example.org
ADMIN_PASSWORD=bench-admin-password-123
mkdir -p bench/results
RESULTS=bench/results/reports-$(date -u +%Y%m%dT%H%M%SZ).md

psql_db() { psql "$PG_SERVER/$DB" -v ON_ERROR_STOP=1 -qAt "$@"; }

server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    if [ -z "${KEEP_DB:-}" ]; then
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    else
        echo "kept the database $DB"
    fi
}
trap cleanup EXIT

echo "==> building ($PROFILE)"
if [ "$PROFILE" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
binary=target/$PROFILE/hybrid-events

echo "==> starting the server on a fresh database $DB"
psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $DB" >/dev/null
DATABASE_URL=$PG_SERVER/$DB BIND_ADDR=127.0.0.1:$PORT JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
    BOOTSTRAP_ADMIN_EMAIL=$ADMIN_EMAIL BOOTSTRAP_ADMIN_PASSWORD=$ADMIN_PASSWORD RUST_LOG=warn \
    "$binary" >bench/results/server.log 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat bench/results/server.log; exit 1; }
    sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null

echo "==> seeding $REGISTRATIONS registrations over $EVENTS events"
seed_started=$(date +%s)
psql_db <<SQL
SET statement_timeout = 0;
-- name_key: the name folded as the API folds it (domain::text::fold).
INSERT INTO organisations (id, name, name_key, kind) VALUES ('00000000-0000-7000-8000-000000000001', 'Bench NGO', 'bench ngo', 'ngo');
INSERT INTO events (id, organisation_id, title, region, series, starts_at, ends_at, timezone, status,
                    online_offered, online_capacity, onsite_offered, onsite_capacity, onsite_reserved)
SELECT ('00000000-0000-7000-9000-' || lpad(to_hex(e), 12, '0'))::uuid,
       '00000000-0000-7000-8000-000000000001', 'Roundtable ' || e,
       (ARRAY['Soria', 'Teruel', 'Cuenca', 'Zamora'])[1 + e % 4], 'Series ' || (e % 10),
       now() + (e - $EVENTS / 2) * interval '1 day', now() + (e - $EVENTS / 2) * interval '1 day' + interval '3 hours',
       'Europe/Madrid', 'published', true, NULL, true, 100000, 10
  FROM generate_series(1, $EVENTS) AS e;
SQL
# One statement per event: the seat-counter trigger updates the event row once per
# registration, which grows quadratically within one transaction for one row.
per_event=$((REGISTRATIONS / EVENTS))
for e in $(seq 1 "$EVENTS"); do
    echo "INSERT INTO registrations (id, event_id, status, attendance_mode, needs_physical_space, needs_transport,
            interpretation_language, accessibility_notes, fallback_applied, interests, full_name,
            stakeholder_category, consent_data_processing, created_by, created_by_kind, checked_in_at,
            check_in_source)
     SELECT gen_random_uuid(), ('00000000-0000-7000-9000-' || lpad(to_hex($e), 12, '0'))::uuid,
            (ARRAY['confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed', 'waitlisted', 'cancelled'])[1 + i % 8],
            CASE WHEN i % 5 < 3 THEN 'online' ELSE 'onsite' END,
            i % 5 = 4 AND i % 2 = 0, i % 7 = 0,
            (ARRAY[NULL, 'ar', 'fr', 'uk', NULL, NULL])[1 + i % 6], CASE WHEN i % 11 = 0 THEN 'notes' END,
            i % 5 < 3 AND i % 13 = 0,
            CASE i % 3 WHEN 0 THEN ARRAY['entrepreneurship'] WHEN 1 THEN ARRAY['women_employment', 'housing']
                       ELSE ARRAY[]::text[] END,
            'Person ' || i,
            (ARRAY['migrant', 'refugee', 'migrant_led_organisation', 'ngo', 'regional_authority', 'public_agency', 'volunteer', 'other'])[1 + i % 8],
            true, gen_random_uuid(), 'user',
            CASE WHEN i % 8 < 6 AND i % 4 <> 0 THEN now() END,
            CASE WHEN i % 8 < 6 AND i % 4 <> 0 THEN CASE WHEN i % 5 < 3 THEN 'online_import' ELSE 'onsite' END END
       FROM generate_series(1, $per_event) AS i;"
done | psql_db -c 'SET statement_timeout = 0' -f - >/dev/null
psql_db -c "ANALYZE" >/dev/null
echo "    seeded in $(( $(date +%s) - seed_started )) s: $(psql_db -c 'SELECT count(*) FROM registrations') registrations"

token=$(curl -fs "$BASE/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
mapfile -t event_ids < <(psql_db -c "SELECT id FROM events ORDER BY starts_at")
link=$(curl -fs "$BASE/events/${event_ids[0]}/report-links" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' -d '{}' | sed -E 's/.*"url":"([^"]+)".*/\1/')

# time NAME ACCEPT URL-TEMPLATE: ROUNDS requests; %s in the template is replaced by an event id
# (a different one each round). Prints one table row: min, median, p95, max (ms) and size.
time_endpoint() {
    local name=$1 accept=$2 template=$3 samples=() bytes=0
    for round in $(seq 0 $((ROUNDS - 1))); do
        local url=${template//%s/${event_ids[$((round % ${#event_ids[@]}))]}}
        local out
        out=$(curl -s -o /dev/null -w '%{http_code} %{time_total} %{size_download}' \
            -H "authorization: Bearer $token" -H "accept: $accept" "$url")
        read -r code seconds size <<<"$out"
        [ "$code" = 200 ] || { echo "$name answered $code" >&2; exit 1; }
        samples+=("$seconds"); bytes=$size
    done
    printf '%s\n' "${samples[@]}" | sort -n | awk -v name="$name" -v bytes="$bytes" '
        { v[NR] = $1 * 1000 }
        END {
            p50 = v[int((NR + 1) / 2)]; i95 = int(NR * 0.95 + 0.999); if (i95 > NR) i95 = NR
            printf "| %s | %.1f | %.1f | %.1f | %.1f | %d |\n", name, v[1], p50, v[i95], v[NR], bytes
        }'
}

{
    echo "Reports on $(psql_db -c 'SELECT count(*) FROM registrations') registrations over $EVENTS events;"
    echo "$PROFILE build, $ROUNDS requests per endpoint, one at a time, loopback; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "| endpoint | min ms | median ms | p95 ms | max ms | bytes |"
    echo "|---|---:|---:|---:|---:|---:|"
    time_endpoint 'GET /events/{id}/report' application/json "$BASE/events/%s/report"
    time_endpoint 'GET /events/{id}/report?suppress_below=5' application/json "$BASE/events/%s/report?suppress_below=5"
    time_endpoint 'GET /reports/attendance (200 events)' application/json "$BASE/reports/attendance?limit=200"
    time_endpoint 'GET /reports/attendance (CSV)' text/csv "$BASE/reports/attendance"
    time_endpoint 'GET /reports/attendance?region=Soria' application/json "$BASE/reports/attendance?region=Soria"
    time_endpoint 'GET /events/{id}/attendance.csv (500 rows)' text/csv "$BASE/events/%s/attendance.csv"
    time_endpoint 'GET /events/{id}/report.html (link token)' text/html "$link"
} | tee "$RESULTS"
echo
echo "written to $RESULTS"
