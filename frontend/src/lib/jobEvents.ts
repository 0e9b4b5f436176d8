// The state of one job as its Server-Sent Events stream (`progress`, `log`, `state`) tells it.

import type { JobPublic } from '../client/types.gen';

export interface JobLogLine {
  id: number;
  line: string;
}

export interface JobStreamState {
  job: JobPublic | null;
  progress: number;
  logs: JobLogLine[];
  /** Set when the stream reports an `error` event (e.g. the job was deleted). */
  error: string | null;
  ended: boolean;
}

export interface JobStreamEvent {
  event?: string;
  data: unknown;
}

export const TERMINAL_JOB_STATES: ReadonlyArray<string> = ['succeeded', 'failed', 'cancelled'];

export function emptyJobStream(job: JobPublic | null = null): JobStreamState {
  return {
    job,
    progress: job?.progress ?? 0,
    logs: [],
    error: null,
    ended: job !== null && TERMINAL_JOB_STATES.includes(job.state),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The state after one event; unknown events and malformed data leave it unchanged. */
export function applyJobEvent(state: JobStreamState, event: JobStreamEvent): JobStreamState {
  const data = event.data;
  switch (event.event) {
    case 'log': {
      if (!isRecord(data) || typeof data.id !== 'number' || typeof data.line !== 'string')
        return state;
      // A reconnecting stream may repeat lines; the ids say which we already have.
      const lastId = state.logs[state.logs.length - 1]?.id ?? 0;
      if (data.id <= lastId) return state;
      return { ...state, logs: [...state.logs, { id: data.id, line: data.line }] };
    }
    case 'progress': {
      if (!isRecord(data) || typeof data.progress !== 'number') return state;
      return { ...state, progress: Math.max(0, Math.min(100, data.progress)) };
    }
    case 'state': {
      if (!isRecord(data) || typeof data.state !== 'string' || typeof data.id !== 'number')
        return state;
      const job = data as unknown as JobPublic;
      return {
        ...state,
        job,
        progress: typeof job.progress === 'number' ? job.progress : state.progress,
        ended: TERMINAL_JOB_STATES.includes(job.state),
      };
    }
    case 'error': {
      const detail =
        isRecord(data) && typeof data.detail === 'string' ? data.detail : 'The job stream failed.';
      return { ...state, error: detail, ended: true };
    }
    default:
      return state;
  }
}

/** "Generate features: 40 %" style summary of a job for the jobs indicator. */
export function jobTitle(kind: string): string {
  const titles: Record<string, string> = {
    'features.generate': 'Generate features',
    'training.train': 'Train model',
    'training.test': 'Test model',
    'projects.clone': 'Clone project',
    'deployment.build': 'Build deployment',
    'worker.check': 'Worker self-check',
  };
  return titles[kind] ?? kind;
}
