// The jobs indicator in the navigation bar: a small button with the number of running jobs (and
// a warning mark when no worker runs) that opens the last few jobs, one line each; a job's log
// and failure reason are one click further, in the job dialog.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

import { healthReadHealthOptions, jobsReadJobsOptions } from '../client/@tanstack/react-query.gen';
import { indicatorText, isActiveJob, summariseJobs, type JobLine } from '../lib/jobSummary';
import { jobSystemWarning } from '../lib/workerHealth';
import { ErrorText } from './ErrorText';
import { JobLogDialog } from './JobLogDialog';

// Health is cheap but polled by every open page; a dead worker is noticed within this.
const HEALTH_POLL_MS = 15_000;

interface JobsIndicatorProps {
  projectId: number;
  projectName?: string;
}

export function JobsIndicator({ projectId, projectName }: JobsIndicatorProps) {
  const jobs = useQuery({
    ...jobsReadJobsOptions({ path: { project_id: projectId }, query: { limit: 20 } }),
    // Poll quickly only while something runs.
    refetchInterval: (query) => (query.state.data?.data.some(isActiveJob) ? 1500 : 8000),
  });
  // 503 carries the same body as 200: the warning reads either.
  const health = useQuery({
    ...healthReadHealthOptions(),
    refetchInterval: HEALTH_POLL_MS,
    retry: false,
  });
  const warning = jobSystemWarning(health.data ?? health.error);
  const summary = summariseJobs(jobs.data?.data ?? []);
  const [open, setOpen] = useState(false);
  const [openJobId, setOpenJobId] = useState<number | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  const label = `Jobs: ${indicatorText(summary)}${warning ? `; ${warning}` : ''}`;
  return (
    <div className="jobs-indicator" ref={root}>
      <button
        ref={button}
        type="button"
        className={`jobs-button${summary.running > 0 ? ' jobs-busy' : ''}${warning ? ' jobs-alert' : ''}`}
        aria-expanded={open}
        aria-controls="jobs-popover"
        aria-label={label}
        title={label}
        onClick={() => setOpen(!open)}
      >
        Jobs{' '}
        <span className="jobs-count" data-testid="jobs-running" aria-live="polite">
          {summary.running}
        </span>
        {warning && (
          <span className="jobs-warning-mark" aria-hidden="true">
            !
          </span>
        )}
      </button>
      {open && (
        <section id="jobs-popover" className="jobs-popover" aria-label="Recent jobs">
          <p className="jobs-popover-title">Jobs: {indicatorText(summary)}</p>
          {projectName && (
            <p className="muted jobs-popover-project" title={projectName}>
              {projectName}
            </p>
          )}
          {warning && (
            <p className="job-reason" data-testid="jobs-warning">
              {warning}
            </p>
          )}
          <ErrorText error={jobs.error} />
          {summary.lines.length === 0 ? (
            <p className="muted">No jobs yet.</p>
          ) : (
            <ul>
              {summary.lines.map((line) => (
                <JobItem
                  key={line.id}
                  line={line}
                  onOpen={() => {
                    setOpen(false);
                    setOpenJobId(line.id);
                  }}
                />
              ))}
            </ul>
          )}
          {summary.lines.length > 0 && (
            <p className="hint">
              Open a job for its log{summary.failed > 0 && ' and why it failed'}.
            </p>
          )}
        </section>
      )}
      {openJobId !== null && (
        <JobLogDialog projectId={projectId} jobId={openJobId} onClose={() => setOpenJobId(null)} />
      )}
    </div>
  );
}

function JobItem({ line, onOpen }: { line: JobLine; onOpen: () => void }) {
  return (
    <li className={`job-item job-${line.state}`}>
      <button type="button" className="job-line" onClick={onOpen}>
        <span className="job-title">{line.title}</span>
        <span className="job-state">{line.status}</span>
      </button>
      {line.progress !== null && (
        <progress max={100} value={line.progress} aria-label={`Progress of job ${line.id}`} />
      )}
    </li>
  );
}
