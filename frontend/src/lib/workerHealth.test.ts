import { describe, expect, it } from 'vitest';

import type { HealthPublic } from '../client/types.gen';
import { jobSystemWarning, NO_BROKER_WARNING, NO_WORKER_WARNING } from './workerHealth';

const worker = {
  name: 'mcuforge-41@box',
  host: 'box',
  queues: ['mcuforge'],
  active_jobs: 0,
  started_at: '2026-12-05T12:00:00Z',
  last_seen_at: '2026-12-05T12:00:05Z',
};
const healthy: HealthPublic = {
  status: 'ok',
  database: 'sqlite',
  database_reachable: true,
  broker: 'embedded',
  broker_reachable: true,
  workers: [worker],
  worker_seen_within_seconds: 30,
  problems: [],
  training_sandbox: 'bubblewrap',
  expert_mode: 'sandboxed',
};

describe('jobSystemWarning', () => {
  it('says nothing while a worker is alive', () => {
    expect(jobSystemWarning(healthy)).toBeNull();
  });

  it('says no worker is running when health saw none', () => {
    const noWorker = {
      ...healthy,
      status: 'unavailable',
      workers: [],
      problems: ['no worker has been seen in the last 30 s: jobs cannot run'],
    };
    expect(jobSystemWarning(noWorker)).toBe(NO_WORKER_WARNING);
  });

  it('names the queue when the broker cannot be reached', () => {
    expect(jobSystemWarning({ ...healthy, status: 'unavailable', broker_reachable: false })).toBe(
      NO_BROKER_WARNING,
    );
  });

  it('says nothing for a network error or an unknown body', () => {
    expect(jobSystemWarning(new TypeError('Failed to fetch'))).toBeNull();
    expect(jobSystemWarning(undefined)).toBeNull();
  });
});
