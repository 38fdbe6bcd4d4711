#!/usr/bin/env bash
# Times the participant-list import (issue 18): a 1 000-row Zoom participants report into an
# event of 1 000 registrations.
#
# Starts the server on a fresh database with a bootstrap admin, creates an event through the
# API, seeds 1 000 confirmed online registrations with SQL, moves the event into the past,
# writes a Zoom report of 1 000 rows (700 people by email, 200 by name only, 50 rejoins of
# the first ones, 50 guests nobody registered; minutes from 10 to 99, so some stay under the
# 45-minute minimum), imports it ROUNDS times into fresh copies of the event (each import is
# of a new event: the same file into one event is answered from the first import) and prints
# the server time of each (`latency_ms` of the request log line) and curl's total. Stops the
# server and drops the database at the end.
#
#   bench/import.sh                  # release build
#   PROFILE=debug bench/import.sh    # the debug build
#
# Settings: PG_SERVER (postgres://postgres@127.0.0.1:5432), ROUNDS (5), PORT (18090);
# KEEP_DB=1 keeps the database.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
PROFILE=${PROFILE:-release}
ROUNDS=${ROUNDS:-5}
PORT=${PORT:-18090}
DB=hybrid_events_bench_import_$$
BASE=http://127.0.0.1:$PORT/api/v1
ADMIN_EMAIL=bench.admin@example.org
ADMIN_PASSWORD=bench-admin-password-123
mkdir -p bench/results
LOG=bench/results/import-server.log
FILE=bench/results/zoom-1000.csv

psql_db() { psql "$PG_SERVER/$DB" -X -v ON_ERROR_STOP=1 -qAt "$@"; }

server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    if [ -z "${KEEP_DB:-}" ]; then
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

echo "==> building ($PROFILE)"
if [ "$PROFILE" = release ]; then cargo build --release --quiet --bin hybrid-events; else cargo build --quiet --bin hybrid-events; fi
binary=target/$PROFILE/hybrid-events

echo "==> starting the server on a fresh database $DB"
psql "$PG_SERVER/postgres" -qc "CREATE DATABASE $DB" >/dev/null
DATABASE_URL=$PG_SERVER/$DB BIND_ADDR=127.0.0.1:$PORT JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
    BOOTSTRAP_ADMIN_EMAIL=$ADMIN_EMAIL BOOTSTRAP_ADMIN_PASSWORD=$ADMIN_PASSWORD RUST_LOG=info LOG_FORMAT=json \
    "$binary" >"$LOG" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$LOG"; exit 1; }
    sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null

token=$(curl -fs "$BASE/auth/login" -H 'content-type: application/json' \
    -d "{\"email\": \"$ADMIN_EMAIL\", \"password\": \"$ADMIN_PASSWORD\"}" | jq -r .access_token)
org=$(curl -fs "$BASE/organisations" -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"name": "Bench NGO", "kind": "ngo"}' | jq -r .id)

# An event of 1 000 confirmed online registrations, ended an hour ago.
new_event() {
    local starts ends event
    starts=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:00Z)
    ends=$(date -u -d '+1 day 3 hours' +%Y-%m-%dT%H:%M:00Z)
    event=$(curl -fs "$BASE/events" -H "authorization: Bearer $token" -H 'content-type: application/json' -d @- <<JSON | jq -r .id
{"title": "Bench roundtable", "organisation_id": "$org", "region": "Soria", "starts_at": "$starts",
 "ends_at": "$ends", "timezone": "Europe/Madrid", "languages": ["es"],
 "online": {"join_url": "https://meet.example.org/bench", "capacity": null}}
JSON
    )
    curl -fs -X POST "$BASE/events/$event/publish" -H "authorization: Bearer $token" >/dev/null
    psql_db -v event="$event" -v org="$org" <<'SQL' >/dev/null
INSERT INTO registrations (id, event_id, status, attendance_mode, full_name, email, email_normalised,
        stakeholder_category, consent_data_processing, created_by, created_by_kind)
SELECT gen_random_uuid(), :'event', 'confirmed', 'online', 'Participant ' || i || ' Seed',
       'participant' || i || '@bench.example.org', 'participant' || i || '@bench.example.org',
       'migrant', true, :'org', 'user'
  FROM generate_series(1, 1000) AS i;
UPDATE events SET starts_at = now() - interval '4 hours', ends_at = now() - interval '1 hour',
       registration_closes_at = NULL WHERE id = :'event';
ANALYZE registrations;
SQL
    echo "$event"
}

echo "==> writing a Zoom report of 1 000 rows"
{
    echo 'Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants'
    echo '"812 3456 7890",Bench roundtable,11/24/2021 10:00:00 AM,11/24/2021 01:00:00 PM,host@bench.example.org,180,950'
    echo
    echo 'Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest'
    for i in $(seq 1 1000); do
        minutes=$((10 + i % 90))
        if ((i <= 700)); then
            echo "Participant $i,PARTICIPANT$i@bench.example.org,11/24/2021 10:00:00 AM,11/24/2021 11:00:00 AM,$minutes,No"
        elif ((i <= 900)); then
            echo "seed participant $i,,11/24/2021 10:00:00 AM,11/24/2021 11:00:00 AM,$minutes,Yes"
        elif ((i <= 950)); then
            echo "Participant $((i - 900)),participant$((i - 900))@bench.example.org,11/24/2021 11:10:00 AM,11/24/2021 11:40:00 AM,30,No"
        else
            echo "Guest device $i,,11/24/2021 10:00:00 AM,11/24/2021 10:30:00 AM,$minutes,Yes"
        fi
    done
} >"$FILE"
echo "   $(wc -l <"$FILE") lines, $(wc -c <"$FILE") bytes"

printf '\n| round | server ms | curl ms | rows | matched | checked_in | below_minimum | unmatched |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for round in $(seq 1 "$ROUNDS"); do
    event=$(new_event)
    answer=$(curl -fs -w '\n%{time_total}' "$BASE/events/$event/online-attendance?format=zoom" \
        -H "authorization: Bearer $token" -H 'content-type: text/csv' --data-binary @"$FILE")
    total_s=$(tail -n1 <<<"$answer")
    body=$(head -n -1 <<<"$answer")
    sleep 0.2 # the log line is written as the answer goes out
    server_ms=$(grep '"route":"/api/v1/events/{id}/online-attendance"' "$LOG" | tail -n1 | jq -r '.fields.latency_ms // .latency_ms')
    printf '| %s | %.1f | %.1f | %s | %s | %s | %s | %s |\n' "$round" "$server_ms" "$(awk -v s="$total_s" 'BEGIN { print s * 1000 }')" \
        "$(jq .rows <<<"$body")" "$(jq .matched <<<"$body")" "$(jq .checked_in <<<"$body")" \
        "$(jq .below_minimum <<<"$body")" "$(jq '.unmatched | length' <<<"$body")"
done
