# The `helm test` check (templates/tests/test-job-running.yaml): exits 0 once the JobManager's
# REST API at REST_HOST:REST_PORT lists a job named JOB_NAME in state RUNNING; asks every 5 s
# until TIMEOUT_SECONDS have passed, then exits 1 with what it saw last. Needs bash alone (an
# HTTP/1.0 GET over /dev/tcp), so it runs in the chart's image without curl.
set -u
deadline=$((SECONDS + TIMEOUT_SECONDS))
last="no answer from ${REST_HOST}:${REST_PORT}"
while :; do
  if { exec 3<>"/dev/tcp/${REST_HOST}/${REST_PORT}"; } 2>/dev/null; then
    printf 'GET /jobs/overview HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$REST_HOST" >&3
    response=$(timeout 10 cat <&3)
    exec 3<&-
    body=${response#*$'\r\n\r\n'}
    # /jobs/overview is {"jobs":[{"jid":...,"name":...,"state":...},...]}: one job per line.
    mine=$(printf '%s\n' "$body" | sed 's/},{"jid"/}\n{"jid"/g' | grep -F "\"name\":\"${JOB_NAME}\"")
    if printf '%s\n' "$mine" | grep -q '"state":"RUNNING"'; then
      echo "job ${JOB_NAME} is RUNNING"
      exit 0
    elif [ -n "$mine" ]; then
      last="job ${JOB_NAME} is $(printf '%s\n' "$mine" | grep -o '"state":"[A-Z_]*"' | cut -d'"' -f4 | tr '\n' ' ')"
    else
      last="no job named ${JOB_NAME} in ${body:0:300}"
    fi
  fi
  if ((SECONDS >= deadline)); then
    echo "FAILED after ${TIMEOUT_SECONDS}s: ${last}" >&2
    exit 1
  fi
  sleep 5
done
