#!/usr/bin/env bash
# Creates a topic (if it does not exist yet) with Kafka's own TopicCommand, from the jars
# kafka-up.sh uses: for machines without kafka-topics.sh. `npm run kafka:topic -- NAME` runs it.
#
#   deploy/kafka/kafka-topic.sh NAME [--partitions N] [--bootstrap-server HOST:PORT] [--dir DIR]
#
# The broker: --bootstrap-server, else BASELINER_KAFKA_BROKERS, else the one kafka-up.sh started
# (in DIR, default .tmp/kafka). --partitions: default 4 (one Kafka intake per partition at most).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(cd "${here}/../.." && pwd)/.tmp/kafka"
topic=""
partitions=4
brokers="${BASELINER_KAFKA_BROKERS:-}"
usage="use: kafka-topic.sh NAME [--partitions N] [--bootstrap-server HOST:PORT] [--dir DIR]"
while [ $# -gt 0 ]; do
  case "$1" in
    --partitions) partitions="$2"; shift 2 ;;
    --bootstrap-server) brokers="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -*) echo "kafka-topic.sh: unknown option $1 (${usage})" >&2; exit 2 ;;
    *) [ -z "${topic}" ] || { echo "kafka-topic.sh: one topic at a time (${usage})" >&2; exit 2; }; topic="$1"; shift ;;
  esac
done
[ -n "${topic}" ] || { echo "kafka-topic.sh: which topic? (${usage})" >&2; exit 2; }
if [ -z "${brokers}" ]; then
  if [ -f "${dir}/pid" ] && kill -0 "$(cat "${dir}/pid")" 2>/dev/null && [ -f "${dir}/port" ]; then
    brokers="127.0.0.1:$(cat "${dir}/port")"
  else
    echo "kafka-topic.sh: no broker: start one with npm run kafka:up, or name yours with --bootstrap-server or BASELINER_KAFKA_BROKERS" >&2
    exit 1
  fi
fi
# 15 s, not the admin client's 60, to say that a broker does not answer.
config="$(mktemp)"
trap 'rm -f "${config}"' EXIT
printf "default.api.timeout.ms=15000\nrequest.timeout.ms=10000\n" > "${config}"
out="$("${here}/kafka-run-class.sh" org.apache.kafka.tools.TopicCommand --bootstrap-server "${brokers}" --command-config "${config}" \
  --create --if-not-exists --topic "${topic}" --partitions "${partitions}" 2>&1)" || {
  echo "kafka-topic.sh: could not create ${topic} on ${brokers}: $(grep -v '^WARNING: Due to limitations in metric names' <<<"${out}" | tail -3)" >&2
  exit 1
}
if grep -q '^Created topic' <<<"${out}"; then
  echo "created topic ${topic} on ${brokers} (${partitions} partitions)"
else
  echo "topic ${topic} exists already on ${brokers}"
fi
