// A thin React wrapper around Plotly: draws `data` and `layout` into a div, reports point clicks
// and the x range zoomed to by dragging.
import type { Data, Layout, PlotlyHTMLElement, PlotMouseEvent } from 'plotly.js';
import { useEffect, useRef, useState } from 'react';

interface PlotlyChartProps {
  data: Data[];
  layout?: Partial<Layout>;
  /** Accessible name of the chart (it is an image to assistive technology). */
  label: string;
  heightPx?: number;
  onPointClick?: (event: PlotMouseEvent) => void;
  /** The x range dragged across the chart (a zoom along x: give the y axis a fixed range). */
  onRangeSelect?: (range: [number, number]) => void;
}

// Plotly is large; load it on the first chart instead of with the app.
const loadPlotly = () => import('plotly.js-dist-min').then((module) => module.default);

export function PlotlyChart({
  data,
  layout,
  label,
  heightPx = 260,
  onPointClick,
  onRangeSelect,
}: PlotlyChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    loadPlotly()
      .then(async (Plotly) => {
        const element = ref.current;
        if (cancelled || !element) return;
        const plot: PlotlyHTMLElement = await Plotly.react(
          element,
          data,
          {
            // The width is the container's (a phone's too); `responsive` follows its changes.
            autosize: true,
            height: heightPx,
            margin: { l: 56, r: 16, t: 16, b: 44 },
            font: { family: 'system-ui, sans-serif', size: 12 },
            paper_bgcolor: 'rgba(0,0,0,0)',
            ...layout,
          },
          // No pop-up tips ("Double-click to zoom back out"): the pages say what a drag does.
          { responsive: true, displaylogo: false, displayModeBar: false, showTips: false },
        );
        plot.removeAllListeners('plotly_click');
        if (onPointClick) plot.on('plotly_click', onPointClick);
        plot.removeAllListeners('plotly_relayout');
        if (onRangeSelect) {
          // A zoom along x (dragmode 'zoom' with a fixed y axis) reports the range dragged.
          plot.on('plotly_relayout', (event) => {
            const update = event as Record<string, unknown>;
            const pair = update['xaxis.range'] as number[] | undefined;
            const from = pair?.[0] ?? update['xaxis.range[0]'];
            const to = pair?.[1] ?? update['xaxis.range[1]'];
            if (from != null && to != null) onRangeSelect([Number(from), Number(to)]);
          });
        }
      })
      .catch((error: unknown) => setFailure(String(error)));
    return () => {
      cancelled = true;
    };
  }, [data, layout, heightPx, onPointClick, onRangeSelect]);

  useEffect(() => {
    const element = ref.current;
    return () => {
      if (element) void loadPlotly().then((Plotly) => Plotly.purge(element));
    };
  }, []);

  if (failure) return <p className="error-text">The chart could not be drawn: {failure}</p>;
  return (
    <div
      ref={ref}
      className="chart"
      role="img"
      aria-label={label}
      style={{ minHeight: heightPx }}
    />
  );
}
