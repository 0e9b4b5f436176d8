// What the jobs indicator says about the job system, from /api/health (200 or 503 body).
import type { HealthPublic } from '../client/types.gen';

export const NO_WORKER_WARNING = 'no worker is running — jobs will wait';
export const NO_BROKER_WARNING = 'the job queue cannot be reached — jobs will wait';

function isHealth(value: unknown): value is HealthPublic {
  return typeof value === 'object' && value !== null && 'workers' in value && 'status' in value;
}

/** A warning for the user when jobs cannot run, else null. `answer` is the health body the
 * query returned or the 503 body it threw; anything else (a network error) says nothing. */
export function jobSystemWarning(answer: unknown): string | null {
  if (!isHealth(answer) || answer.status === 'ok') return null;
  if (!answer.broker_reachable) return NO_BROKER_WARNING;
  if (answer.database_reachable && answer.workers.length === 0) return NO_WORKER_WARNING;
  return null;
}
