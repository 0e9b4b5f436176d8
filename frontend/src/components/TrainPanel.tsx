// Training settings (generated from the settings schema), start training, and the live job:
// progress, per-epoch curves and the log while it runs.
import { useMutation } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';

import { trainingTrainLearningBlockMutation } from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { apiErrorMessage, apiFieldErrors } from '../lib/apiError';
import { API_SCHEMAS } from '../lib/apiSchemas';
import { flatSettingsFields } from '../lib/learningBlocks';
import { initialValues, valuesToParams, type FormValues } from '../lib/schemaFields';
import { curvesFromLog } from '../lib/trainingCurves';
import { useRunningBlockJob } from '../lib/useBlockJob';
import { useJobStream } from '../lib/useJobStream';
import { ErrorText } from './ErrorText';
import { ParameterFields } from './ParameterForm';
import { TrainingCurves } from './TrainingCurves';

interface TrainPanelProps {
  impulse: ImpulsePublic;
  block: LearningBlockPublic;
  canWrite: boolean;
}

export function TrainPanel({ impulse, block, canWrite }: TrainPanelProps) {
  const fields = useMemo(() => flatSettingsFields(API_SCHEMAS.TrainingSettings), []);
  const stored = (block.settings ?? {}) as Record<string, unknown>;
  const [values, setValues] = useState<FormValues>(() => initialValues(fields, stored));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const train = useMutation(trainingTrainLearningBlockMutation());
  const alreadyRunning = useRunningBlockJob(
    impulse.project_id,
    'training.train',
    impulse.id,
    block.id,
  );
  const followedId = train.data?.id ?? alreadyRunning;
  const stream = useJobStream(impulse.project_id, followedId);
  const running = followedId !== null && !stream.ended;
  const lines = stream.logs.map((entry) => entry.line);
  const curves = useMemo(() => curvesFromLog(lines), [lines]);
  const serverErrors = apiFieldErrors(train.error);
  const errors = { ...serverErrors, ...localErrors };
  const formError =
    train.error && Object.keys(serverErrors).length === 0 ? apiErrorMessage(train.error) : null;

  const start = () => {
    const { params, errors: found } = valuesToParams(fields, values);
    setLocalErrors(found);
    if (Object.keys(found).length > 0) return;
    train.mutate({
      path: { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id },
      body: { settings: params },
    });
  };

  return (
    <section className="panel" aria-labelledby="train-heading">
      <h2 id="train-heading">Training settings</h2>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          start();
        }}
      >
        <ParameterFields
          fields={fields}
          values={values}
          errors={errors}
          idPrefix="train"
          onChange={(name, value) => setValues({ ...values, [name]: value })}
        />
        {canWrite && (
          <div className="button-row">
            <button type="submit" className="primary" disabled={running || train.isPending}>
              {running ? 'Training…' : 'Start training'}
            </button>
          </div>
        )}
        <ErrorText error={formError} id="train-error" />
      </form>
      {followedId !== null && (
        <div className="job-progress" aria-live="polite">
          <h3>Training job #{followedId}</h3>
          <progress max={100} value={stream.progress} aria-label="Training progress" />{' '}
          <span data-testid="train-job-state">
            {stream.job?.state ?? 'queued'} · {stream.progress} %
          </span>
          {stream.job?.error && <p className="error-text">Failed: {stream.job.error}</p>}
          <TrainingCurves curves={curves} />
          <JobLog lines={lines} />
        </div>
      )}
    </section>
  );
}

function JobLog({ lines }: { lines: string[] }) {
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    // Keep the newest line in view as the log grows.
    ref.current?.scrollTo({ top: ref.current.scrollHeight });
  }, [lines.length]);
  return (
    <pre className="job-log" ref={ref} aria-label="Training log" tabIndex={0}>
      {lines.length > 0 ? lines.join('\n') : 'No log lines yet.'}
    </pre>
  );
}
