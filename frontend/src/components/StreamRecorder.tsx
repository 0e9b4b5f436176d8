// Record N seconds of a live source (Web Serial or a remote device) with a label, and store them
// through the ordinary upload route as a CSV sample.
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { samplesUploadSamples } from '../client/sdk.gen';
import { apiErrorMessage } from '../lib/apiError';
import { checkRecordingForm } from '../lib/recordingForm';
import { recordRows, type RowBus } from '../lib/rowBus';
import { rowsToCsv, type AxisSpec } from '../lib/serialLines';
import { isUploadAnswer } from '../lib/uploadResults';
import { ErrorText } from './ErrorText';

type Phase =
  { kind: 'idle' } | { kind: 'recording' } | { kind: 'uploading' } | { kind: 'done'; text: string };

export function StreamRecorder({
  projectId,
  bus,
  frequencyHz,
  axes,
  blocked,
  idPrefix,
  fileTag,
}: {
  projectId: number;
  bus: RowBus;
  frequencyHz: number | null;
  axes: ReadonlyArray<AxisSpec>;
  /** Why recording cannot start now (no frequency yet, bad axis names…), or null. */
  blocked: string | null;
  idPrefix: string;
  /** In the stored file's name: LABEL.<fileTag>.<time>.csv */
  fileTag: string;
}) {
  const [label, setLabel] = useState('');
  const [lengthS, setLengthS] = useState('2');
  const [category, setCategory] = useState<'auto' | 'training' | 'testing'>('auto');
  const [errors, setErrors] = useState<{ label?: string; length?: string }>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const queryClient = useQueryClient();
  const busy = phase.kind === 'recording' || phase.kind === 'uploading';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const checked = checkRecordingForm(label, lengthS);
    setErrors(checked.errors);
    if (checked.lengthMs === null || checked.errors.label || frequencyHz === null || blocked)
      return;
    const count = Math.max(2, Math.round((checked.lengthMs / 1000) * frequencyHz));
    setPhase({ kind: 'recording' });
    try {
      const rows = await recordRows(bus, count, checked.lengthMs * 2 + 5000);
      setPhase({ kind: 'uploading' });
      const safe = label.trim().replace(/[^\w.-]+/g, '_') || 'recording';
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = new File(
        [rowsToCsv(rows, frequencyHz, axes)],
        `${safe}.${fileTag}.${stamp}.csv`,
        {
          type: 'text/csv',
        },
      );
      const { data, error } = await samplesUploadSamples({
        path: { project_id: projectId },
        body: { files: [file], label: label.trim(), category },
      });
      void queryClient.invalidateQueries();
      const answer = data ?? (isUploadAnswer(error) ? error : undefined);
      if (answer && answer.accepted.length > 0) {
        setPhase({ kind: 'done', text: `Recorded and stored ${answer.accepted[0]!.filename}.` });
        return;
      }
      setPhase({ kind: 'idle' });
      setFailure(
        `The recording was not stored: ${answer?.rejected[0]?.error ?? apiErrorMessage(error)}`,
      );
    } catch (error) {
      setPhase({ kind: 'idle' });
      setFailure(error instanceof Error ? error.message : String(error));
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-label="Record from this board">
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${idPrefix}-label`}>Label</label>
          <input
            id={`${idPrefix}-label`}
            value={label}
            maxLength={100}
            onChange={(event) => setLabel(event.target.value)}
            aria-invalid={errors.label ? true : undefined}
            aria-describedby={`${idPrefix}-label-error`}
          />
          <ErrorText error={errors.label} id={`${idPrefix}-label-error`} />
        </div>
        <div className="field">
          <label htmlFor={`${idPrefix}-length`}>Length (s)</label>
          <input
            id={`${idPrefix}-length`}
            inputMode="decimal"
            value={lengthS}
            onChange={(event) => setLengthS(event.target.value)}
            aria-invalid={errors.length ? true : undefined}
            aria-describedby={`${idPrefix}-length-error`}
          />
          <ErrorText error={errors.length} id={`${idPrefix}-length-error`} />
        </div>
        <div className="field">
          <label htmlFor={`${idPrefix}-category`}>Category</label>
          <select
            id={`${idPrefix}-category`}
            value={category}
            onChange={(event) => setCategory(event.target.value as typeof category)}
          >
            <option value="auto">Automatic (80/20 split)</option>
            <option value="training">Training</option>
            <option value="testing">Testing</option>
          </select>
        </div>
      </div>
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy || blocked !== null}>
          {phase.kind === 'recording'
            ? 'Recording…'
            : phase.kind === 'uploading'
              ? 'Uploading…'
              : 'Start recording'}
        </button>
        <span role="status" className="ok-text">
          {phase.kind === 'done' ? phase.text : ''}
        </span>
      </div>
      {blocked && <p className="hint">{blocked}</p>}
      <ErrorText error={failure} />
    </form>
  );
}
