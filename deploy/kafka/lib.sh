# Sourced by the scripts here: where Kafka's jars are, resolved from Maven Central on first use.
# kafka_jars prints the directory (~56 MB, cached in ~/.cache/baseliner/kafka-<version>, or
# KAFKA_LIB_DIR); what it says about resolving goes to stderr. Needs mvn the first time.
kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$(dirname "${BASH_SOURCE[0]}")/pom.xml"; }
kafka_jars() {
  local here version lib
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  version="$(kafka_version)"
  lib="${KAFKA_LIB_DIR:-${HOME}/.cache/baseliner/kafka-${version}}"
  if [ ! -f "${lib}/.complete" ]; then
    command -v mvn >/dev/null || { echo "kafka: mvn is not installed: it resolves Kafka's jars from Maven Central" >&2; return 1; }
    echo "kafka: resolving Kafka ${version} jars from Maven Central into ${lib}" >&2
    rm -rf "${lib}" && mkdir -p "${lib}" || return 1
    mvn -q -B -f "${here}/pom.xml" dependency:copy-dependencies -DoutputDirectory="${lib}" -DincludeScope=runtime >&2 || return 1
    touch "${lib}/.complete" || return 1
  fi
  echo "${lib}"
}
