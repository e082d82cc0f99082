#!/usr/bin/env bash
# Starts a single-node Apache Kafka broker (KRaft: broker and controller in one JVM) from its
# Maven Central jars, for tests, CI and local runs on machines without Docker. Idempotent: if the
# broker of this directory is already running, it only prints its address.
#
#   deploy/kafka/kafka-up.sh [--dir DIR] [--topic NAME]…   # default DIR: .tmp/kafka in the repository
#
# The only line on stdout is the bootstrap address (host:port), for BASELINER_KAFKA_BROKERS:
# `export BASELINER_KAFKA_BROKERS=$(npm run -s kafka:up)`. The port is a free one, chosen at the
# first start and kept. --topic creates that topic too, if it does not exist (kafka-topic.sh:
# 4 partitions); what is said about it goes to stderr.
# Needs java (17+) and mvn; the jars (~56 MB) are cached in ~/.cache/baseliner/kafka-<version>.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
dir="${repo}/.tmp/kafka"
topics=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --topic) topics+=("$2"); shift 2 ;;
    *) echo "kafka-up.sh: unknown argument $1 (use --dir DIR, --topic NAME)" >&2; exit 2 ;;
  esac
done
mkdir -p "${dir}"
dir="$(cd "${dir}" && pwd)"
# One start at a time per directory: test files running side by side may all ask for the broker.
exec 9>"${dir}.lock"
flock 9

log() { echo "kafka-up: $*" >&2; }
# shellcheck source=lib.sh
. "${here}/lib.sh"
# The topics asked for, on the broker at $1 (output on stderr: stdout is the address alone).
create_topics() {
  local topic
  for topic in ${topics[@]+"${topics[@]}"}; do "${here}/kafka-topic.sh" "${topic}" --bootstrap-server "$1" >&2; done
}
port_open() { node -e "require('net').connect($1, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"; }

if [ -f "${dir}/pid" ] && kill -0 "$(cat "${dir}/pid")" 2>/dev/null && [ -f "${dir}/port" ] && port_open "$(cat "${dir}/port")"; then
  log "broker already running on 127.0.0.1:$(cat "${dir}/port") (pid $(cat "${dir}/pid"), data in ${dir}; npm run kafka:down stops it)"
  create_topics "127.0.0.1:$(cat "${dir}/port")"
  echo "127.0.0.1:$(cat "${dir}/port")"
  exit 0
fi

command -v java >/dev/null || { log "java is not installed (Kafka needs Java 17+)"; exit 1; }
version="$(kafka_version)"
lib="$(kafka_jars)"

# Two free ports: the broker's and the controller's. A port of a stopped broker is reused, so
# clients that knew it find the restarted broker at the same address.
if [ -f "${dir}/port" ] && ! port_open "$(cat "${dir}/port")"; then
  port="$(cat "${dir}/port")"; controller_port="$(cat "${dir}/controller-port")"
else
  read -r port controller_port < <(node -e "
    const net = require('net');
    const free = () => new Promise((ok) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); });
    Promise.all([free(), free()]).then(([a, b]) => console.log(a, b));")
fi

cat > "${dir}/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller_port}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${dir}/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPERTIES

cat > "${dir}/log4j2.properties" <<'LOG4J'
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka.server.KafkaServer
logger.kafka.level = info
LOG4J

java_opts=(-Xms128m -Xmx512m -Dkafka.logs.dir="${dir}" -Dlog4j2.configurationFile="${dir}/log4j2.properties")
if [ ! -f "${dir}/data/meta.properties" ]; then
  cluster_id="$(java "${java_opts[@]}" -cp "${lib}/*" kafka.tools.StorageTool random-uuid)"
  java "${java_opts[@]}" -cp "${lib}/*" kafka.tools.StorageTool format -t "${cluster_id}" -c "${dir}/server.properties" >&2
fi

echo "${port}" > "${dir}/port"
echo "${controller_port}" > "${dir}/controller-port"
# 9>&-: the broker must not inherit the start lock, or it would hold it for its whole life.
nohup java "${java_opts[@]}" -cp "${lib}/*" kafka.Kafka "${dir}/server.properties" > "${dir}/kafka.out" 2>&1 9>&- &
echo $! > "${dir}/pid"

for _ in $(seq 1 120); do
  if port_open "${port}"; then
    log "broker ${version} listening on 127.0.0.1:${port} (pid $(cat "${dir}/pid"), data in ${dir}; npm run kafka:down stops it)"
    create_topics "127.0.0.1:${port}"
    echo "127.0.0.1:${port}"
    exit 0
  fi
  if ! kill -0 "$(cat "${dir}/pid")" 2>/dev/null; then
    log "the broker exited; its output:"; tail -30 "${dir}/kafka.out" >&2; tail -30 "${dir}/server.log" >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.5
done
log "the broker did not listen within 60 s; see ${dir}/kafka.out and ${dir}/server.log"
exit 1
