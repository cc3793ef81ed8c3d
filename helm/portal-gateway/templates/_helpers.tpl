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
The image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "portal-gateway.image" -}}
{{- $registry := .Values.global.imageRegistry }}
{{- $repository := ternary (printf "%s/%s" $registry .Values.image.repository) .Values.image.repository (ne $registry "") }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
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
