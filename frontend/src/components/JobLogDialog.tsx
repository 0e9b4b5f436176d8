// A job's progress and streamed log in a modal dialog, opened from the jobs indicator.
import { useEffect, useRef } from 'react';
import { createPortal } from 'react-dom';

import { jobTitle } from '../lib/jobEvents';
import { useJobStream } from '../lib/useJobStream';

interface JobLogDialogProps {
  projectId: number;
  jobId: number;
  onClose: () => void;
}

export function JobLogDialog({ projectId, jobId, onClose }: JobLogDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const logRef = useRef<HTMLPreElement>(null);
  const stream = useJobStream(projectId, jobId);
  useEffect(() => {
    dialogRef.current?.showModal();
  }, []);
  useEffect(() => {
    // Keep the newest line in view as the log grows.
    logRef.current?.scrollTo({ top: logRef.current.scrollHeight });
  }, [stream.logs.length]);

  const job = stream.job;
  // Rendered at the end of <body>, away from the navigation's styles and stacking.
  return createPortal(
    <dialog
      ref={dialogRef}
      className="job-dialog"
      aria-labelledby="job-dialog-title"
      onClose={onClose}
    >
      <header className="panel-header">
        <h2 id="job-dialog-title">
          Job {jobId}
          {job ? `: ${jobTitle(job.kind)}` : ''}
        </h2>
        <button type="button" onClick={() => dialogRef.current?.close()}>
          Close
        </button>
      </header>
      <p>
        State: <strong data-testid="job-dialog-state">{job?.state ?? 'connecting…'}</strong>
        {' · '}
        <progress max={100} value={stream.progress} aria-label="Progress" /> {stream.progress} %
      </p>
      {job?.error && <p className="error-text">Failed: {job.error}</p>}
      {stream.error && <p className="error-text">{stream.error}</p>}
      <pre ref={logRef} className="job-log" aria-label="Job log" tabIndex={0}>
        {stream.logs.length === 0 ? 'No log lines yet.' : stream.logs.map((l) => l.line).join('\n')}
      </pre>
    </dialog>,
    document.body,
  );
}
