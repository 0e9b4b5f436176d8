// The job to follow for a learning block: the one just started, or one of `kind` already under
// way for the block when the page opened (so a reload keeps showing the live log).
import { useQuery } from '@tanstack/react-query';

import { jobsReadJobsOptions } from '../client/@tanstack/react-query.gen';

export function useRunningBlockJob(
  projectId: number,
  kind: string,
  impulseId: number,
  blockId: number,
): number | null {
  const jobs = useQuery(
    jobsReadJobsOptions({ path: { project_id: projectId }, query: { limit: 20 } }),
  );
  const running = jobs.data?.data.find(
    (job) =>
      job.kind === kind &&
      ['queued', 'running'].includes(job.state) &&
      job.params.impulse_id === impulseId &&
      job.params.learning_block_id === blockId,
  );
  return running?.id ?? null;
}
