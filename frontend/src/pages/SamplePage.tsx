// One sample: its signal per axis, an audio player or the image, a spectrogram preview, crop and split.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import {
  impulsesReadImpulsesOptions,
  samplesCropSampleMutation,
  samplesReadSampleOptions,
  samplesSplitSampleMutation,
} from '../client/@tanstack/react-query.gen';
import { client } from '../client/client.gen';
import type { ImpulsePublic, SamplePublic } from '../client/types.gen';
import { DspPreview } from '../components/DspPreview';
import { ErrorText } from '../components/ErrorText';
import { SampleChart } from '../components/SampleChart';
import {
  checkCrop,
  checkSplit,
  dragRangeToCrop,
  isAudioSample,
  splitLandingPath,
  type CropCheck,
} from '../lib/cropSplit';
import { useProjectPermissions } from '../lib/useProjectPermissions';
import { placeFieldErrors } from '../lib/fieldErrors';
import { formatDuration, formatSampleRate } from '../lib/format';
import { parseProjectId } from '../lib/projectId';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { NotFoundPage } from './NotFoundPage';

// Blocks whose graphs show time against frequency, in the order we prefer them for a preview.
const SPECTROGRAM_BLOCKS = ['spectrogram', 'mfe', 'mfcc'];

export function SamplePage() {
  const params = useParams();
  const projectId = parseProjectId(params.projectId);
  const sampleId = parseProjectId(params.sampleId);
  if (projectId === null || sampleId === null) return <NotFoundPage />;
  return <SampleView projectId={projectId} sampleId={sampleId} />;
}

function SampleView({ projectId, sampleId }: { projectId: number; sampleId: number }) {
  const path = { project_id: projectId, sample_id: sampleId };
  const sample = useQuery(samplesReadSampleOptions({ path }));
  const { canWrite } = useProjectPermissions(projectId);
  useDocumentTitle(sample.data?.filename ?? 'Sample');
  const durationMs = sample.data?.duration_ms ?? 0;
  // The crop range lives here: the chart fills it by dragging, the form edits and sends it.
  const [range, setRange] = useState({ start: '0', end: String(durationMs) });
  // A new sample or a new length (after a crop) starts over with the whole sample.
  useEffect(() => setRange({ start: '0', end: String(durationMs) }), [sampleId, durationMs]);
  const onRangeSelect = useCallback(
    (dragged: [number, number]) => setRange(dragRangeToCrop(dragged, durationMs)),
    [durationMs],
  );
  if (sample.error) {
    return (
      <section>
        <h1>Sample</h1>
        <ErrorText error={sample.error} />
        <Link to={`/projects/${projectId}/data`}>Back to data acquisition</Link>
      </section>
    );
  }
  if (!sample.data) return <p className="muted">Loading…</p>;
  const s = sample.data;
  return (
    <>
      <header className="page-header">
        <p>
          <Link to={`/projects/${projectId}/data`}>← Data acquisition</Link>
        </p>
        <h1>{s.filename}</h1>
        <p className="muted">
          <span className="tag">{s.label}</span> · {s.category} · {formatDuration(s.duration_ms)} ·{' '}
          {formatSampleRate(s.sample_rate_hz)} · {s.axes.map((axis) => axis.name).join(', ')}
        </p>
      </header>
      {s.kind === 'image' ? (
        <section className="panel" aria-labelledby="image-heading">
          <h2 id="image-heading">Image</h2>
          <img
            className="sample-image"
            alt={`${s.filename}, labelled ${s.label}`}
            src={client.buildUrl({
              url: '/api/projects/{project_id}/samples/{sample_id}/image',
              path,
            })}
          />
        </section>
      ) : (
        <>
          <section className="panel" aria-labelledby="signal-heading">
            <h2 id="signal-heading">Signal</h2>
            <SampleChart
              projectId={projectId}
              sampleId={sampleId}
              onRangeSelect={canWrite ? onRangeSelect : undefined}
            />
            {isAudioSample(s) && (
              <audio
                controls
                preload="none"
                aria-label={`Play ${s.filename}`}
                src={client.buildUrl({
                  url: '/api/projects/{project_id}/samples/{sample_id}/wav',
                  path,
                })}
              />
            )}
          </section>
          {/* Spectrograms are of sound: a motion or other sensor series gets none. */}
          {isAudioSample(s) && <SpectrogramPanel sample={s} />}
          {canWrite && (
            <div className="two-columns">
              <CropForm sample={s} range={range} onRange={setRange} />
              <SplitForm sample={s} />
            </div>
          )}
        </>
      )}
    </>
  );
}

function spectrogramBlock(impulse: ImpulsePublic | undefined) {
  for (const type of SPECTROGRAM_BLOCKS) {
    const block = impulse?.dsp_blocks.find((b) => b.type === type);
    if (block) return block;
  }
  return undefined;
}

