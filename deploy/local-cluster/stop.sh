#!/usr/bin/env bash
# Stops the cluster that start.sh started in WORK_DIR, by the pids in WORK_DIR/pids: SIGTERM, and
# SIGKILL for what still runs 15 s later. Only processes that are Flink JVMs are signalled, so a
# stale pids file never hits an unrelated process that reused a pid.
#
#   deploy/local-cluster/stop.sh --work-dir /tmp/flink-local
set -euo pipefail

work_dir=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --work-dir) work_dir="${2:?--work-dir needs a value}"; shift 2 ;;
    *) echo "usage: stop.sh --work-dir DIR" >&2; exit 2 ;;
  esac
done
if [[ -z "$work_dir" ]]; then
  echo "usage: stop.sh --work-dir DIR" >&2
  exit 2
fi
pids_file="$work_dir/pids"
if [[ ! -f "$pids_file" ]]; then
  echo "No $pids_file: nothing to stop." >&2
  exit 0
fi

is_flink() {
  local cmdline
  cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline")" || return 1
  [[ "$cmdline" == *org.apache.flink.runtime.* ]]
}

pids=()
while read -r pid; do
  [[ -z "$pid" ]] && continue
  if is_flink "$pid"; then
    pids+=("$pid")
  else
    echo "pid $pid is not running a Flink process any more; skipped"
  fi
done <"$pids_file"

for pid in "${pids[@]}"; do
  kill -TERM "$pid" 2>/dev/null || true
done
for pid in "${pids[@]}"; do
  for _ in $(seq 150); do
    is_flink "$pid" || break
    sleep 0.1
  done
  if is_flink "$pid"; then
    echo "pid $pid did not stop within 15 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  echo "stopped pid $pid"
done
rm -f "$pids_file" "$work_dir/rest-address"
