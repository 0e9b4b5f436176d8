// One sample classified window by window by the int8 model: scores per window (chart and table).
import type { Data } from 'plotly.js';

import type { ClassificationPublic } from '../client/types.gen';
import { formatPercent } from '../lib/modelMetrics';
import { formatVotes } from '../lib/testResults';
import { PlotlyChart } from './PlotlyChart';

export function WindowClassification({ result }: { result: ClassificationPublic }) {
  const classes = Object.keys(result.windows.find((w) => w.scores)?.scores ?? {});
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
      </p>
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
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
