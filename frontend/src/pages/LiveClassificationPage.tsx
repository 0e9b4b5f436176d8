// Live classification: classify the microphone or a phone's motion sensors continuously, or record
// from the microphone or pick a test sample, and classify it window by window: on the server (numpy DSP + the int8 model on TFLite Micro) and, when the model has a
// WebAssembly build, with that device build in this browser, the two compared window by window.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';

import {
  samplesReadSamplesOptions,
  trainingReadTrainedModelOptions,
} from '../client/@tanstack/react-query.gen';
import { samplesUploadSamples, trainingClassifySample } from '../client/sdk.gen';
import type {
  ClassificationPublic,
  ClassifyRequest,
  ImpulsePublic,
  LearningBlockPublic,
} from '../client/types.gen';
import { ContinuousClassification } from '../components/ContinuousClassification';
import { DeviceClassification } from '../components/DeviceClassification';
import { ErrorText } from '../components/ErrorText';
import { ImpulseRequired } from '../components/ImpulseRequired';
import { LearningBlockSelect, useSelectedLearningBlock } from '../components/LearningBlockSelect';
import { ModelWarning } from '../components/ModelWarning';
import { DetectionImage } from '../components/DetectionImage';
import { LiveDetectionPanel } from '../components/LiveDetectionPanel';
import { WindowClassification } from '../components/WindowClassification';
import { apiErrorMessage } from '../lib/apiError';
import { microphoneErrorMessage, recordMicrophone } from '../lib/browserCapture';
import { objectCounts, parseBoxes, parseObjects } from '../lib/detection';
import { classifyOnDevice, type DeviceWindow } from '../lib/deviceComparison';
import { modelName } from '../lib/format';
import { isNetworkBlock } from '../lib/learningBlockSelection';
import { parseProjectId } from '../lib/projectId';
import {
  checkRecordingForm,
  recordingFileName,
  type RecordingFormErrors,
} from '../lib/recordingForm';
import { resample } from '../lib/resample';
import { useDeviceBuild, type DeviceBuild } from '../lib/useDeviceBuild';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useProjectImpulse } from '../lib/useProjectImpulse';
import { useProjectPermissions } from '../lib/useProjectPermissions';
import { encodeWav16, toPcm16 } from '../lib/wav';
import { NotFoundPage } from './NotFoundPage';

type Source = Pick<ClassifyRequest, 'sample_id' | 'signal'>;

interface LiveResult {
  server: ClassificationPublic;
  device: DeviceWindow[] | null;
  deviceError: string | null;
}

export function LiveClassificationPage() {
  const projectId = parseProjectId(useParams().projectId);
  if (projectId === null) return <NotFoundPage />;
  return <LiveClassification projectId={projectId} />;
}

function LiveClassification({ projectId }: { projectId: number }) {
  useDocumentTitle('Live classification');
  const { impulse, isPending, error } = useProjectImpulse(projectId);
  const { block, blocks, selectBlock } = useSelectedLearningBlock(impulse, isNetworkBlock);
  return (
    <>
      <header className="page-header">
        <h1>Live classification</h1>
        <p className="muted">
          Each window is classified by the int8 model on the server and, once the model has a
          WebAssembly build, by that build of the device library in this browser: the same C++ as
          the microcontroller runs.
        </p>
      </header>
      {!impulse ? (
        <ImpulseRequired projectId={projectId} isPending={isPending} error={error} />
      ) : !block ? (
        <p className="muted">
          No classifier or regression block yet.{' '}
          <Link to={`/projects/${projectId}/training`}>Add and train one</Link> first.
        </p>
      ) : (
        <>
          {blocks.length > 1 && (
            <section className="panel" aria-label="Learning block">
              <LearningBlockSelect
                impulse={impulse}
                blocks={blocks}
                selectedId={block.id}
                onSelect={selectBlock}
              />
            </section>
          )}
          <Classifier key={block.id} impulse={impulse} block={block} />
        </>
      )}
    </>
  );
}

