{{/*
Names. The release's full name, then per service: <fullname>-<key>-svc (API Deployment and
Service), <fullname>-<key>-svc-worker, <fullname>-<key>-svc-migrate.
*/}}
{{- define "q2c.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "q2c.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "q2c.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The four services, in the order they are rendered. */}}
{{- define "q2c.serviceKeys" -}}
quote order invoice payment
{{- end -}}

{{/* <fullname>-<key>-svc; call with (dict "root" $ "key" "quote"). */}}
{{- define "q2c.svcFullname" -}}
{{- printf "%s-%s-svc" (include "q2c.fullname" .root) .key | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels (Kubernetes recommended labels). Chart-wide resources: name = the chart. Per service
and component: name = <key>-svc, component = api | worker | migrations | database;
call with (dict "root" $ "key" "quote" "component" "api").
*/}}
{{- define "q2c.commonLabels" -}}
helm.sh/chart: {{ include "q2c.chart" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: q2c
{{- end -}}

{{- define "q2c.labels" -}}
{{ include "q2c.commonLabels" . }}
app.kubernetes.io/name: {{ include "q2c.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "q2c.componentSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-svc" .key }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "q2c.componentLabels" -}}
{{ include "q2c.commonLabels" .root }}
{{ include "q2c.componentSelectorLabels" . }}
{{- end -}}

{{- define "q2c.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "q2c.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* <registry>/<key>-svc:<tag>; call with (dict "root" $ "key" "quote"). */}}
{{- define "q2c.image" -}}
{{- $image := .root.Values.image -}}
{{- printf "%s/%s-svc:%s" (trimSuffix "/" $image.registry) .key (default .root.Chart.AppVersion $image.tag) -}}
{{- end -}}

{{- define "q2c.apiKeysSecretName" -}}
{{- default (printf "%s-api-keys" (include "q2c.fullname" .)) .Values.apiKeys.existingSecret -}}
{{- end -}}

{{- define "q2c.cnpgClusterName" -}}
{{- printf "%s-%s-pg" (include "q2c.fullname" .root) .key | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{/*
DATABASE_URL of a service (env entries): from its CloudNativePG cluster's app Secret, from
an existing Secret, or from the chart's Secret (secretName: the chart's Secret to read it
from; the migration hook passes its own). Call with (dict "root" $ "key" "quote"
"secretName" "...").
*/}}
{{- define "q2c.databaseEnv" -}}
{{- $svc := index .root.Values.services .key -}}
{{- if .root.Values.postgres.cnpg.enabled -}}
{{- $cluster := include "q2c.cnpgClusterName" . -}}
- name: DATABASE_USER
  valueFrom:
    secretKeyRef:
      name: {{ $cluster }}-app
      key: username
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $cluster }}-app
      key: password
- name: DATABASE_URL
  value: {{ printf "postgresql+asyncpg://$(DATABASE_USER):$(DATABASE_PASSWORD)@%s-rw:5432/q2c_%s" $cluster .key | quote }}
{{- else if $svc.database.existingSecret -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $svc.database.existingSecret }}
      key: {{ $svc.database.existingSecretKey }}
{{- else -}}
{{- if not $svc.database.url -}}
{{- fail (printf "services.%s.database: set url or existingSecret, or enable postgres.cnpg" .key) -}}
{{- end -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: DATABASE_URL
{{- end -}}
{{- end -}}

{{/* Pod scheduling shared by every Deployment; call with (dict "root" $ "key" ... "component" ...). */}}
{{- define "q2c.scheduling" -}}
{{- with .root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .root.Values.spreadOverNodes }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "q2c.componentSelectorLabels" . | nindent 8 }}
{{- end }}
{{- end -}}
