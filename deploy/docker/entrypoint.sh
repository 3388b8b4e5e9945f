#!/bin/sh
# Entry point of the q2c image: one image per service, several ways to run it.
#
#   api              the HTTP API only (RUN_BACKGROUND_WORKERS=false): no Kafka producer, relay,
#                    consumer or jobs; scale it on requests
#   worker           the outbox relay, the event consumer and the service's jobs (invoice runs)
#                    (RUN_BACKGROUND_WORKERS=true); it serves HTTP only for its probes, so no
#                    Service or Ingress points at it
#   all              both in one process, as `make run` does (compose, small installations)
#   migrate          alembic upgrade head on the service's database (DATABASE_URL)
#   wait-for-schema  wait until the database is at the image's migration head (or newer), then
#                    exit 0: an init container, so pods never start on an old schema
#   anything else    run as a command (`python`, `alembic current`, `sh`)
#
# SERVICE (quote-svc, order-svc, invoice-svc, payment-svc) is baked into the image; PORT
# (default 8000) is where api, worker and all listen. APP_ROOT (default /app) holds
# services/<SERVICE>/alembic.ini and its migrations.
set -eu

: "${SERVICE:?SERVICE must name the service, e.g. invoice-svc}"
APP_ROOT="${APP_ROOT:-/app}"
PORT="${PORT:-8000}"
MODULE="$(echo "${SERVICE%-svc}" | tr - _)_svc"
ALEMBIC_INI="${APP_ROOT}/services/${SERVICE}/alembic.ini"
export SERVICE_NAME="${SERVICE_NAME:-${SERVICE}}"

serve() {
    # One uvicorn process per container: replicas, not processes, are the unit of scale.
    exec python -m uvicorn "${MODULE}.app:create_app" --factory \
        --host "${HOST:-0.0.0.0}" --port "${PORT}" \
        --timeout-graceful-shutdown "${GRACEFUL_SHUTDOWN_SECONDS:-20}"
}

mode="${1:-api}"
case "${mode}" in
    api)
        export RUN_BACKGROUND_WORKERS=false
        serve
        ;;
    worker|all)
        export RUN_BACKGROUND_WORKERS=true
        serve
        ;;
    migrate)
        cd "${APP_ROOT}"
        exec python -m alembic -c "${ALEMBIC_INI}" upgrade head
        ;;
    wait-for-schema)
        cd "${APP_ROOT}"
        exec python "$(dirname "$0")/wait_for_schema.py" "${ALEMBIC_INI}"
        ;;
    -*)
        echo "q2c-entrypoint: unknown option ${mode}; modes: api worker all migrate wait-for-schema" >&2
        exit 64
        ;;
    *)
        exec "$@"
        ;;
esac