function Classifier({ impulse, block }: { impulse: ImpulsePublic; block: LearningBlockPublic }) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id, block_id: block.id };
  const model = useQuery(trainingReadTrainedModelOptions({ path }));
  const device = useDeviceBuild(impulse, model.data?.id);
  const [threshold, setThreshold] = useState('0.6');
  const thresholdValue = Number(threshold);
  const thresholdInvalid =
    threshold.trim() === '' ||
    !Number.isFinite(thresholdValue) ||
    thresholdValue < 0 ||
    thresholdValue > 1;

  const classify = useMutation({
    mutationFn: async (source: Source): Promise<LiveResult> => {
      // The device comparison is per window of scores; a detector's answer is its objects.
      const classifier = model.data?.task === 'object_detection' ? null : device.classifier;
      const { data: server } = await trainingClassifySample({
        path,
        body: { ...source, uncertain_below: thresholdValue, include_windows: !!classifier },
        throwOnError: true,
      });
      if (!classifier) return { server, device: null, deviceError: null };
      if (!server.raw_windows) {
        const why = server.raw_windows_note ?? 'the server returned no raw windows';
        return { server, device: null, deviceError: `Not run on the device build: ${why}.` };
      }
      try {
        const windows = classifyOnDevice(classifier, server.raw_windows, thresholdValue);
        return { server, device: windows, deviceError: null };
      } catch (error) {
        return { server, device: null, deviceError: String((error as Error).message ?? error) };
      }
    },
  });
  const busy = thresholdInvalid || classify.isPending;

  if (model.isPending) return <p className="muted">Loading the trained model…</p>;
  if (model.error) {
    return (
      <section className="panel">
        <ErrorText error={model.error} />
        <p className="muted">
          <Link to={`/projects/${impulse.project_id}/training?block=${block.id}`}>
            Train this block
          </Link>{' '}
          first.
        </p>
      </section>
    );
  }

  return (
    <>
      <ModelWarning model={model.data} />
      <div className="two-columns">
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
        <DeviceBuildPanel impulse={impulse} model={model.data} device={device} />
      </div>
      {model.data.task === 'object_detection' && device.classifier && (
        <LiveDetectionPanel
          classifier={device.classifier}
          labels={model.data.class_names ?? device.classifier.labels}
        />
      )}
      <ContinuousClassification
        impulse={impulse}
        blockId={block.id}
        uncertainBelow={thresholdValue}
        disabled={thresholdInvalid}
      />
      <div className="two-columns">
        {impulse.input_block.axes.length === 1 && (
          <MicrophonePanel
            impulse={impulse}
            disabled={busy}
            onRecorded={(signal) => classify.mutate({ signal })}
          />
        )}
        <SamplePicker
          impulse={impulse}
          disabled={busy}
          onPick={(sampleId) => classify.mutate({ sample_id: sampleId })}
        />
      </div>
      <section className="panel" aria-labelledby="live-result-heading">
        <h2 id="live-result-heading">Result</h2>
        {classify.isPending && <p className="muted">Classifying…</p>}
        {classify.error != null && <ErrorText error={apiErrorMessage(classify.error)} />}
        {classify.data?.server.objects ? (
          <>
            <h3>On the server (TensorFlow Lite Micro)</h3>
            {classify.data.server.sample_id != null && classify.data.server.input_size ? (
              <DetectionImage
                projectId={impulse.project_id}
                sampleId={classify.data.server.sample_id}
                alt="The sample with the objects found by the int8 model"
                objects={parseObjects(classify.data.server.objects)}
                boxes={parseBoxes(classify.data.server.boxes)}
                inputSize={[
                  classify.data.server.input_size[0] ?? 0,
                  classify.data.server.input_size[1] ?? 0,
                ]}
                labels={model.data?.class_names ?? []}
              />
            ) : (
              <p>Found: {objectCounts(parseObjects(classify.data.server.objects))}</p>
            )}
          </>
        ) : classify.data ? (
          <>
            <h3>On the server (TensorFlow Lite Micro)</h3>
            <WindowClassification result={classify.data.server} />
            {classify.data.device && (
              <DeviceClassification
                server={classify.data.server.windows}
                device={classify.data.device}
              />
            )}
            <ErrorText error={classify.data.deviceError} />
          </>
        ) : (
          !classify.isPending && <p className="muted">Record or pick a sample.</p>
        )}
      </section>
    </>
  );
}

