// Training settings (generated from the settings schema, augmentation in its own group), start
// training, and the live job: progress, per-epoch curves and the log while it runs. Anomaly
// blocks have no training settings (their K-means settings are saved with the block).
import { useMutation } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';

import { trainingTrainLearningBlockMutation } from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { apiErrorMessage } from '../lib/apiError';
import { API_SCHEMAS } from '../lib/apiSchemas';
import {
  flattenSettings,
  nestSettings,
  settingsErrors,
  settingsGroups,
  type SettingsGroup,
} from '../lib/learningBlocks';
import {
  initialValues,
  valuesToParams,
  type FormField,
  type FormValues,
} from '../lib/schemaFields';
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
  const anomaly = block.type === 'anomaly';
  const groups = useMemo(
    () => (anomaly ? [] : settingsGroups(API_SCHEMAS.TrainingSettings, API_SCHEMAS)),
    [anomaly],
  );
  const fields = useMemo(() => groups.flatMap((group) => group.fields), [groups]);
  const stored = flattenSettings((block.settings ?? {}) as Record<string, unknown>);
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
  const server = settingsErrors(train.error, fields);
  const errors = { ...server.byField, ...localErrors };
  // Messages about a field sit beside it; the rest (and a refusal that is a sentence) by the button.
  const formError = !train.error
    ? null
    : server.unplaced.length > 0
      ? server.unplaced.join('; ')
      : Object.keys(server.byField).length === 0
        ? apiErrorMessage(train.error)
        : null;

  const start = () => {
    const { params, errors: found } = valuesToParams(fields, values);
    setLocalErrors(found);
    if (Object.keys(found).length > 0) return;
    train.mutate({
      path: { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id },
      // An anomaly block refuses training settings; its K-means settings are on the block.
      body: anomaly ? {} : { settings: nestSettings(params) },
    });
  };

  return (
    <section className="panel" aria-labelledby="train-heading">
      <h2 id="train-heading">{anomaly ? 'Training' : 'Training settings'}</h2>
      {anomaly && (
        <p className="hint">
          K-means fits its clusters on the training split&apos;s windows with the settings above.
        </p>
      )}
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          start();
        }}
      >
        {groups.map((group) => (
          <SettingsFields
            key={group.name ?? ''}
            group={group}
            values={values}
            errors={errors}
            onChange={(name, value) => setValues({ ...values, [name]: value })}
          />
        ))}
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
          {!anomaly && <TrainingCurves curves={curves} />}
          <JobLog lines={lines} />
        </div>
      )}
    </section>
  );
}

interface SettingsFieldsProps {
  group: SettingsGroup;
  values: FormValues;
  errors: Record<string, string>;
  onChange: (name: string, value: string | boolean) => void;
}

/** The top-level settings as they are; a nested group (augmentation) in a fieldset of its own. */
function SettingsFields({ group, values, errors, onChange }: SettingsFieldsProps) {
  const fields: ReadonlyArray<FormField> = group.fields;
  const inputs = (
    <ParameterFields
      fields={fields}
      values={values}
      errors={errors}
      idPrefix="train"
      onChange={onChange}
    />
  );
  if (group.name === null) return inputs;
  const hintId = `train-${group.name}-hint`;
  return (
    <fieldset className="settings-group" aria-describedby={hintId}>
      <legend>{group.title}</legend>
      <p className="hint" id={hintId}>
        {group.description.replace(/\s*\n+\s*/g, ' ')}
      </p>
      {inputs}
    </fieldset>
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
