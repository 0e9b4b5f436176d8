// One sample classified window by window by the int8 model: scores per window (chart and table),
// and the anomaly block's score next to them when the impulse has a trained one.
import type { Data } from 'plotly.js';

import type { ClassificationPublic } from '../client/types.gen';
import { formatPercent } from '../lib/modelMetrics';
import { formatVotes } from '../lib/testResults';
import { PlotlyChart } from './PlotlyChart';

export function WindowClassification({ result }: { result: ClassificationPublic }) {
  const classes = Object.keys(result.windows.find((w) => w.scores)?.scores ?? {});
  const hasAnomaly = result.windows.some((w) => w.anomaly != null);
  const anomalous = result.windows.filter((w) => w.anomalous).length;
  const traces: Data[] = classes.map((name) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name,
    x: result.windows.map((w) => w.offset_ms),
    y: result.windows.map((w) => w.scores?.[name] ?? null),
  }));
  return (
    <div className="window-classification" data-testid="window-classification">
      <p>
        {result.label != null ? (
          <>
            Labelled <span className="tag">{result.label}</span>
          </>
        ) : (
          'A recording'
        )}{' '}
        · {result.windows.length} windows · {result.precision} model #{result.trained_model_id} ·
        answers: <strong data-testid="window-votes">{formatVotes(result.top_counts ?? {})}</strong>
        {hasAnomaly && (
          <>
            {' '}
            · anomalous:{' '}
            <strong data-testid="window-anomalous">
              {anomalous} of {result.windows.length}
            </strong>{' '}
            (threshold {result.anomaly_threshold?.toFixed(3)})
          </>
        )}
      </p>
      {result.anomaly_note && <p className="muted">No anomaly scores: {result.anomaly_note}.</p>}
      {traces.length > 0 && (
        <PlotlyChart
          label="Score of each label per window"
          data={traces}
          layout={{
            xaxis: { title: { text: 'window start (ms)' } },
            yaxis: { title: { text: 'score' }, range: [0, 1] },
          }}
          heightPx={220}
        />
      )}
      <div className="table-scroll">
        <table className="data-table compact">
          <thead>
            <tr>
              <th scope="col" className="num">
                Window
              </th>
              <th scope="col" className="num">
                Start
              </th>
              <th scope="col">Answer</th>
              {classes.map((name) => (
                <th scope="col" className="num" key={name}>
                  {name}
                </th>
              ))}
              {hasAnomaly && (
                <th scope="col" className="num">
                  Anomaly
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {result.windows.map((window) => (
              <tr key={window.window}>
                <td className="num">{window.window + 1}</td>
                <td className="num">{Math.round(window.offset_ms)} ms</td>
                <td>{window.top ?? (window.value !== null ? window.value?.toFixed(3) : '—')}</td>
                {classes.map((name) => (
                  <td className="num" key={name}>
                    {formatPercent(window.scores?.[name])}
                  </td>
                ))}
                {hasAnomaly && (
                  <td className="num" data-testid="window-anomaly">
                    {window.anomaly?.toFixed(3) ?? '—'}
                    {window.anomalous ? ' (anomalous)' : ''}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
