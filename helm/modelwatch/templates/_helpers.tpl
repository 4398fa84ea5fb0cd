{{/*
Constants shared with the image and the job. deploy/Dockerfile copies the job jar to
modelwatch.jarPath; helm/ tests check that the two agree.
*/}}
{{- define "modelwatch.jarPath" -}}/opt/flink/usrlib/modelwatch-job.jar{{- end }}
{{- define "modelwatch.entryClass" -}}io.modelwatch.jobs.MonitoringJob{{- end }}
{{- define "modelwatch.thresholdsDir" -}}/opt/modelwatch/thresholds{{- end }}
{{- define "modelwatch.kafkaDir" -}}/opt/modelwatch/kafka{{- end }}
{{- define "modelwatch.metricsPort" -}}9249{{- end }}
{{/* The JobManager's REST port: the operator's default rest.port, on the <fullname>-rest Service. */}}
{{- define "modelwatch.restPort" -}}8081{{- end }}

{{/*
pipeline.max-parallelism: the number of key groups the keyed state is split into. It is written
into every checkpoint and savepoint, and a job cannot restore state taken with another value,
so it is a constant and not a value. 128 allows any parallelism up to 128 and keeps the
per-key-group overhead small.
*/}}
{{- define "modelwatch.maxParallelism" -}}128{{- end }}

{{- define "modelwatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: the FlinkDeployment's name and so the Flink cluster id, which Flink limits to 45
characters (it derives Service and ConfigMap names from it). Failing is better than a silent
truncation: the name also names the HA ConfigMaps and storage paths of a running job.
*/}}
{{- define "modelwatch.fullname" -}}
{{- $name := "" }}
{{- if .Values.fullnameOverride }}
{{- $name = .Values.fullnameOverride }}
{{- else }}
{{- $chartName := default .Chart.Name .Values.nameOverride }}
{{- if contains $chartName .Release.Name }}
{{- $name = .Release.Name }}
{{- else }}
{{- $name = printf "%s-%s" .Release.Name $chartName }}
{{- end }}
{{- end }}
{{- $name = $name | trimSuffix "-" }}
{{- if gt (len $name) 45 }}
{{- fail (printf "the FlinkDeployment name %q is %d characters; Flink cluster ids are at most 45: use a shorter release name or fullnameOverride" $name (len $name)) }}
{{- end }}
{{- $name }}
{{- end }}

