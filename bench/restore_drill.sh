#!/usr/bin/env bash
# Restore drill: back up a database holding the demo borough with pg_dump, destroy it,
# restore it, and prove nothing was lost: every table's row count, every sequence, and the
# audit chain (`audit_verify` against the head published before the backup).
#
#   bench/restore_drill.sh [--children N] [--audit-rows N]   defaults 3000 (the demo) and 20000
#
# Starts its own throwaway durable PostgreSQL (bin/postgres start --durable) and removes it
# at the end. Prints the figures recorded in docs/operations.md.
set -euo pipefail
cd "$(dirname "$0")/.."

CHILDREN=3000
AUDIT_ROWS=20000
while [ $# -gt 0 ]; do
  case "$1" in
    --children) CHILDREN=${2:?--children N}; shift ;;
    --audit-rows) AUDIT_ROWS=${2:?--audit-rows N}; shift ;;
    *) echo "usage: bench/restore_drill.sh [--children N] [--audit-rows N]" >&2; exit 2 ;;
  esac
  shift
done

# A cluster of its own (installing PostgreSQL if missing), whatever PG* variables are set.
eval "$(env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE bin/postgres start --durable)"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/isahub-restore.XXXXXX)
trap 'bin/postgres stop "$ISAHUB_PG_DIR"; rm -rf "$WORK"' EXIT
export DJANGO_SETTINGS_MODULE=config.settings.test
PY=.venv/bin/python

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }
sql() { "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
human() { numfmt --to=iec-i --suffix=B "$1"; }

# Exact row counts of every table, and the value of every sequence, as "name value" lines.
inventory() {
  sql -d "${1:-$PGDATABASE}" <<'SQL'
SELECT 'table ' || table_name || ' ' ||
       (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', table_name), false, true, '')))[1]::text
FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
UNION ALL
SELECT 'sequence ' || sequencename || ' ' || coalesce(last_value::text, 'unused') FROM pg_sequences WHERE schemaname = 'public'
ORDER BY 1;
SQL
}

say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $(nproc) cores; demo borough with $CHILDREN children"
t=$(now)
$PY manage.py migrate --no-input >/dev/null
$PY manage.py seed_demo --children "$CHILDREN" >/dev/null
# A history for the audit chain to prove: synthetic failed sign-ins, through audit_record.
$PY manage.py shell -c "
from django.db import transaction
from isahub.audit.services import audit_record
for start in range(0, $AUDIT_ROWS, 1000):
    with transaction.atomic():
        for i in range(start, min(start + 1000, $AUDIT_ROWS)):
            audit_record(action='auth.login_failed', actor_username=f'drill-{i}', reason='restore drill')
"
LOAD_S=$(since "$t")

t=$(now)
$PY manage.py audit_seal --grace 0 >/dev/null
HEAD=$(sql -c "SELECT id || ':' || digest FROM audit_auditseal ORDER BY id DESC LIMIT 1")
SEAL_S=$(since "$t")
inventory >"$WORK/before.txt"
ROWS=$(awk '$1 == "table" {s += $3} END {print s}' "$WORK/before.txt")
TABLES=$(grep -c '^table ' "$WORK/before.txt")
DB_BYTES=$(sql -c "SELECT pg_database_size(current_database())")
AUDIT_COUNT=$(awk '$2 == "audit_auditentry" {print $3}' "$WORK/before.txt")

say "Backing up with pg_dump (custom format)"
t=$(now)
"$PG_BIN/pg_dump" --format=custom --compress=6 --file="$WORK/isahub.dump" "$PGDATABASE"
DUMP_S=$(since "$t")
DUMP_BYTES=$(stat -c %s "$WORK/isahub.dump")
"$PG_BIN/pg_restore" --list "$WORK/isahub.dump" >/dev/null  # the archive's table of contents reads back

say "Destroying the database"
t=$(now)
sql -d postgres -c "DROP DATABASE $PGDATABASE WITH (FORCE)"
DROP_S=$(since "$t")
if sql -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$PGDATABASE'" | grep -q 1; then
  echo "the database is still there" >&2; exit 1
fi

say "Restoring"
t=$(now)
sql -d postgres -c "CREATE DATABASE $PGDATABASE OWNER $PGUSER"
"$PG_BIN/pg_restore" --exit-on-error --jobs=2 --dbname="$PGDATABASE" "$WORK/isahub.dump"
RESTORE_S=$(since "$t")

say "Checking"
inventory >"$WORK/after.txt"
if ! diff -u "$WORK/before.txt" "$WORK/after.txt"; then
  echo "FAILED: row counts or sequences differ after the restore" >&2; exit 1
fi
t=$(now)
VERIFY=$($PY manage.py audit_verify --expect-head "$HEAD")
VERIFY_S=$(since "$t")
echo "$VERIFY"
TRIGGERS=$(sql -c "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text IN ('audit_auditentry', 'audit_auditseal')")
[ "$TRIGGERS" -eq 2 ] || { echo "FAILED: the append-only triggers did not come back ($TRIGGERS)" >&2; exit 1; }
if sql -c "DELETE FROM audit_auditentry WHERE id = (SELECT min(id) FROM audit_auditentry)" 2>/dev/null; then
  echo "FAILED: the restored audit trail accepts a DELETE" >&2; exit 1
fi
$PY manage.py migrate --check >/dev/null  # the restored schema is the code's schema

cat <<EOF

Restore drill: $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')
  demo borough:      $CHILDREN children; $TABLES tables, $ROWS rows ($AUDIT_COUNT audit rows); database $(human "$DB_BYTES")
  load (migrate + seed_demo + $AUDIT_ROWS audit rows): ${LOAD_S} s;  seal: ${SEAL_S} s;  head $HEAD
  pg_dump -Fc:       ${DUMP_S} s, $(human "$DUMP_BYTES")
  DROP DATABASE:     ${DROP_S} s
  pg_restore -j 2:   ${RESTORE_S} s
  row counts and sequences: identical ($TABLES tables, $(grep -c '^sequence ' "$WORK/before.txt") sequences)
  audit_verify --expect-head: OK in ${VERIFY_S} s; append-only triggers restored and refusing DELETE
EOF
