// A thin React wrapper around Plotly: draws `data` and `layout` into a div, reports point clicks
// and ranges selected by dragging (with the layout's dragmode 'select').
import type { Data, Layout, PlotlyHTMLElement, PlotMouseEvent } from 'plotly.js';
import { useEffect, useRef, useState } from 'react';

interface PlotlyChartProps {
  data: Data[];
  layout?: Partial<Layout>;
  /** Accessible name of the chart (it is an image to assistive technology). */
  label: string;
  heightPx?: number;
  onPointClick?: (event: PlotMouseEvent) => void;
  /** The x range dragged across the chart (layout.dragmode must be 'select'). */
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
            height: heightPx,
            margin: { l: 56, r: 16, t: 16, b: 44 },
            font: { family: 'system-ui, sans-serif', size: 12 },
            paper_bgcolor: 'rgba(0,0,0,0)',
            ...layout,
          },
          { responsive: true, displaylogo: false, displayModeBar: false },
        );
        plot.removeAllListeners('plotly_click');
        if (onPointClick) plot.on('plotly_click', onPointClick);
        plot.removeAllListeners('plotly_selected');
        if (onRangeSelect) {
          plot.on('plotly_selected', (event) => {
            // Line-only traces select no points, but the event still carries the dragged range.
            const x = (event as { range?: { x?: number[] } } | undefined)?.range?.x;
            if (x && x.length === 2) onRangeSelect([Number(x[0]), Number(x[1])]);
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
