#!/usr/bin/env bash
# bin/flink for the cluster that start.sh started: Flink's CliFrontend with the cluster's lib/,
# FLINK_CONF_DIR and Java 17 options. Everything after --work-dir DIR goes to the CLI.
#
#   deploy/local-cluster/flink.sh --work-dir /tmp/flink-local run -d -m "$(cat /tmp/flink-local/rest-address)" \
#       -c io.modelwatch.jobs.MonitoringJob jobs/target/modelwatch-job.jar ARGS...
#   deploy/local-cluster/flink.sh --work-dir /tmp/flink-local list -m "$(cat /tmp/flink-local/rest-address)"
set -euo pipefail

if [[ "${1:-}" != "--work-dir" || -z "${2:-}" ]]; then
  echo "usage: flink.sh --work-dir DIR (run|list|stop|cancel|savepoint|info) ..." >&2
  exit 2
fi
work_dir="$(cd "$2" && pwd)"
shift 2

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$here/target/flink-lib"
conf="$work_dir/conf"
if [[ ! -f "$conf/config.yaml" ]]; then
  echo "No $conf/config.yaml: start the cluster with start.sh --work-dir $work_dir first." >&2
  exit 1
fi

java="java"
if [[ -n "${JAVA_HOME:-}" ]]; then
  java="$JAVA_HOME/bin/java"
fi

# The same env.java.opts.all the cluster's processes got (one line, double-quoted, in config.yaml).
java_opts="$(sed -n 's/^env\.java\.opts\.all: "\(.*\)"$/\1/p' "$conf/config.yaml")"

# shellcheck disable=SC2086 # java_opts is a space-separated option list
FLINK_CONF_DIR="$conf" exec "$java" $java_opts \
  -Dlog.file="$work_dir/log/client.log" \
  -Dlog4j.configurationFile="file:$conf/log4j.properties" \
  -cp "$lib/*" org.apache.flink.client.cli.CliFrontend "$@"
