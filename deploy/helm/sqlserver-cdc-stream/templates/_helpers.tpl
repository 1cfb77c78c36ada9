{{/* Labels of every object of the release. */}}
{{- define "sqlserver-cdc-stream.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* The job's service account. */}}
{{- define "sqlserver-cdc-stream.serviceAccountName" -}}
{{ default .Release.Name .Values.serviceAccount.name }}
{{- end }}

{{/* The image tag: image.tag, else the chart's appVersion. Also DD_VERSION. */}}
{{- define "sqlserver-cdc-stream.version" -}}
{{ default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* Prefix of the cluster-wide RBAC objects (release-scoped, so two releases do not collide). */}}
{{- define "sqlserver-cdc-stream.rbacName" -}}
{{ printf "%s-%s" .Release.Namespace .Release.Name }}
{{- end }}
