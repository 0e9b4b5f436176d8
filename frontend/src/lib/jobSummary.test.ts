import { describe, expect, it } from 'vitest';

import type { JobPublic } from '../client/types.gen';
import { indicatorText, jobLine, summariseJobs } from './jobSummary';

function job(
  id: number,
  state: JobPublic['state'],
  progress = 0,
  kind = 'training.train',
): JobPublic {
  return {
    id,
    project_id: 1,
    kind,
    state,
    progress,
    params: {},
    result: null,
    error: state === 'failed' ? 'boom' : null,
    attempts: 1,
    worker: null,
    created_at: '2026-12-05T12:00:00Z',
    started_at: null,
    finished_at: null,
    heartbeat_at: null,
  };
}

describe('summariseJobs', () => {
  it('puts active jobs first, then the newest ended ones, at most `limit` lines', () => {
    const jobs = [
      job(9, 'succeeded'),
      job(8, 'failed'),
      job(7, 'running', 40),
      job(6, 'queued'),
      job(5, 'succeeded'),
      job(4, 'failed'),
    ];
    const summary = summariseJobs(jobs, 4);
    expect(summary.lines.map((line) => line.id)).toEqual([7, 6, 9, 8]);
    expect(summary.running).toBe(2);
    expect(summary.failed).toBe(2);
  });

  it('says nothing runs for an empty list', () => {
    const summary = summariseJobs([]);
    expect(summary).toEqual({ running: 0, failed: 0, lines: [] });
    expect(indicatorText(summary)).toBe('none running');
  });

  it('counts running jobs in the indicator text', () => {
    expect(indicatorText(summariseJobs([job(1, 'running'), job(2, 'queued')]))).toBe('2 running');
  });
});

describe('jobLine', () => {
  it('shows the progress of a running job, clamped to whole percent', () => {
    expect(jobLine(job(3, 'running', 41.6, 'features.generate'))).toEqual({
      id: 3,
      state: 'running',
      title: 'Generate features #3',
      status: 'running · 42 %',
      progress: 42,
    });
    expect(jobLine(job(3, 'running', 140)).progress).toBe(100);
  });

  it('has no progress for an ended job and names unknown kinds as they are', () => {
    const line = jobLine(job(4, 'failed', 50, 'custom.kind'));
    expect(line.progress).toBeNull();
    expect(line.status).toBe('failed');
    expect(line.title).toBe('custom.kind #4');
  });
});
