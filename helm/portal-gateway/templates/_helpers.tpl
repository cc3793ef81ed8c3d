{{/*
Expand the name of the chart.
*/}}
{{- define "portal-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name, truncated at 63 chars (the DNS label limit).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "portal-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version as used by the chart label.
*/}}
{{- define "portal-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "portal-gateway.labels" -}}
helm.sh/chart: {{ include "portal-gateway.chart" . }}
{{ include "portal-gateway.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: portal-gateway
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels: stable for the release's lifetime, so never the chart version.
*/}}
{{- define "portal-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "portal-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The service account to use.
*/}}
{{- define "portal-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "portal-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The Secret holding the WorkOS key: workos.existingSecret.name when set; else
"<fullname>-workos", which this chart makes from workos.apiKey (development only) or the
operator creates. Setting both workos.apiKey and workos.existingSecret.name is an error.
*/}}
{{- define "portal-gateway.workosSecretName" -}}
{{- if and .Values.workos.apiKey .Values.workos.existingSecret.name }}
{{- fail "Set either workos.apiKey or workos.existingSecret.name, not both" }}
{{- end }}
{{- default (printf "%s-workos" (include "portal-gateway.fullname" .)) .Values.workos.existingSecret.name }}
{{- end }}

{{- define "portal-gateway.workosSecretKey" -}}
{{- if .Values.workos.apiKey }}
{{- "api-key" }}
{{- else }}
{{- .Values.workos.existingSecret.key }}
{{- end }}
{{- end }}

{{/*
The gateway's image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "portal-gateway.image" -}}
{{- include "portal-gateway.imageReference" (dict "image" .Values.image "tag" (default .Chart.AppVersion .Values.image.tag) "global" .Values.global) }}
{{- end }}

{{/*
An image reference: global.imageRegistry (a mirror) in front of the repository, and the digest,
when there is one, instead of the tag (the kubelet pulls by digest then, whatever the tag says).
*/}}
{{- define "portal-gateway.imageReference" -}}
{{- $registry := .global.imageRegistry }}
{{- $repository := ternary (printf "%s/%s" $registry .image.repository) .image.repository (ne $registry "") }}
{{- if .image.digest }}
{{- printf "%s@%s" $repository .image.digest }}
{{- else }}
{{- printf "%s:%s" $repository .tag }}
{{- end }}
{{- end }}

{{/*
Where the token and CA for downloading the JWT issuer's keys from the API server are mounted.
*/}}
{{- define "portal-gateway.kubeApiDir" -}}
/var/run/secrets/portal-gateway/kube-api
{{- end }}

{{/*
"true" when the pod needs the kube-api volume (JWT callers, keys from the API server).
*/}}
{{- define "portal-gateway.kubeApiVolume" -}}
{{- if and .Values.auth.jwt.enabled .Values.auth.jwt.fromApiServer }}true{{- end }}
{{- end }}

{{/*
Whether the Redis certificates chain to a private CA from a Secret or ConfigMap (only with
the Redis store). Setting one turns TLS on.
*/}}
{{- define "portal-gateway.redisCa" -}}
{{- if and (eq .Values.rateLimit.store "redis") (or .Values.redis.tlsCa.secret .Values.redis.tlsCa.configMap) }}
{{- if and .Values.redis.tlsCa.secret .Values.redis.tlsCa.configMap }}
{{- fail "redis.tlsCa.secret and redis.tlsCa.configMap are both set: choose one" }}
{{- end }}true
{{- end }}
{{- end }}

{{/*
JAVA_TOOL_OPTIONS: jvm.options, the direct-memory cap, and the CPUs the JVM sizes itself
for (jvm.activeProcessorCount, else the CPU limit or request rounded up, at least 1).
*/}}
{{- define "portal-gateway.javaToolOptions" -}}
{{- $cpu := .Values.jvm.activeProcessorCount }}
{{- if not $cpu }}
{{- $quantity := toString (or (dig "limits" "cpu" "" .Values.resources) (dig "requests" "cpu" "" .Values.resources) "1") }}
{{- $millis := 0 }}
{{- if hasSuffix "m" $quantity }}
{{- $millis = int (trimSuffix "m" $quantity) }}
{{- else }}
{{- $millis = int (mulf (float64 $quantity) 1000) }}
{{- end }}
{{- $cpu = max 1 (div (add $millis 999) 1000) }}
{{- end }}
{{- .Values.jvm.options }}
{{- with .Values.jvm.maxDirectMemorySize }} -XX:MaxDirectMemorySize={{ . }}{{ end }} -XX:ActiveProcessorCount={{ $cpu }}
{{- end }}

{{/*
Labels of this release's `helm test` pod, which the NetworkPolicy lets reach actuator.
*/}}
{{- define "portal-gateway.testSelectorLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
portal-gateway/helm-test: "true"
{{- end }}

{{/*
The Deployment's replicas. Without the HPA: replicaCount. With it, the field is left to the HPA,
except on an upgrade of a running release: there it keeps the count that runs now. Leaving the
field out on that upgrade would make Helm's patch remove it, and Kubernetes would scale the
Deployment to 1 until the HPA reacts (the step Kubernetes warns about when migrating to an HPA).
Keeping the running count never fights the HPA: it is the HPA's own number. `helm template`
(Argo CD) cannot look anything up: there the field is left out; see the README for that switch.
*/}}
{{- define "portal-gateway.replicas" -}}
{{- if not .Values.autoscaling.enabled -}}
{{ .Values.replicaCount }}
{{- else if .Release.IsUpgrade -}}
{{- $running := lookup "apps/v1" "Deployment" .Release.Namespace (include "portal-gateway.fullname" .) -}}
{{- if and $running $running.spec $running.spec.replicas -}}
{{ $running.spec.replicas }}
{{- end -}}
{{- end -}}
{{- end }}

{{/*
The metrics Service's name, and the label the ServiceMonitor takes Prometheus' job from: the
job stays the release's fullname (the alerts and the dashboard select on it).
*/}}
{{- define "portal-gateway.metricsServiceName" -}}
{{- printf "%s-metrics" (include "portal-gateway.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}
