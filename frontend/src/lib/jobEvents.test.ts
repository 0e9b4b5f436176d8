import { describe, expect, it } from 'vitest';

import type { JobPublic } from '../client/types.gen';
import { applyJobEvent, emptyJobStream, jobTitle } from './jobEvents';

const job = (state: JobPublic['state'], progress = 0): JobPublic => ({
  id: 7,
  project_id: 1,
  kind: 'features.generate',
  state,
  progress,
  params: {},
  result: null,
  error: state === 'failed' ? 'no samples' : null,
  attempts: 1,
  worker: null,
  created_at: '2026-01-01T00:00:00Z',
  started_at: null,
  finished_at: null,
  heartbeat_at: null,
});

describe('applyJobEvent', () => {
  it('follows a stream from queued to succeeded', () => {
    let state = emptyJobStream();
    state = applyJobEvent(state, { event: 'state', data: job('running') });
    state = applyJobEvent(state, {
      event: 'log',
      data: { id: 1, line: 'windows: 40', created_at: 'x' },
    });
    state = applyJobEvent(state, { event: 'progress', data: { progress: 50 } });
    state = applyJobEvent(state, { event: 'log', data: { id: 2, line: 'done', created_at: 'x' } });
    expect(state.ended).toBe(false);
    expect(state.progress).toBe(50);
    state = applyJobEvent(state, { event: 'state', data: job('succeeded', 100) });
    expect(state).toMatchObject({ progress: 100, ended: true, error: null });
    expect(state.job?.state).toBe('succeeded');
    expect(state.logs.map((line) => line.line)).toEqual(['windows: 40', 'done']);
  });

  it('drops log lines it already has (a resumed stream repeats them)', () => {
    let state = emptyJobStream();
    state = applyJobEvent(state, { event: 'log', data: { id: 3, line: 'a' } });
    state = applyJobEvent(state, { event: 'log', data: { id: 3, line: 'a' } });
    state = applyJobEvent(state, { event: 'log', data: { id: 2, line: 'old' } });
    expect(state.logs).toEqual([{ id: 3, line: 'a' }]);
  });

  it('ends on a failed job and keeps its reason, and on an error event', () => {
    const failed = applyJobEvent(emptyJobStream(), { event: 'state', data: job('failed') });
    expect(failed.ended).toBe(true);
    expect(failed.job?.error).toBe('no samples');
    const gone = applyJobEvent(emptyJobStream(), {
      event: 'error',
      data: { detail: 'job 7 was deleted' },
    });
    expect(gone).toMatchObject({ ended: true, error: 'job 7 was deleted' });
  });

  it('ignores unknown events and malformed data', () => {
    const start = emptyJobStream();
    expect(applyJobEvent(start, { event: 'ping', data: {} })).toBe(start);
    expect(applyJobEvent(start, { event: 'progress', data: 'fifty' })).toBe(start);
    expect(applyJobEvent(start, { event: 'log', data: { id: 'x' } })).toBe(start);
    expect(applyJobEvent(start, { event: 'state', data: { state: 'running' } })).toBe(start);
  });

  it('clamps progress to 0..100 and starts ended for a finished job', () => {
    expect(
      applyJobEvent(emptyJobStream(), { event: 'progress', data: { progress: 140 } }).progress,
    ).toBe(100);
    expect(emptyJobStream(job('cancelled')).ended).toBe(true);
    expect(emptyJobStream(job('running', 30))).toMatchObject({ ended: false, progress: 30 });
  });
});

describe('jobTitle', () => {
  it('names known job kinds and falls back to the kind', () => {
    expect(jobTitle('features.generate')).toBe('Generate features');
    expect(jobTitle('train.keras')).toBe('train.keras');
  });
});
