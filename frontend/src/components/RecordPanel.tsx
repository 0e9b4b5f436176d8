// Record a sample in the browser, from the microphone or a phone's accelerometer, and upload it.
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';

import { samplesUploadSamples } from '../client/sdk.gen';
import { apiErrorMessage, errorFieldAmong } from '../lib/apiError';
import { microphoneErrorMessage, recordMicrophone, recordMotion } from '../lib/browserCapture';
import { motionReadingsToCsv } from '../lib/motionCsv';
import {
  checkRecordingForm,
  MIC_SAMPLE_RATES_HZ,
  MOTION_RATES_HZ,
  recordingFileName,
  type RecordingFormErrors,
} from '../lib/recordingForm';
import { resample } from '../lib/resample';
import { isUploadAnswer } from '../lib/uploadResults';
import { encodeWav16 } from '../lib/wav';
import { ErrorText } from './ErrorText';

type Source = 'mic' | 'motion';
type Phase =
  { kind: 'idle' } | { kind: 'recording' } | { kind: 'uploading' } | { kind: 'done'; text: string };

export function RecordPanel({ projectId }: { projectId: number }) {
  const [source, setSource] = useState<Source>('mic');
  const [label, setLabel] = useState('');
  const [lengthS, setLengthS] = useState('1');
  const [micRateHz, setMicRateHz] = useState(16000);
  const [motionRateHz, setMotionRateHz] = useState(50);
  const [category, setCategory] = useState<'auto' | 'training' | 'testing'>('auto');
  const [errors, setErrors] = useState<RecordingFormErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const queryClient = useQueryClient();
  const busy = phase.kind === 'recording' || phase.kind === 'uploading';

  const upload = async (file: File) => {
    setPhase({ kind: 'uploading' });
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
    const reason = answer?.rejected[0]?.error ?? apiErrorMessage(error);
    if (errorFieldAmong(error, ['label']) === 'label') setErrors({ label: reason });
    else setFailure(`The recording was not stored: ${reason}`);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const checked = checkRecordingForm(label, lengthS);
    setErrors(checked.errors);
    if (checked.lengthMs === null || checked.errors.label) return;
    setPhase({ kind: 'recording' });
    const when = new Date();
    try {
      if (source === 'mic') {
        const capture = await recordMicrophone(checked.lengthMs);
        const samples = resample(capture.samples, capture.sampleRateHz, micRateHz);
        const wav = encodeWav16(samples, micRateHz);
        await upload(
          new File([wav.slice().buffer], recordingFileName(label, 'mic', when), {
            type: 'audio/wav',
          }),
        );
      } else {
        const readings = await recordMotion(checked.lengthMs);
        const csv = motionReadingsToCsv(readings, motionRateHz);
        await upload(
          new File([csv], recordingFileName(label, 'motion', when), { type: 'text/csv' }),
        );
      }
    } catch (error) {
      setPhase({ kind: 'idle' });
      setFailure(source === 'mic' ? microphoneErrorMessage(error) : apiErrorMessage(error));
    }
  };

  return (
    <section className="panel" aria-labelledby="record-heading">
      <h2 id="record-heading">Record new data</h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <fieldset className="source-choice">
          <legend>Sensor</legend>
          <label>
            <input
              type="radio"
              name="record-source"
              checked={source === 'mic'}
              onChange={() => setSource('mic')}
            />{' '}
            Microphone
          </label>
          <label>
            <input
              type="radio"
              name="record-source"
              checked={source === 'motion'}
              onChange={() => setSource('motion')}
            />{' '}
            Accelerometer (phone motion sensors)
          </label>
        </fieldset>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="record-label">Label</label>
            <input
              id="record-label"
              value={label}
              maxLength={100}
              onChange={(event) => setLabel(event.target.value)}
              aria-invalid={errors.label ? true : undefined}
              aria-describedby="record-label-error"
            />
            <ErrorText error={errors.label} id="record-label-error" />
          </div>
          <div className="field">
            <label htmlFor="record-length">Length (s)</label>
            <input
              id="record-length"
              inputMode="decimal"
              value={lengthS}
              onChange={(event) => setLengthS(event.target.value)}
              aria-invalid={errors.length ? true : undefined}
              aria-describedby="record-length-error"
            />
            <ErrorText error={errors.length} id="record-length-error" />
          </div>
          {source === 'mic' ? (
            <div className="field">
              <label htmlFor="record-rate">Sample rate</label>
              <select
                id="record-rate"
                value={micRateHz}
                onChange={(event) => setMicRateHz(Number(event.target.value))}
              >
                {MIC_SAMPLE_RATES_HZ.map((rate) => (
                  <option key={rate} value={rate}>
                    {rate} Hz
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <div className="field">
              <label htmlFor="record-motion-rate">Frequency</label>
              <select
                id="record-motion-rate"
                value={motionRateHz}
                onChange={(event) => setMotionRateHz(Number(event.target.value))}
              >
                {MOTION_RATES_HZ.map((rate) => (
                  <option key={rate} value={rate}>
                    {rate} Hz
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="field">
            <label htmlFor="record-category">Category</label>
            <select
              id="record-category"
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
          <button type="submit" className="primary" disabled={busy}>
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
        <ErrorText error={failure} />
      </form>
    </section>
  );
}
