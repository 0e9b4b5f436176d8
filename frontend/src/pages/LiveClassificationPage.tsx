// Live classification: record from the microphone (stored as a test sample) or pick a sample,
// and classify it window by window with the int8 model, as the device would.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';

import {
  samplesReadSamplesOptions,
  trainingClassifySampleMutation,
} from '../client/@tanstack/react-query.gen';
import { samplesDeleteSample, samplesUploadSamples } from '../client/sdk.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { ErrorText } from '../components/ErrorText';
import { ImpulseRequired } from '../components/ImpulseRequired';
import { WindowClassification } from '../components/WindowClassification';
import { apiErrorMessage } from '../lib/apiError';
import { microphoneErrorMessage, recordMicrophone } from '../lib/browserCapture';
import { parseProjectId } from '../lib/projectId';
import {
  checkRecordingForm,
  recordingFileName,
  type RecordingFormErrors,
} from '../lib/recordingForm';
import { resample } from '../lib/resample';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useProjectImpulse } from '../lib/useProjectImpulse';
import { useProjectPermissions } from '../lib/useProjectPermissions';
import { encodeWav16 } from '../lib/wav';
import { NotFoundPage } from './NotFoundPage';

export function LiveClassificationPage() {
  const projectId = parseProjectId(useParams().projectId);
  if (projectId === null) return <NotFoundPage />;
  return <LiveClassification projectId={projectId} />;
}

function LiveClassification({ projectId }: { projectId: number }) {
  useDocumentTitle('Live classification');
  const { impulse, isPending, error } = useProjectImpulse(projectId);
  const block = impulse?.learning_blocks[0];
  return (
    <>
      <header className="page-header">
        <h1>Live classification</h1>
        <p className="muted">
          The int8 model classifies a sample window by window on the server (DSP in numpy, model on
          TensorFlow Lite Micro), the answers the device gives.
        </p>
      </header>
      {!impulse ? (
        <ImpulseRequired projectId={projectId} isPending={isPending} error={error} />
      ) : !block ? (
        <p className="muted">
          No learning block yet. <Link to={`/projects/${projectId}/training`}>Train a model</Link>{' '}
          first.
        </p>
      ) : (
        <Classifier impulse={impulse} block={block} />
      )}
    </>
  );
}

function Classifier({ impulse, block }: { impulse: ImpulsePublic; block: LearningBlockPublic }) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id };
  const { canWrite } = useProjectPermissions(impulse.project_id);
  const classify = useMutation(trainingClassifySampleMutation());
  const [threshold, setThreshold] = useState('0.6');
  const thresholdValue = Number(threshold);
  const thresholdInvalid =
    threshold.trim() === '' ||
    !Number.isFinite(thresholdValue) ||
    thresholdValue < 0 ||
    thresholdValue > 1;
  const run = (sampleId: number) =>
    classify.mutate({ path, body: { sample_id: sampleId, uncertain_below: thresholdValue } });
  // A recording that is not kept leaves the dataset as it was, so the features stay fresh (a new
  // sample would make them stale and block deployment until they are generated again).
  const runOnce = (sampleId: number) =>
    classify.mutate(
      { path, body: { sample_id: sampleId, uncertain_below: thresholdValue } },
      {
        onSettled: () =>
          void samplesDeleteSample({
            path: { project_id: impulse.project_id, sample_id: sampleId },
          }),
      },
    );

  return (
    <>
      <section className="panel" aria-labelledby="live-settings-heading">
        <h2 id="live-settings-heading">Threshold</h2>
        <div className="field">
          <label htmlFor="live-threshold">Uncertain below</label>
          <input
            id="live-threshold"
            inputMode="decimal"
            value={threshold}
            onChange={(event) => setThreshold(event.target.value)}
            aria-invalid={thresholdInvalid ? true : undefined}
            aria-describedby="live-threshold-hint live-threshold-error"
          />
          <p className="hint" id="live-threshold-hint">
            A window whose best score is lower is answered &ldquo;uncertain&rdquo; (0 to 1).
          </p>
          <ErrorText
            id="live-threshold-error"
            error={thresholdInvalid ? `"${threshold}" is not a number from 0 to 1.` : null}
          />
        </div>
      </section>
      <div className="two-columns">
        {canWrite && (
          <MicrophonePanel
            impulse={impulse}
            disabled={thresholdInvalid || classify.isPending}
            onStored={(sampleId, keep) => (keep ? run(sampleId) : runOnce(sampleId))}
          />
        )}
        <SamplePicker
          impulse={impulse}
          disabled={thresholdInvalid || classify.isPending}
          onPick={run}
        />
      </div>
      <section className="panel" aria-labelledby="live-result-heading">
        <h2 id="live-result-heading">Result</h2>
        {classify.isPending && <p className="muted">Classifying…</p>}
        {classify.error != null && <ErrorText error={apiErrorMessage(classify.error)} />}
        {classify.data ? (
          <WindowClassification result={classify.data} />
        ) : (
          !classify.isPending && <p className="muted">Record or pick a sample.</p>
        )}
      </section>
    </>
  );
}