function DeviceBuildPanel({
  impulse,
  model,
  device,
}: {
  impulse: ImpulsePublic;
  model: { id: number; number_in_project?: number; task?: string };
  device: DeviceBuild;
}) {
  const deployment = `/projects/${impulse.project_id}/deployment`;
  return (
    <section className="panel" aria-labelledby="device-build-heading">
      <h2 id="device-build-heading">Device build in this browser</h2>
      <div data-testid="device-build-status">
        {device.isLoading ? (
          <p className="muted">Loading the WebAssembly build…</p>
        ) : device.error ? (
          <ErrorText
            error={`The WebAssembly build could not start: ${apiErrorMessage(device.error)}`}
          />
        ) : device.build && device.classifier ? (
          <p>
            Running <strong>{device.build.file_name}</strong> ({modelName(model)},{' '}
            {device.classifier.frameSize} values per window, labels{' '}
            {device.classifier.labels.join(', ')}):{' '}
            {model.task === 'object_detection'
              ? 'it detects objects on the camera below.'
              : 'every window is classified by it too.'}
          </p>
        ) : (
          <p className="muted">
            {device.outdated
              ? `The newest WebAssembly build is of an older model, not of the current ${modelName(model)}. `
              : `The current ${modelName(model)} has no WebAssembly build. `}
            <Link to={deployment}>Build the WebAssembly target</Link> to classify with the device
            library in this browser as well.
          </p>
        )}
      </div>
    </section>
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
  onRecorded,
}: {
  impulse: ImpulsePublic;
  disabled: boolean;
  onRecorded: (signal: NonNullable<ClassifyRequest['signal']>) => void;
}) {
  // The impulse's own rate, so the server classifies the very values a kept recording stores.
  const rateHz = Math.round(impulse.input_block.frequency_hz ?? 16000);
  const { canWrite } = useProjectPermissions(impulse.project_id);
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
    // The label only matters for a recording that is kept.
    const checked = checkRecordingForm(keep ? label : 'recording', lengthS);
    setErrors(checked.errors);
    if (checked.lengthMs === null || checked.errors.label) return;
    setBusy(true);
    try {
      setStatus('Recording…');
      const capture = await recordMicrophone(checked.lengthMs);
      const samples = resample(capture.samples, capture.sampleRateHz, rateHz);
      const seconds = (samples.length / rateHz).toFixed(1);
      setStatus(`Recorded ${seconds} s at ${rateHz} Hz; classifying it.`);
      onRecorded({
        values: Array.from(toPcm16(samples)),
        axes: impulse.input_block.axes,
        frequency_hz: rateHz,
      });
      if (keep) {
        const name = recordingFileName(label, 'mic', new Date());
        const file = new File([encodeWav16(samples, rateHz).slice().buffer], name, {
          type: 'audio/wav',
        });
        const { data, error } = await samplesUploadSamples({
          path: { project_id: impulse.project_id },
          body: { files: [file], label: label.trim(), category: 'testing' },
        });
        const stored = data?.accepted[0];
        if (stored) {
          setStatus(`Recorded ${seconds} s at ${rateHz} Hz; kept as ${stored.filename}.`);
        } else {
          setFailure(
            `The recording was not kept: ${data?.rejected[0]?.error ?? apiErrorMessage(error)}`,
          );
        }
      }
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
        {canWrite && (
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
        )}
        {keep && (
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
        )}
        <div className="field field-action">
          <button type="submit" className="primary" disabled={disabled || busy}>
            {busy ? 'Recording…' : 'Record and classify'}
          </button>
        </div>
      </form>
      <p className="hint" id="live-keep-hint">
        Recorded at {rateHz} Hz and classified without being stored. A kept recording joins the test
        split, which changes the dataset: features must then be generated again before training or
        deploying.
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