function SpectrogramPanel({ sample }: { sample: SamplePublic }) {
  const impulses = useQuery(
    impulsesReadImpulsesOptions({ path: { project_id: sample.project_id } }),
  );
  const impulse = impulses.data?.data[0];
  const block = spectrogramBlock(impulse);
  return (
    <section className="panel" aria-labelledby="spectrogram-heading">
      <h2 id="spectrogram-heading">
        Spectrogram{block ? ` (${block.name || block.type} block)` : ''}
      </h2>
      <ErrorText error={impulses.error} />
      {impulses.data && (!impulse || !block) && (
        <p className="muted">
          The preview runs the impulse's Spectrogram, MFE or MFCC block on this sample.{' '}
          <Link to={`/projects/${sample.project_id}/impulse`}>Add one in Create impulse</Link> to
          see it here.
        </p>
      )}
      {impulse && block && (
        <DspPreview impulse={impulse} dspBlockId={block.id} fixedSample={sample} />
      )}
    </section>
  );
}

interface CropRange {
  start: string;
  end: string;
}

function CropForm({
  sample,
  range,
  onRange,
}: {
  sample: SamplePublic;
  range: CropRange;
  onRange: (range: CropRange) => void;
}) {
  const durationMs = sample.duration_ms ?? 0;
  const { start, end } = range;
  const setStart = (value: string) => onRange({ start: value, end });
  const setEnd = (value: string) => onRange({ start, end: value });
  const [errors, setErrors] = useState<CropCheck>({});
  const crop = useMutation({
    ...samplesCropSampleMutation(),
    // The cropped sample is the whole sample now: the form starts over with its new length.
    onSuccess: (cropped) =>
      onRange({ start: '0', end: String(cropped.duration_ms ?? Number(end) - Number(start)) }),
  });
  const placed = placeFieldErrors(crop.error, ['start_ms', 'end_ms']);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkCrop(start, end, durationMs);
    setErrors(found);
    if (found.start_ms || found.end_ms) return;
    crop.mutate({
      path: { project_id: sample.project_id, sample_id: sample.id },
      body: { start_ms: Number(start), end_ms: Number(end) },
    });
  };
  const fields: Array<[keyof CropCheck, string, string, (v: string) => void]> = [
    ['start_ms', 'Keep from (ms)', start, setStart],
    ['end_ms', 'Keep until (ms)', end, setEnd],
  ];
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby="crop-heading">
      <h2 id="crop-heading">Crop</h2>
      {fields.map(([name, label, value, set]) => {
        const message = errors[name] ?? placed.byField[name];
        return (
          <div className="field" key={name}>
            <label htmlFor={`crop-${name}`}>{label}</label>
            <input
              id={`crop-${name}`}
              inputMode="decimal"
              value={value}
              onChange={(event) => set(event.target.value)}
              aria-invalid={message ? true : undefined}
              aria-describedby={`crop-${name}-error`}
            />
            <ErrorText error={message} id={`crop-${name}-error`} />
          </div>
        );
      })}
      <button type="submit" disabled={crop.isPending}>
        Crop sample
      </button>
      {crop.isSuccess && (
        <span className="ok-text" role="status">
          {' '}
          Cropped.
        </span>
      )}
      {placed.unplaced.length > 0 && <ErrorText error={placed.unplaced.join('; ')} />}
      {crop.error != null &&
        Object.keys(placed.byField).length === 0 &&
        placed.unplaced.length === 0 && <ErrorText error={crop.error} />}
    </form>
  );
}

function SplitForm({ sample }: { sample: SamplePublic }) {
  const durationMs = sample.duration_ms ?? 0;
  const [windowMs, setWindowMs] = useState('1000');
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const split = useMutation({
    ...samplesSplitSampleMutation(),
    // The original no longer exists: forget it (so nothing refetches it) and open the first piece.
    onSuccess: (result) => {
      queryClient.removeQueries({
        queryKey: samplesReadSampleOptions({
          path: { project_id: sample.project_id, sample_id: sample.id },
        }).queryKey,
      });
      void navigate(splitLandingPath(sample.project_id, result.data));
    },
  });
  const placed = placeFieldErrors(split.error, ['window_ms']);
  const message = error ?? placed.byField.window_ms ?? null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = checkSplit(windowMs, durationMs);
    setError(found);
    if (found) return;
    split.mutate({
      path: { project_id: sample.project_id, sample_id: sample.id },
      body: { window_ms: Number(windowMs) },
    });
  };
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby="split-heading">
      <h2 id="split-heading">Split</h2>
      <div className="field">
        <label htmlFor="split-window">Length of each new sample (ms)</label>
        <input
          id="split-window"
          inputMode="decimal"
          value={windowMs}
          onChange={(event) => setWindowMs(event.target.value)}
          aria-invalid={message ? true : undefined}
          aria-describedby="split-window-hint split-window-error"
        />
        <p className="hint" id="split-window-hint">
          A tail shorter than this is dropped.
        </p>
        <ErrorText error={message} id="split-window-error" />
      </div>
      <button type="submit" disabled={split.isPending}>
        Split sample
      </button>
      {split.error != null && !placed.byField.window_ms && <ErrorText error={split.error} />}
    </form>
  );
}
