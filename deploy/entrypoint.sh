#!/bin/sh
# The image's entry point: one image, a command per role.
#
#   web [OPTIONS]      kluis serve on 0.0.0.0:${KLUIS_PORT:-8000} (the stores must be migrated)
#   worker [OPTIONS]   kluis worker: background jobs from the PostgreSQL job queue
#   migrate            kluis init: create the stores, apply the migrations, load the default
#                      purposes; run ONCE per upgrade, by one process, before web and worker
#   anything else      passed to kluis as it is (`audit verify`, `backup create /backups`)
#
# KLUIS_MIGRATE=1 makes web and worker run `kluis init` first: for a single container (SQLite,
# or one process on PostgreSQL). With several processes leave it unset and run `migrate` once
# (compose.yaml does), so that migrations run by one process only.
#
# exec hands the process ID to kluis, so `docker stop`'s SIGTERM reaches the server or worker
# and its graceful shutdown runs.
set -eu

KLUIS="${KLUIS_BIN:-kluis}"

migrate_first() {
    if [ "${KLUIS_MIGRATE:-0}" = "1" ]; then
        "$KLUIS" init
    fi
}

if [ "$#" -eq 0 ]; then
    set -- web
fi

case "$1" in
    web)
        shift
        migrate_first
        exec "$KLUIS" serve --host "${KLUIS_HOST:-0.0.0.0}" --port "${KLUIS_PORT:-8000}" "$@"
        ;;
    worker)
        shift
        migrate_first
        exec "$KLUIS" worker "$@"
        ;;
    migrate)
        shift
        exec "$KLUIS" init "$@"
        ;;
    kluis)
        shift
        exec "$KLUIS" "$@"
        ;;
    *)
        exec "$KLUIS" "$@"
        ;;
esac
