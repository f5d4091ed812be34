export {
  HEALTH_CHECK_COMMAND,
  HEALTHZ_HEALTH_CHECK_COMMAND,
  METRICS_PATH,
  METRICS_PORT,
  PROMETHEUS_DOCKER_LABELS,
  ROLECALL_VERSION,
} from './defaults.ts';
export {
  DEFAULT_RUNBOOK_BASE,
  type RolecallAlarmsProps,
  type RolecallHealthCheck,
  RolecallSidecar,
  type RolecallSidecarProps,
} from './rolecall-sidecar.ts';
