// Follows one job through its Server-Sent Events stream (via the generated client).
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useReducer } from 'react';

import { jobsStreamJob } from '../client/sdk.gen';
import {
  applyJobEvent,
  emptyJobStream,
  type JobStreamEvent,
  type JobStreamState,
} from './jobEvents';

type Action = { type: 'reset' } | { type: 'event'; event: JobStreamEvent };

function reducer(state: JobStreamState, action: Action): JobStreamState {
  return action.type === 'reset' ? emptyJobStream() : applyJobEvent(state, action.event);
}

/** The live state of job `jobId` of project `projectId`; null jobId follows nothing. */
export function useJobStream(projectId: number, jobId: number | null): JobStreamState {
  const [state, dispatch] = useReducer(reducer, undefined, () => emptyJobStream());
  const queryClient = useQueryClient();
  useEffect(() => {
    dispatch({ type: 'reset' });
    if (jobId === null) return;
    const abort = new AbortController();
    void (async () => {
      const { stream } = await jobsStreamJob({
        path: { project_id: projectId, job_id: jobId },
        signal: abort.signal,
        sseMaxRetryAttempts: 3,
        onSseEvent: (event) => dispatch({ type: 'event', event }),
      });
      // Reading the stream drives the callbacks; the loop ends when the server closes it.
      for await (const _ of stream) void _;
      // A finished job changes what other pages show (features, job lists).
      if (!abort.signal.aborted) void queryClient.invalidateQueries();
    })();
    return () => abort.abort();
  }, [projectId, jobId, queryClient]);
  return state;
}
