#!/usr/bin/env bash
# Runs one of Kafka's command-line tools by its class name, from the jars kafka-up.sh uses: the
# same tools as a Kafka distribution's bin/*.sh, for machines that have no Kafka installed.
#
#   deploy/kafka/kafka-run-class.sh CLASS [ARGS…]
#
# The tools of Kafka 4.1 (each takes --help):
#   org.apache.kafka.tools.TopicCommand                          bin/kafka-topics.sh
#   org.apache.kafka.tools.ConsoleProducer                       bin/kafka-console-producer.sh
#   org.apache.kafka.tools.consumer.ConsoleConsumer              bin/kafka-console-consumer.sh
#   org.apache.kafka.tools.consumer.group.ConsumerGroupCommand   bin/kafka-consumer-groups.sh
# Needs java (17+); mvn the first time, to fetch the jars.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "${here}/lib.sh"
[ $# -gt 0 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
command -v java >/dev/null || { echo "kafka-run-class.sh: java is not installed (Kafka needs Java 17+)" >&2; exit 1; }
lib="$(kafka_jars)"
exec java -Xms32m -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="${here}/tools-log4j2.properties" -cp "${lib}/*" "$@"
