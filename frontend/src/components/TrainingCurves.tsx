// Per-epoch loss and accuracy curves (Plotly), validation dashed beside training.
import type { Data } from 'plotly.js';

import { splitCurves, type Curve } from '../lib/trainingCurves';
import { PlotlyChart } from './PlotlyChart';

function traces(curves: ReadonlyArray<Curve>): Data[] {
  return curves.map((curve) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: curve.name,
    x: curve.epochs,
    y: curve.values,
    line: { dash: curve.name.startsWith('val_') ? 'dash' : 'solid' },
  }));
}

export function TrainingCurves({ curves }: { curves: ReadonlyArray<Curve> }) {
  if (curves.length === 0) return <p className="muted">No epoch finished yet.</p>;
  const { loss, other } = splitCurves(curves);
  const layout = (title: string) => ({
    xaxis: { title: { text: 'epoch' }, rangemode: 'tozero' as const },
    yaxis: { title: { text: title } },
    showlegend: true,
  });
  return (
    <div className="two-columns training-curves" data-testid="training-curves">
      <PlotlyChart label="Loss per epoch" data={traces(loss)} layout={layout('loss')} />
      {other.length > 0 && (
        <PlotlyChart label="Accuracy per epoch" data={traces(other)} layout={layout('accuracy')} />
      )}
    </div>
  );
}
