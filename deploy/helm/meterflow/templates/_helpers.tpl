{{/* The chart's name, or nameOverride. */}}
{{- define "meterflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every object's name: the release name, with the chart's name unless the release has it already. */}}
{{- define "meterflow.fullname" -}}
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
One app's name: its StatefulSet and client Service. At most 52 characters, so that its pods' controller-revision-hash
label stays within 63.
*/}}
{{- define "meterflow.appName" -}}
{{- printf "%s-%s" (include "meterflow.fullname" .root) .role | trunc 52 | trimSuffix "-" }}
{{- end }}

{{- define "meterflow.headlessName" -}}
{{- printf "%s-headless" (include "meterflow.appName" .) }}
{{- end }}

{{- define "meterflow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "meterflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: meterflow
{{- end }}

{{/* Selector labels of one app (dict: root, role). */}}
{{- define "meterflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "meterflow.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "meterflow.appLabels" -}}
{{ include "meterflow.labels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{/* The Secret the chart creates for the values it was given (API tokens, registry credentials). */}}
{{- define "meterflow.secretName" -}}
{{- include "meterflow.fullname" . }}
{{- end }}

{{- define "meterflow.apiTokensSecret" -}}
{{- if .Values.apiTokens.existingSecret }}{{ .Values.apiTokens.existingSecret }}{{ else if .Values.apiTokens.tokens }}{{ include "meterflow.secretName" . }}{{ end }}
{{- end }}

{{- define "meterflow.apiTokensKey" -}}
{{- if .Values.apiTokens.existingSecret }}{{ .Values.apiTokens.existingSecretKey }}{{ else }}api-tokens{{ end }}
{{- end }}

{{- define "meterflow.registryAuthSecret" -}}
{{- $auth := .Values.schemaRegistry.basicAuth }}
{{- if $auth.existingSecret }}{{ $auth.existingSecret }}{{ else if $auth.userInfo }}{{ include "meterflow.secretName" . }}{{ end }}
{{- end }}

{{- define "meterflow.registryAuthKey" -}}
{{- if .Values.schemaRegistry.basicAuth.existingSecret }}{{ .Values.schemaRegistry.basicAuth.existingSecretKey }}{{ else }}user-info{{ end }}
{{- end }}

{{/*
A value as an environment variable's text. Helm reads every number in values as a float, which would print 1048576
as 1.048576e+06: whole numbers are printed as integers.
*/}}
{{- define "meterflow.envValue" -}}
{{- if and (kindIs "float64" .) (eq (float64 (int64 .)) .) }}{{ int64 . }}{{ else }}{{ toString . }}{{ end }}
{{- end }}

{{/* The environment variable that sets a Meterflow key: a.b-c -> METERFLOW_A_B_C (docs/configuration.md). */}}
{{- define "meterflow.envName" -}}
{{- printf "METERFLOW_%s" (regexReplaceAll "[.-]" . "_" | upper) }}
{{- end }}
