// A DSP block's graphs for one window (lines, bars, images) drawn with Plotly.
import type { Data, Layout } from 'plotly.js';
import { useMemo } from 'react';

import type { Graph } from '../client/types.gen';
import { PlotlyChart } from './PlotlyChart';

function axisTitle(title: string, unit: string | undefined): string {
  return unit ? `${title} (${unit})` : title;
}

function GraphChart({ graph }: { graph: Graph }) {
  const [data, layout] = useMemo((): [Data[], Partial<Layout>] => {
    const axes: Partial<Layout> = {
      xaxis: { title: { text: axisTitle(graph.x_title, graph.x_unit) } },
      yaxis: { title: { text: axisTitle(graph.y_title, graph.y_unit) } },
    };
    if (graph.kind === 'image') {
      return [[{ type: 'heatmap', z: graph.matrix ?? [], colorscale: 'Viridis' }], axes];
    }
    const trace: Data =
      graph.kind === 'bar'
        ? { type: 'bar', x: graph.x ?? [], y: graph.y ?? [] }
        : { type: 'scatter', mode: 'lines', x: graph.x ?? [], y: graph.y ?? [] };
    return [[trace], axes];
  }, [graph]);
  return (
    <figure className="graph">
      <figcaption>{graph.name}</figcaption>
      <PlotlyChart data={data} layout={layout} label={`${graph.name} graph`} heightPx={240} />
    </figure>
  );
}

export function DspGraphs({ graphs }: { graphs: ReadonlyArray<Graph> }) {
  if (graphs.length === 0) return <p className="muted">This block draws no graphs.</p>;
  return (
    <div className="graphs">
      {graphs.map((graph) => (
        <GraphChart key={graph.name} graph={graph} />
      ))}
    </div>
  );
}
