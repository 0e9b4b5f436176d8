// The feature explorer: every window's features projected to 2-D, coloured by label; a click
// on a point opens its sample.
import { useQuery } from '@tanstack/react-query';
import type { Data, PlotMouseEvent } from 'plotly.js';
import { useCallback, useMemo } from 'react';
import { Link, useNavigate } from 'react-router';

import { impulsesReadFeatureExplorerOptions } from '../client/@tanstack/react-query.gen';
import type { ExplorerPoint } from '../client/types.gen';
import { seriesByLabel } from '../lib/explorerColors';
import { ErrorText } from './ErrorText';
import { PlotlyChart } from './PlotlyChart';

interface FeatureExplorerProps {
  projectId: number;
  impulseId: number;
  dspBlockId: number;
}

export function FeatureExplorer({ projectId, impulseId, dspBlockId }: FeatureExplorerProps) {
  const explorer = useQuery(
    impulsesReadFeatureExplorerOptions({
      path: { project_id: projectId, impulse_id: impulseId },
      query: { dsp_block_id: dspBlockId },
    }),
  );
  const navigate = useNavigate();
  const points = explorer.data?.points;
  const series = useMemo(() => seriesByLabel(points ?? []), [points]);
  const data = useMemo(
    (): Data[] =>
      series.map((s) => ({
        type: 'scatter',
        mode: 'markers',
        name: `${s.label} (${s.points.length})`,
        x: s.points.map((p) => p.x),
        y: s.points.map((p) => p.y),
        customdata: s.points.map((p) => p.sample_id),
        text: s.points.map((p) => `${p.label} · sample ${p.sample_id} @ ${p.window_offset_ms} ms`),
        hoverinfo: 'text',
        marker: { color: s.color, size: 8, line: { color: '#fff', width: 0.5 } },
      })),
    [series],
  );
  const openPoint = useCallback(
    (event: PlotMouseEvent) => {
      const sampleId = event.points[0]?.customdata;
      if (typeof sampleId === 'number') void navigate(`/projects/${projectId}/data/${sampleId}`);
    },
    [navigate, projectId],
  );

  if (explorer.error) return <ErrorText error={explorer.error} />;
  if (!explorer.data) return <p className="muted">Loading the feature explorer…</p>;
  if (explorer.data.points.length === 0) return <p className="muted">No features to show yet.</p>;
  return (
    <>
      <p className="muted" data-testid="explorer-summary">
        {explorer.data.points.length} windows, projected with {explorer.data.method.toUpperCase()}
        {explorer.data.state === 'stale' ? ' (stale, see why above)' : ''}. Click a point to open
        its sample.
      </p>
      <PlotlyChart
        data={data}
        layout={{
          xaxis: { zeroline: false },
          yaxis: { zeroline: false },
          legend: { orientation: 'h' },
        }}
        label="Feature explorer scatter plot"
        heightPx={380}
        onPointClick={openPoint}
      />
      <ExplorerLegend points={explorer.data.points} />
      <ExplorerTable projectId={projectId} points={explorer.data.points} />
    </>
  );
}

function ExplorerLegend({ points }: { points: ExplorerPoint[] }) {
  // The same counts as text, for readers who cannot see the colours.
  const series = seriesByLabel(points);
  return (
    <ul className="explorer-legend" aria-label="Windows per label">
      {series.map((s) => (
        <li key={s.label}>
          <span className="swatch" style={{ background: s.color }} aria-hidden="true" /> {s.label}:{' '}
          {s.points.length}
        </li>
      ))}
    </ul>
  );
}

// Shown rows in the table; the plot holds them all.
const TABLE_ROWS = 200;

function ExplorerTable({ projectId, points }: { projectId: number; points: ExplorerPoint[] }) {
  // The points as links, so the keyboard and screen readers can open a window's sample too.
  return (
    <details className="explorer-table">
      <summary>Windows as a table</summary>
      <table className="data-table compact">
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col">Sample</th>
            <th scope="col" className="num">
              Window start
            </th>
            <th scope="col" className="num">
              x
            </th>
            <th scope="col" className="num">
              y
            </th>
          </tr>
        </thead>
        <tbody>
          {points.slice(0, TABLE_ROWS).map((point, index) => (
            <tr key={index}>
              <td>{point.label}</td>
              <td>
                <Link to={`/projects/${projectId}/data/${point.sample_id}`}>
                  Sample {point.sample_id}
                </Link>
              </td>
              <td className="num">{point.window_offset_ms} ms</td>
              <td className="num">{point.x.toFixed(2)}</td>
              <td className="num">{point.y.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {points.length > TABLE_ROWS && (
        <p className="hint">
          The first {TABLE_ROWS} of {points.length} windows.
        </p>
      )}
    </details>
  );
}
