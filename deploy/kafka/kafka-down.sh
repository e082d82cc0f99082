#!/usr/bin/env bash
# Stops the broker kafka-up.sh started (SIGTERM, then SIGKILL after 30 s). Idempotent.
#
#   deploy/kafka/kafka-down.sh [--dir DIR] [--purge]    # --purge also deletes its data
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(cd "${here}/../.." && pwd)/.tmp/kafka"
purge=false
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --purge) purge=true; shift ;;
    *) echo "kafka-down.sh: unknown argument $1 (use --dir DIR, --purge)" >&2; exit 2 ;;
  esac
done
if [ -f "${dir}/pid" ]; then
  pid="$(cat "${dir}/pid")"
  if kill -0 "${pid}" 2>/dev/null; then
    kill -TERM "${pid}"
    for _ in $(seq 1 60); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.5; done
    kill -0 "${pid}" 2>/dev/null && kill -KILL "${pid}"
  fi
  rm -f "${dir}/pid"
fi
if [ "${purge}" = true ]; then rm -rf "${dir}" "${dir}.lock"; fi