{{- define "modelwatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of the chart's own objects. Not for the pod template: a label that changes with the
chart version there would turn every chart upgrade into a job upgrade.
*/}}
{{- define "modelwatch.labels" -}}
helm.sh/chart: {{ include "modelwatch.chart" . }}
{{ include "modelwatch.selectorLabels" . }}
app.kubernetes.io/version: {{ include "modelwatch.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: modelwatch
{{- end }}

{{/* Stable labels: on the Flink pods too, and what the PodMonitor selects. */}}
{{- define "modelwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "modelwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "modelwatch.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "modelwatch.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "modelwatch.imageTag" .) }}
{{- end }}

{{- define "modelwatch.serviceAccountName" -}}
{{- required "serviceAccount.name is required: the Flink pods need an account that may manage pods and configmaps" .Values.serviceAccount.name }}
{{- end }}

{{/*
The thresholds ConfigMap is named after its content: the first 10 hex digits of the SHA-256 of
the thresholds file. Other thresholds are another ConfigMap and another name in the pod
template, so the FlinkDeployment's spec changes with them (a savepoint upgrade), and a spec
rolled back by the operator or by `helm rollback` names the file it ran with, which is kept.
10 digits: a collision among the few thresholds versions of one release is out of reach.
*/}}
{{- define "modelwatch.thresholdsHash" -}}{{ include "modelwatch.thresholdsYaml" . | sha256sum | trunc 10 }}{{- end }}
{{- define "modelwatch.thresholdsConfigMap" -}}{{ include "modelwatch.fullname" . }}-thresholds-{{ include "modelwatch.thresholdsHash" . }}{{- end }}
{{- define "modelwatch.kafkaSecretCreated" -}}{{ include "modelwatch.fullname" . }}-kafka-client{{- end }}

{{/* The thresholds file, exactly as the ConfigMap holds it and its name's hash covers it. */}}
{{- define "modelwatch.thresholdsYaml" -}}
{{- toYaml .Values.thresholds }}
{{- end }}

{{/* Whether the job gets --kafka-properties: "true" or "". */}}
{{- define "modelwatch.kafkaSecurity" -}}
{{- $sec := .Values.kafka.security }}
{{- if and $sec.existingSecret $sec.properties }}
{{- fail "kafka.security: set either existingSecret or properties, not both" }}
{{- end }}
{{- if or $sec.existingSecret $sec.properties }}true{{ end }}
{{- end }}

{{/* Name of the Secret with kafka.properties (existing, or created by the chart). */}}
{{- define "modelwatch.kafkaSecretName" -}}
{{- if .Values.kafka.security.existingSecret }}
{{- .Values.kafka.security.existingSecret }}
{{- else }}
{{- include "modelwatch.kafkaSecretCreated" . }}
{{- end }}
{{- end }}

{{/* kafka.security.properties as a Java properties file (backslashes escaped). */}}
{{- define "modelwatch.kafkaProperties" -}}
{{- range $key, $value := .Values.kafka.security.properties }}
{{ $key }}={{ toString $value | replace "\\" "\\\\" }}
{{- end }}
{{- end }}

{{/*
kafka.tls: the mount directories of the truststore and keystore Secrets. A file the chart-made
properties name under one of them needs its Secret: fail early rather than let the job fail
at start on a missing file.
*/}}
{{- define "modelwatch.truststoreDir" -}}{{ .Values.kafka.tls.mountPath | trimSuffix "/" }}/truststore{{- end }}
{{- define "modelwatch.keystoreDir" -}}{{ .Values.kafka.tls.mountPath | trimSuffix "/" }}/keystore{{- end }}
{{- define "modelwatch.checkTls" -}}
{{- $tls := .Values.kafka.tls }}
{{- if hasPrefix (printf "%s/" (include "modelwatch.kafkaDir" .)) (printf "%s/" ($tls.mountPath | trimSuffix "/")) }}
{{- fail (printf "kafka.tls.mountPath %s is inside %s, where the Kafka properties Secret is mounted: use another directory" $tls.mountPath (include "modelwatch.kafkaDir" .)) }}
{{- end }}
{{- range $key, $value := .Values.kafka.security.properties }}
{{- $v := toString $value }}
{{- if and (hasPrefix (printf "%s/" (include "modelwatch.truststoreDir" $)) $v) (not $tls.truststoreSecret) }}
{{- fail (printf "kafka.security.properties.%s points into %s, but kafka.tls.truststoreSecret is empty" $key (include "modelwatch.truststoreDir" $)) }}
{{- end }}
{{- if and (hasPrefix (printf "%s/" (include "modelwatch.keystoreDir" $)) $v) (not $tls.keystoreSecret) }}
{{- fail (printf "kafka.security.properties.%s points into %s, but kafka.tls.keystoreSecret is empty" $key (include "modelwatch.keystoreDir" $)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Base URI of checkpoints, savepoints and HA metadata. */}}
{{- define "modelwatch.storageBase" -}}
{{- if eq .Values.storage.type "s3" }}
{{- required "storage.s3.uri is required when storage.type is s3, e.g. s3://my-bucket/modelwatch" .Values.storage.s3.uri | trimSuffix "/" }}
{{- else }}
{{- printf "file://%s" (.Values.storage.pvc.mountPath | trimSuffix "/") }}
{{- end }}
{{- end }}

{{- define "modelwatch.pvcName" -}}
{{- if .Values.storage.pvc.create }}
{{- include "modelwatch.fullname" . }}-data
{{- else }}
{{- required "storage.pvc.existingClaim is required when storage.type is pvc and storage.pvc.create is false" .Values.storage.pvc.existingClaim }}
{{- end }}
{{- end }}

{{/*
The job's command line, the same flags as `bin/modelwatch run`. Every flag is passed, defaults
included, so the FlinkDeployment shows everything in force.
*/}}
{{- define "modelwatch.args" -}}
{{- $k := .Values.kafka }}
{{- $bootstrap := required "kafka.bootstrapServers is required: the Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]" $k.bootstrapServers }}
{{- $args := list
  "--bootstrap-servers" $bootstrap
  "--group-id" $k.groupId
  "--job-name" .Values.job.name
  "--thresholds" (printf "%s/thresholds.yaml" (include "modelwatch.thresholdsDir" .))
  "--predictions-topic" $k.topics.predictions
  "--labels-topic" $k.topics.labels
  "--control-topic" $k.topics.control
  "--triggers-topic" $k.topics.triggers
  "--health-topic" $k.topics.health
  "--dead-letters-topic" $k.topics.deadLetters }}
{{- if include "modelwatch.kafkaSecurity" . }}
{{- $args = concat $args (list "--kafka-properties" (printf "%s/kafka.properties" (include "modelwatch.kafkaDir" .))) }}
{{- end }}
{{- $args = concat $args .Values.job.extraArgs }}
{{- toYaml $args }}
{{- end }}

{{/*
The Flink configuration: the chart's keys, then .Values.flinkConfiguration, which may add keys
but not replace the chart's (each has its own value, and some must never change).
*/}}
{{- define "modelwatch.flinkConfiguration" -}}
{{- $base := include "modelwatch.storageBase" . }}
{{- $cp := .Values.checkpointing }}
{{- $rs := .Values.restartStrategy }}
{{- $conf := dict
  "pipeline.max-parallelism" (include "modelwatch.maxParallelism" .)
  "taskmanager.numberOfTaskSlots" (int .Values.taskManager.slots)
  "state.backend.type" "rocksdb"
  "execution.checkpointing.incremental" "true"
  "execution.checkpointing.mode" "EXACTLY_ONCE"
  "execution.checkpointing.interval" $cp.interval
  "execution.checkpointing.timeout" $cp.timeout
  "execution.checkpointing.min-pause" $cp.minPause
  "execution.checkpointing.num-retained" (int $cp.retained)
  "execution.checkpointing.externalized-checkpoint-retention" "RETAIN_ON_CANCELLATION"
  "execution.checkpointing.dir" (printf "%s/checkpoints" $base)
  "execution.checkpointing.savepoint-dir" (printf "%s/savepoints" $base)
  "high-availability.type" "kubernetes"
  "high-availability.storageDir" (printf "%s/ha" $base)
  "restart-strategy.type" "exponential-delay"
  "restart-strategy.exponential-delay.initial-backoff" $rs.initialBackoff
  "restart-strategy.exponential-delay.max-backoff" $rs.maxBackoff
  "restart-strategy.exponential-delay.backoff-multiplier" $rs.backoffMultiplier
  "restart-strategy.exponential-delay.reset-backoff-threshold" $rs.resetBackoffThreshold
  "restart-strategy.exponential-delay.jitter-factor" $rs.jitterFactor
  "metrics.reporter.prom.factory.class" "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
  "metrics.reporter.prom.port" (include "modelwatch.metricsPort" .) }}
{{- if eq .Values.storage.type "s3" }}
{{- if .Values.storage.s3.endpoint }}
{{- $_ := set $conf "s3.endpoint" .Values.storage.s3.endpoint }}
{{- end }}
{{- if .Values.storage.s3.pathStyleAccess }}
{{- $_ := set $conf "s3.path.style.access" "true" }}
{{- end }}
{{- end }}
{{- if .Values.savepoints.periodicInterval }}
{{- $_ := set $conf "kubernetes.operator.periodic.savepoint.interval" .Values.savepoints.periodicInterval }}
{{- end }}
{{- $_ := set $conf "kubernetes.operator.job.savepoint-on-deletion" (ternary "true" "false" .Values.savepoints.onDeletion) }}
{{- $_ := set $conf "kubernetes.operator.savepoint.format.type" .Values.savepoints.formatType }}
{{- $_ := set $conf "kubernetes.operator.savepoint.dispose-on-delete" (ternary "true" "false" .Values.savepoints.disposeOnDelete) }}
{{- $_ := set $conf "state.backend.rocksdb.localdir" .Values.rocksdb.localDir.mountPath }}
{{- range $key, $value := .Values.flinkConfiguration }}
{{- if hasKey $conf $key }}
{{- fail (printf "flinkConfiguration.%s is set by the chart; use its own value instead (see values.yaml)" $key) }}
{{- end }}
{{- $_ := set $conf $key $value }}
{{- end }}
{{- range $key, $value := $conf }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end }}

{{/*
job.parallelism, checked against taskManager.replicas: with replicas set the operator runs
replicas x slots and ignores job.parallelism, so the two must agree to mean the same thing.
*/}}
{{- define "modelwatch.parallelism" -}}
{{- $p := int .Values.job.parallelism }}
{{- if gt $p (int (include "modelwatch.maxParallelism" .)) }}
{{- fail (printf "job.parallelism %d is above the fixed maximum parallelism %s" $p (include "modelwatch.maxParallelism" .)) }}
{{- end }}
{{- if not (kindIs "invalid" .Values.taskManager.replicas) }}
{{- $slots := int .Values.taskManager.slots }}
{{- $replicas := int .Values.taskManager.replicas }}
{{- if ne $p (mul $replicas $slots) }}
{{- fail (printf "job.parallelism (%d) must equal taskManager.replicas (%d) x taskManager.slots (%d) = %d: with replicas set the operator runs replicas x slots and ignores job.parallelism" $p $replicas $slots (mul $replicas $slots)) }}
{{- end }}
{{- end }}
{{- $p }}
{{- end }}
