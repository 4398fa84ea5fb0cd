#!/usr/bin/env bash
# Starts a local Flink 2.2.0 session cluster (a JobManager and a TaskManager process) in a work
# directory and returns, leaving it running. Build first: mvn -pl deploy/local-cluster -am package
#
#   deploy/local-cluster/start.sh --work-dir /tmp/flink-local [--slots 2]
#
# Writes WORK_DIR/pids, WORK_DIR/rest-address, WORK_DIR/conf (FLINK_CONF_DIR) and WORK_DIR/log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="$here/target"
if [[ ! -d "$target/classes" || ! -d "$target/flink-lib" || ! -d "$target/cli-lib" ]]; then
  echo "Not built yet: run 'mvn -pl deploy/local-cluster -am package' in the repository root first." >&2
  exit 1
fi

java="java"
if [[ -n "${JAVA_HOME:-}" ]]; then
  java="$JAVA_HOME/bin/java"
fi

# setsid: the cluster gets its own session, so closing this terminal does not take it down.
launcher=()
if command -v setsid >/dev/null 2>&1; then
  launcher=(setsid --wait)
fi

exec "${launcher[@]}" "$java" -cp "$target/classes:$target/cli-lib/*" \
  -Dmodelwatch.flink.lib="$target/flink-lib" \
  io.modelwatch.cluster.LocalClusterMain start "$@"
