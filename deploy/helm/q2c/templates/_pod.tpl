{{/*
The pod template of a service's API or worker Deployment; call with
(dict "root" $ "key" "quote" "component" "api" | "worker").
*/}}
{{- define "q2c.podTemplate" -}}
{{- $root := .root -}}
{{- $svc := index $root.Values.services .key -}}
{{- $name := include "q2c.svcFullname" . -}}
{{- $role := index $svc .component -}}
metadata:
  labels:
    {{- include "q2c.componentLabels" . | nindent 4 }}
  annotations:
    checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
    checksum/secret: {{ include (print $root.Template.BasePath "/secrets.yaml") $root | sha256sum }}
    {{- with $root.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "q2c.serviceAccountName" $root }}
  automountServiceAccountToken: false
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
  {{- with (include "q2c.scheduling" . | trim) }}
  {{- . | nindent 2 }}
  {{- end }}
  {{- if $root.Values.migrations.waitForSchema }}
  initContainers:
    - name: wait-for-schema
      image: {{ include "q2c.image" . }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args: ["wait-for-schema"]
      env:
        {{- include "q2c.databaseEnv" (dict "root" $root "key" .key "secretName" $name) | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      resources:
        requests:
          cpu: 10m
          memory: 96Mi
        limits:
          memory: 192Mi
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  {{- end }}
  containers:
    - name: {{ .component }}
      image: {{ include "q2c.image" . }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args: [{{ .component | quote }}]
      ports:
        - name: http
          containerPort: 8000
          protocol: TCP
      envFrom:
        - configMapRef:
            name: {{ include "q2c.fullname" $root }}-config
        - configMapRef:
            name: {{ $name }}-config
        - secretRef:
            name: {{ $name }}
        {{- with $svc.extraEnvFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      env:
        - name: PORT
          value: "8000"
        - name: Q2C_API_KEYS
          valueFrom:
            secretKeyRef:
              name: {{ include "q2c.apiKeysSecretName" $root }}
              key: {{ $root.Values.apiKeys.existingSecretKey }}
        {{- include "q2c.databaseEnv" (dict "root" $root "key" .key "secretName" $name) | nindent 8 }}
      startupProbe:
        httpGet:
          path: /healthz
          port: http
        periodSeconds: {{ $root.Values.probes.startup.periodSeconds }}
        failureThreshold: {{ $root.Values.probes.startup.failureThreshold }}
      livenessProbe:
        httpGet:
          path: /healthz
          port: http
        periodSeconds: {{ $root.Values.probes.liveness.periodSeconds }}
        timeoutSeconds: {{ $root.Values.probes.liveness.timeoutSeconds }}
        failureThreshold: {{ $root.Values.probes.liveness.failureThreshold }}
      readinessProbe:
        httpGet:
          path: /readyz
          port: http
        periodSeconds: {{ $root.Values.probes.readiness.periodSeconds }}
        timeoutSeconds: {{ $root.Values.probes.readiness.timeoutSeconds }}
        failureThreshold: {{ $root.Values.probes.readiness.failureThreshold }}
      {{- if eq .component "api" }}
      lifecycle:
        preStop:
          # Let the endpoints controller and the ingress drop this pod before uvicorn stops
          # accepting connections.
          exec:
            command: ["sleep", "5"]
      {{- end }}
      resources:
        {{- toYaml $role.resources | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ $root.Values.tmpVolume.sizeLimit }}
{{- end -}}
