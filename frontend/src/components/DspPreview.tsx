// One DSP block run on one window of a chosen sample (the backend's preview route): its graphs.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';

import { samplesReadSamplesOptions } from '../client/@tanstack/react-query.gen';
import { impulsesPreviewDspBlock } from '../client/sdk.gen';
import type { ImpulsePublic, SamplePublic } from '../client/types.gen';
import { DspGraphs } from './DspGraphs';
import { ErrorText } from './ErrorText';

interface DspPreviewProps {
  impulse: ImpulsePublic;
  dspBlockId: number;
  /** Preview this sample without a picker (the sample page). */
  fixedSample?: SamplePublic;
}

export function DspPreview({ impulse, dspBlockId, fixedSample }: DspPreviewProps) {
  const fixedSampleId = fixedSample?.id;
  const projectId = impulse.project_id;
  const samples = useQuery({
    ...samplesReadSamplesOptions({ path: { project_id: projectId }, query: { limit: 200 } }),
    enabled: fixedSampleId === undefined,
  });
  const [pickedId, setPickedId] = useState<number | null>(null);
  const [windowStartMs, setWindowStartMs] = useState(0);
  const sampleId = fixedSampleId ?? pickedId ?? samples.data?.data[0]?.id ?? null;
  const sample = fixedSample ?? samples.data?.data.find((s) => s.id === sampleId);
  const windowMs = impulse.input_block.window_size_ms ?? 0;
  const stepMs = impulse.input_block.window_increase_ms ?? 100;
  const durationMs = sample?.duration_ms ?? windowMs;
  const lastStartMs = Math.max(0, durationMs - windowMs);
  const ids = useId();

  const preview = useQuery({
    // The fingerprint changes with any parameter, so a saved change draws fresh graphs.
    queryKey: [
      'dsp-preview',
      projectId,
      impulse.id,
      impulse.fingerprint,
      dspBlockId,
      sampleId,
      windowStartMs,
    ],
    enabled: sampleId !== null,
    placeholderData: keepPreviousData,
    queryFn: async () => {
      const { data } = await impulsesPreviewDspBlock({
        path: { project_id: projectId, impulse_id: impulse.id, dsp_block_id: dspBlockId },
        body: { sample_id: sampleId ?? 0, window_start_ms: windowStartMs },
        throwOnError: true,
      });
      return data;
    },
  });

  return (
    <div className="dsp-preview">
      <div className="form-grid">
        {fixedSampleId === undefined && (
          <div className="field">
            <label htmlFor={`${ids}-sample`}>Sample</label>
            <select
              id={`${ids}-sample`}
              value={sampleId ?? ''}
              onChange={(event) => {
                setPickedId(Number(event.target.value));
                setWindowStartMs(0);
              }}
            >
              {samples.data?.data.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.filename} ({s.label})
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field field-wide">
          <label htmlFor={`${ids}-window`}>
            Window start: {windowStartMs} ms of {Math.round(durationMs)} ms
          </label>
          <input
            id={`${ids}-window`}
            type="range"
            min={0}
            max={lastStartMs}
            step={stepMs}
            value={windowStartMs}
            disabled={lastStartMs === 0}
            onChange={(event) => setWindowStartMs(Number(event.target.value))}
          />
        </div>
      </div>
      {samples.data?.count === 0 && (
        <p className="muted">Upload a sample to see this block's graphs.</p>
      )}
      <ErrorText error={samples.error ?? preview.error} />
      {preview.isFetching && <p className="muted">Computing…</p>}
      {preview.data && (
        <>
          <p className="muted">
            Features per window: {preview.data.shape.join(' × ')} ({preview.data.features.length}{' '}
            values)
          </p>
          <DspGraphs graphs={preview.data.graphs} />
        </>
      )}
    </div>
  );
}
