/** The emulator's public API: scenarios, the pure timeline, the three modes and the server. */
export { EKS_AGENT_HOSTS, EKS_PATH, EKS_RATE_LIMIT } from './eks.ts';
export { EMULATOR_MODES, type EmulatorMode } from './handler.ts';
export { IMDS_CREDENTIALS_PATH, IMDS_TOKEN_PATH } from './imds.ts';
export { ECS_RATE_LIMIT, type RateLimit } from './ratelimit.ts';
export {
  DEFAULT_ROLE_ARN,
  DEMO_ACCOUNT,
  DEMO_SECOND_ROLE_ARN,
  type Outage,
  type OutageStatus,
  type RoleChange,
  SCENARIOS,
  type Scenario,
  type ScenarioName,
} from './scenario.ts';
export { parseScenario, SCENARIO_KEYS, ScenarioError } from './scenario-parse.ts';
export { type Emulator, type EmulatorOptions, startEmulator } from './server.ts';
export type { TaskOverrides } from './task-doc.ts';
export {
  type Answer,
  accessKeyIdFor,
  answerAt,
  type CredentialsDoc,
  DEFAULT_SECRET_PREFIX,
  formatExpiration,
  type Generation,
  generationAt,
} from './timeline.ts';
