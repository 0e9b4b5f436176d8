// What the compact jobs indicator shows: how many jobs run, and the last few as one line each.
import type { JobPublic } from '../client/types.gen';
import { jobTitle } from './jobEvents';

export const ACTIVE_JOB_STATES: ReadonlyArray<string> = ['queued', 'running'];
/** Lines in the indicator's list: enough to see what just happened, never a long column. */
export const RECENT_JOBS = 5;

export interface JobLine {
  id: number;
  state: JobPublic['state'];
  /** "Training #12". */
  title: string;
  /** "running · 40 %", "queued", "failed", "succeeded". */
  status: string;
  /** Progress in percent while the job is queued or running, else null. */
  progress: number | null;
}

export interface JobsSummary {
  running: number;
  failed: number;
  lines: JobLine[];
}

export function isActiveJob(job: Pick<JobPublic, 'state'>): boolean {
  return ACTIVE_JOB_STATES.includes(job.state);
}

export function jobLine(job: JobPublic): JobLine {
  const active = isActiveJob(job);
  const progress = active ? Math.max(0, Math.min(100, Math.round(job.progress))) : null;
  return {
    id: job.id,
    state: job.state,
    title: `${jobTitle(job.kind)} #${job.id}`,
    status: job.state === 'running' ? `running · ${progress} %` : job.state,
    progress,
  };
}

/** Active jobs first (they are what the user waits for), then the newest of the rest, `limit`
 * lines at most. `jobs` come newest first, as the API lists them. */
export function summariseJobs(jobs: ReadonlyArray<JobPublic>, limit = RECENT_JOBS): JobsSummary {
  const active = jobs.filter(isActiveJob);
  const ended = jobs.filter((job) => !isActiveJob(job));
  return {
    running: active.length,
    failed: ended.filter((job) => job.state === 'failed').length,
    lines: [...active, ...ended].slice(0, limit).map(jobLine),
  };
}

/** The indicator button's text: short enough for a phone's top bar. */
export function indicatorText(summary: Pick<JobsSummary, 'running'>): string {
  return summary.running > 0 ? `${summary.running} running` : 'none running';
}
