// A time-series sample plotted per axis (long samples arrive as a min/max envelope); with
// onRangeSelect, dragging across it picks a time range (the crop form uses it).
import { useQuery } from '@tanstack/react-query';
import type { Data, Layout } from 'plotly.js';
import { useMemo } from 'react';

import { samplesReadSampleDataOptions } from '../client/@tanstack/react-query.gen';
import { LABEL_PALETTE } from '../lib/explorerColors';
import { ErrorText } from './ErrorText';
import { PlotlyChart } from './PlotlyChart';

interface SampleChartProps {
  projectId: number;
  sampleId: number;
  onRangeSelect?: (range: [number, number]) => void;
}

export function SampleChart({ projectId, sampleId, onRangeSelect }: SampleChartProps) {
  const series = useQuery(
    samplesReadSampleDataOptions({
      path: { project_id: projectId, sample_id: sampleId },
      query: { max_points: 2000 },
    }),
  );
  const data = useMemo(
    (): Data[] =>
      (series.data?.axes ?? []).map((axis, index) => ({
        type: 'scatter',
        mode: 'lines',
        name: axis.units ? `${axis.name} (${axis.units})` : axis.name,
        x: series.data?.time_ms ?? [],
        y: axis.values,
        line: { width: 1, color: LABEL_PALETTE[index % LABEL_PALETTE.length] },
      })),
    [series.data],
  );
  const selectable = onRangeSelect !== undefined;
  const layout = useMemo(
    (): Partial<Layout> => ({
      xaxis: { title: { text: 'Time (ms)' } },
      showlegend: true,
      // Above the plot: below it, a horizontal legend covers the time axis.
      legend: { orientation: 'h', x: 0, y: 1, yanchor: 'bottom' },
      margin: { l: 56, r: 16, t: 36, b: 44 },
      // Dragging zooms along time only (the value axis stays put): the range zoomed to is the
      // range to keep, and the chart shows exactly that part. A double-click shows it all again.
      ...(selectable ? { dragmode: 'zoom', yaxis: { fixedrange: true } } : {}),
    }),
    [selectable],
  );
  if (series.error) return <ErrorText error={series.error} />;
  if (!series.data) return <p className="muted">Loading the signal…</p>;
  return (
    <>
      <PlotlyChart
        data={data}
        label={`Signal of each axis over time`}
        layout={layout}
        onRangeSelect={onRangeSelect}
      />
      {selectable && (
        <p className="hint">
          Drag across the chart to fill the crop range below (double-click to see the whole sample
          again).
        </p>
      )}
      {series.data.downsampled && (
        <p className="hint">
          {series.data.length} frames shown as a min/max envelope of {series.data.time_ms.length}{' '}
          points.
        </p>
      )}
    </>
  );
}