function SamplePicker({
  impulse,
  disabled,
  onPick,
}: {
  impulse: ImpulsePublic;
  disabled: boolean;
  onPick: (sampleId: number) => void;
}) {
  const samples = useQuery(
    samplesReadSamplesOptions({
      path: { project_id: impulse.project_id },
      query: { category: 'testing', limit: 1000 },
    }),
  );
  const [sampleId, setSampleId] = useState('');
  return (
    <section className="panel" aria-labelledby="pick-heading">
      <h2 id="pick-heading">Classify a test sample</h2>
      <ErrorText error={samples.error} />
      <form
        className="form-grid"
        onSubmit={(event) => {
          event.preventDefault();
          if (sampleId) onPick(Number(sampleId));
        }}
      >
        <div className="field">
          <label htmlFor="live-sample">Sample</label>
          <select
            id="live-sample"
            value={sampleId}
            onChange={(event) => setSampleId(event.target.value)}
          >
            <option value="">Choose a sample…</option>
            {samples.data?.data.map((sample) => (
              <option key={sample.id} value={sample.id}>
                {sample.filename} ({sample.label})
              </option>
            ))}
          </select>
        </div>
        <div className="field field-action">
          <button type="submit" className="primary" disabled={disabled || !sampleId}>
            Classify
          </button>
        </div>
      </form>
    </section>
  );
}

function MicrophonePanel({
  impulse,
  disabled,
  onStored,
}: {
  impulse: ImpulsePublic;
  disabled: boolean;
  onStored: (sampleId: number, keep: boolean) => void;
}) {
  // The impulse's own rate, so the recording needs no resampling on the server.
  const rateHz = impulse.input_block.frequency_hz ?? 16000;
  const [label, setLabel] = useState('live');
  const [lengthS, setLengthS] = useState('2');
  const [keep, setKeep] = useState(false);
  const [errors, setErrors] = useState<RecordingFormErrors>({});
  const [status, setStatus] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const checked = checkRecordingForm(label, lengthS);
    setErrors(checked.errors);
    if (checked.lengthMs === null || checked.errors.label) return;
    setBusy(true);
    try {
      setStatus('Recording…');
      const capture = await recordMicrophone(checked.lengthMs);
      const wav = encodeWav16(resample(capture.samples, capture.sampleRateHz, rateHz), rateHz);
      const file = new File([wav.slice().buffer], recordingFileName(label, 'mic', new Date()), {
        type: 'audio/wav',
      });
      setStatus('Storing the recording in the test split…');
      const { data, error } = await samplesUploadSamples({
        path: { project_id: impulse.project_id },
        body: { files: [file], label: label.trim(), category: 'testing' },
      });
      const stored = data?.accepted[0];
      if (!stored) {
        setStatus(null);
        setFailure(
          `The recording was not stored: ${data?.rejected[0]?.error ?? apiErrorMessage(error)}`,
        );
        return;
      }
      setStatus(`Recorded ${stored.filename}; classifying it.`);
      onStored(stored.id, keep);
    } catch (error) {
      setStatus(null);
      setFailure(microphoneErrorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="mic-heading">
      <h2 id="mic-heading">Record from the microphone</h2>
      <form className="form-grid" onSubmit={(event) => void submit(event)} noValidate>
        <div className="field">
          <label htmlFor="live-label">Label</label>
          <input
            id="live-label"
            value={label}
            onChange={(event) => setLabel(event.target.value)}
            aria-invalid={errors.label ? true : undefined}
            aria-describedby="live-label-error"
          />
          <ErrorText id="live-label-error" error={errors.label ?? null} />
        </div>
        <div className="field">
          <label htmlFor="live-length">Length (s)</label>
          <input
            id="live-length"
            inputMode="decimal"
            value={lengthS}
            onChange={(event) => setLengthS(event.target.value)}
            aria-invalid={errors.length ? true : undefined}
            aria-describedby="live-length-error"
          />
          <ErrorText id="live-length-error" error={errors.length ?? null} />
        </div>
        <div className="field field-check">
          <input
            id="live-keep"
            type="checkbox"
            checked={keep}
            onChange={(event) => setKeep(event.target.checked)}
            aria-describedby="live-keep-hint"
          />
          <label htmlFor="live-keep">Keep as a test sample</label>
        </div>
        <div className="field field-action">
          <button type="submit" className="primary" disabled={disabled || busy}>
            {busy ? 'Recording…' : 'Record and classify'}
          </button>
        </div>
      </form>
      <p className="hint" id="live-keep-hint">
        Recorded at {rateHz} Hz. The server classifies stored samples, so the recording is stored in
        the test split and, unless kept, deleted again once classified (a kept one changes the
        dataset: features must then be generated again before training or deploying).
      </p>
      {status && (
        <p role="status" data-testid="live-record-status">
          {status}
        </p>
      )}
      <ErrorText error={failure} />
    </section>
  );
}
