# The replica phase: registrations (a) on a primary while the 100 000-registration report (d)
# is read, first from that primary, then from its streaming replica. Sourced by bench/run,
# whose helpers (new_event, call, sql, check_seats, seed_report_event, record) it uses with its
# own servers and database, and whose variables it restores when done.
#
# Both PostgreSQL servers are private clusters of this machine's PostgreSQL programs
# (initdb, then pg_basebackup -R for the hot standby), on free ports, with the packaged
# settings; two server processes of the build under test use the one primary: one with
# DATABASE_REPLICA_URL (its reports go to the replica), one without (its reports stay on the
# primary). Every sub-phase counts the CPU time of each PostgreSQL (the postmaster and all its
# processes: backends, WAL sender and receiver, the replica's replay), of each server process,
# and the answers of both loads.

log "replica: (a) on a primary while (d) is read from it or from its streaming replica"

PGBIN=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
REPLICA_WORK=$(mktemp -d -t bench-replica.XXXXXX)
chmod 755 "$REPLICA_WORK"
as_pg_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$REPLICA_WORK"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PRIMARY_PORT=$(free_port)
STANDBY_PORT=$(free_port)
REPLICA_SERVERS=()
replica_cleanup() {
    local pid
    for pid in "${REPLICA_SERVERS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    for d in standby primary; do
        as_pg_owner "$PGBIN/pg_ctl" -D "$REPLICA_WORK/$d" -m immediate stop >/dev/null 2>&1 || true
    done
    rm -rf "$REPLICA_WORK"
}
trap 'replica_cleanup; cleanup' EXIT

as_pg_owner "$PGBIN/initdb" -D "$REPLICA_WORK/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg_owner "$PGBIN/pg_ctl" -D "$REPLICA_WORK/primary" -o "-p $PRIMARY_PORT -k $REPLICA_WORK" \
    -l "$REPLICA_WORK/primary.log" -w start >/dev/null
as_pg_owner "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_WORK/standby" \
    -R -X stream -c fast
as_pg_owner "$PGBIN/pg_ctl" -D "$REPLICA_WORK/standby" -o "-p $STANDBY_PORT -k $REPLICA_WORK" \
    -l "$REPLICA_WORK/standby.log" -w start >/dev/null

# The globals of bench/run that name its server and database, kept to be restored.
LAST_OK=${LAST_OK:-0}
saved_globals=$(declare -p PG_URL DB BASE API SERVER_PID ADMIN_TOKEN ORG CLIENT PARTNER_TOKEN LAST_OK)
PG_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT
STANDBY_URL=postgres://postgres@127.0.0.1:$STANDBY_PORT
DB=hybrid_events_bench_replica
psql "$PG_URL/postgres" -X -qAt -c "CREATE DATABASE $DB" >/dev/null

