// The jobs indicator on every project page: running jobs with progress, recent failures and why.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import { healthReadHealthOptions, jobsReadJobsOptions } from '../client/@tanstack/react-query.gen';
import type { JobPublic } from '../client/types.gen';
import { jobTitle } from '../lib/jobEvents';
import { jobSystemWarning } from '../lib/workerHealth';
import { ErrorText } from './ErrorText';
import { JobLogDialog } from './JobLogDialog';

const ACTIVE_STATES: ReadonlyArray<string> = ['queued', 'running'];
const RECENT_FAILURES = 3;
// Health is cheap but polled by every open page; a dead worker is noticed within this.
const HEALTH_POLL_MS = 15_000;

export function JobsIndicator({ projectId }: { projectId: number }) {
  const jobs = useQuery({
    ...jobsReadJobsOptions({ path: { project_id: projectId }, query: { limit: 20 } }),
    // Poll quickly only while something runs.
    refetchInterval: (query) =>
      query.state.data?.data.some((job) => ACTIVE_STATES.includes(job.state)) ? 1500 : 8000,
  });
  // 503 carries the same body as 200: the warning reads either.
  const health = useQuery({
    ...healthReadHealthOptions(),
    refetchInterval: HEALTH_POLL_MS,
    retry: false,
  });
  const warning = jobSystemWarning(health.data ?? health.error);
  const [openJobId, setOpenJobId] = useState<number | null>(null);

  const all = jobs.data?.data ?? [];
  const active = all.filter((job) => ACTIVE_STATES.includes(job.state));
  const failed = all.filter((job) => job.state === 'failed').slice(0, RECENT_FAILURES);
  const finished = all.filter((job) => job.state === 'succeeded').slice(0, 1);

  return (
    <section className="jobs-indicator" aria-labelledby="jobs-heading" aria-live="polite">
      <h2 id="jobs-heading">
        Jobs{' '}
        <span className="muted" data-testid="jobs-running">
          {active.length > 0 ? `${active.length} running` : 'none running'}
        </span>
      </h2>
      {warning && (
        <p className="job-reason" data-testid="jobs-warning">
          {warning}
        </p>
      )}
      <ErrorText error={jobs.error} />
      <ul>
        {[...active, ...failed, ...finished].map((job) => (
          <JobItem key={job.id} job={job} onOpen={() => setOpenJobId(job.id)} />
        ))}
      </ul>
      {openJobId !== null && (
        <JobLogDialog projectId={projectId} jobId={openJobId} onClose={() => setOpenJobId(null)} />
      )}
    </section>
  );
}

function JobItem({ job, onOpen }: { job: JobPublic; onOpen: () => void }) {
  return (
    <li className={`job-item job-${job.state}`}>
      <button type="button" className="link-button" onClick={onOpen}>
        {jobTitle(job.kind)} #{job.id}
      </button>{' '}
      <span className="job-state">{job.state}</span>
      {ACTIVE_STATES.includes(job.state) && (
        <progress max={100} value={job.progress} aria-label={`Progress of job ${job.id}`} />
      )}
      {job.state === 'failed' && job.error && <p className="job-reason">{job.error}</p>}
    </li>
  );
}