# start_server PORT [ENV...] -> its pid, once it answers /readyz
start_server() {
    local port=$1 pid
    shift
    env "${server_env[@]}" DATABASE_URL="$PG_URL/$DB" BIND_ADDR="127.0.0.1:$port" "$@" \
        "$BIN" serve >"$OUT/server-$port.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
        curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || { tail -20 "$OUT/server-$port.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "$pid"
}
PORT_PRIMARY_ONLY=$((PORT + 1))
PORT_WITH_REPLICA=$((PORT + 2))
SERVER_PRIMARY_ONLY=$(start_server "$PORT_PRIMARY_ONLY")
REPLICA_SERVERS+=("$SERVER_PRIMARY_ONLY")
SERVER_WITH_REPLICA=$(start_server "$PORT_WITH_REPLICA" DATABASE_REPLICA_URL="$STANDBY_URL/$DB")
REPLICA_SERVERS+=("$SERVER_WITH_REPLICA")
SERVER_PID=$SERVER_PRIMARY_ONLY
BASE="http://127.0.0.1:$PORT_PRIMARY_ONLY"
API="$BASE/api/v1"
ADMIN_TOKEN=$(call POST /auth/login "" "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" | jq -r .access_token)
ORG=$(call POST /organisations "$ADMIN_TOKEN" '{"name":"Bench organisation","kind":"ngo"}' | jq -r .id)
CLIENT=$(call POST "/organisations/$ORG/api-clients" "$ADMIN_TOKEN" '{"name":"Bench partner"}')
PARTNER_TOKEN=$(call POST /auth/token "" "$(jq -c '{client_id, client_secret}' <<<"$CLIENT")" | jq -r .access_token)

seed_report_event
replica_event=$SEEDED_EVENT
replica_events_a=()
for i in $(seq 1 16); do
    replica_events_a+=("$(new_event "Bench roundtable $i" '{"join_url": "https://meet.example.org/bench", "capacity": 300}' \
        '{"venue_name": "Bench hall", "address": "Calle Mayor 1", "capacity": 100, "reserved_for_physical_space_need": 20}')")
done
replica_ids_a=$(IFS=,; echo "${replica_events_a[*]}")

# The standby has replayed everything the primary wrote so far.
caught_up() {
    local target
    target=$(psql "$PG_URL/postgres" -X -qAt -c "SELECT pg_current_wal_lsn()")
    for _ in $(seq 1 600); do
        [[ $(psql "$STANDBY_URL/postgres" -X -qAt -c "SELECT pg_last_wal_replay_lsn() >= '$target'") == t ]] && return
        sleep 0.1
    done
    fail "replica: the standby did not catch up with the primary in 60 s"
}

# cluster_ticks DATADIR: CPU ticks of a PostgreSQL server: its postmaster (with the processes
# it has reaped) and every process it runs now.
cluster_ticks() {
    local postmaster
    postmaster=$(head -1 "$REPLICA_WORK/$1/postmaster.pid")
    local reaped
    reaped=$(cut -d' ' -f16,17 "/proc/$postmaster/stat")
    echo $(($(cpu_ticks "$postmaster" $(pgrep -P "$postmaster")) + ${reaped% *} + ${reaped#* }))
}

# wrk_summary FILE EXPECTED: "requests rps p50_ms errors" of one wrk run's WRK line.
wrk_summary() {
    local line requests duration_us p50_us p99_us socket_errors timeouts codes ok
    line=$(grep '^WRK ' "$1")
    eval "$(sed 's/^WRK //' <<<"$line" | tr ' ' '\n' | sed 's/^\([a-z0-9_]*\)=\(.*\)$/\1="\2"/')"
    ok=$(tr ',' '\n' <<<"$codes" | awk -F= -v s="$2" '$1 == s { print $2 }')
    awk -v r="$requests" -v d="$duration_us" -v p="$p50_us" -v e=$((requests - ${ok:-0} + socket_errors + timeouts)) \
        'BEGIN { printf "%d %.0f %.2f %d", r, r / (d / 1e6), p / 1000, e }'
}

# replica_run NAME REPORT_PORT|"": (a) through the primary-only server for DURATION seconds,
# and, when a port is given, (d) through that server at the same time.
replica_run() {
    local name=$1 report_port=$2 p0 s0 r0 w0 p1 s1 r1 w1
    caught_up
    settle_primary
    p0=$(cluster_ticks primary); s0=$(cluster_ticks standby)
    r0=$(cpu_ticks "$SERVER_PRIMARY_ONLY"); w0=$(cpu_ticks "$SERVER_WITH_REPLICA")
    BENCH_DIR=$BENCH_DIR BENCH_EVENTS=$replica_ids_a BENCH_TOKEN=$PARTNER_TOKEN BENCH_RUN=$((RANDOM + 100)) \
        BENCH_MODES=mixed wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$BENCH_DIR/register.lua" \
        "$BASE" >"$OUT/replica-a.txt" &
    local wrk_a=$!
    if [[ -n $report_port ]]; then
        BENCH_DIR=$BENCH_DIR wrk -t2 -c"${BENCH_REPORT_CONNECTIONS:-4}" -d"${DURATION}s" --timeout 10s \
            -s "$BENCH_DIR/get.lua" -H "Authorization: Bearer $ADMIN_TOKEN" \
            "http://127.0.0.1:$report_port/api/v1/events/$replica_event/report" >"$OUT/replica-d.txt"
    fi
    wait "$wrk_a"
    p1=$(cluster_ticks primary); s1=$(cluster_ticks standby)
    r1=$(cpu_ticks "$SERVER_PRIMARY_ONLY"); w1=$(cpu_ticks "$SERVER_WITH_REPLICA")
    local a d="" requests rps p50 errors
    read -r requests rps p50 errors <<<"$(wrk_summary "$OUT/replica-a.txt" 201)"
    ((errors == 0)) || fail "replica, $name: (a) had $errors errors"
    a="(a) $requests requests, $rps req/s, p50 $p50 ms"
    if [[ -n $report_port ]]; then
        local d_requests d_rps d_p50 d_errors
        read -r d_requests d_rps d_p50 d_errors <<<"$(wrk_summary "$OUT/replica-d.txt" 200)"
        ((d_errors == 0)) || fail "replica, $name: (d) had $d_errors errors"
        d="; (d) $d_requests requests, $d_rps req/s, p50 $d_p50 ms"
    fi
    local secs="awk -v hz=$TICKS"
    local primary_s standby_s servers_s
    primary_s=$($secs -v t=$((p1 - p0)) 'BEGIN { printf "%.1f", t / hz }')
    standby_s=$($secs -v t=$((s1 - s0)) 'BEGIN { printf "%.1f", t / hz }')
    servers_s=$($secs -v t=$((r1 - r0 + w1 - w0)) 'BEGIN { printf "%.1f", t / hz }')
    printf '%s\t%s\t%s\t\t%s\t\t\t\t%s\n' "replica: $name" "$rps" "$p50" "$errors" \
        "$a$d; CPU s in ${DURATION} s: primary $primary_s, replica $standby_s, servers $servers_s" >>"$RESULTS"
    printf '   %-34s %s%s; CPU seconds: primary %s, replica %s, servers %s\n' "$name" "$a" "$d" \
        "$primary_s" "$standby_s" "$servers_s" >&2
}
settle_primary() { psql "$PG_URL/postgres" -X -qAt -c "CHECKPOINT" >/dev/null; }

# The report the replica serves is the primary's (its data caught up): the same totals.
caught_up
from_primary=$(curl -fsS -H "Authorization: Bearer $ADMIN_TOKEN" "$API/events/$replica_event/report" | jq -c .totals)
from_replica=$(curl -fsS -H "Authorization: Bearer $ADMIN_TOKEN" \
    "http://127.0.0.1:$PORT_WITH_REPLICA/api/v1/events/$replica_event/report" | jq -c .totals)
[[ $from_primary == "$from_replica" ]] || fail "replica: totals $from_replica on the replica, $from_primary on the primary"
[[ $(curl -fsS "http://127.0.0.1:$PORT_WITH_REPLICA/readyz" | jq -r .replica.state) == streaming ]] ||
    fail "replica: the server with a replica does not read from it"

replica_run "(a) alone" ""
replica_run "(a), (d) on the primary" "$PORT_PRIMARY_ONLY"
replica_run "(a), (d) on the replica" "$PORT_WITH_REPLICA"
LAST_OK=0
echo "   $(check_seats "replica" "$replica_ids_a")" >&2

replica_cleanup
trap cleanup EXIT
REPLICA_SERVERS=()
eval "$saved_globals"
