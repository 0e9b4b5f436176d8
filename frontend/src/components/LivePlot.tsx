// The last rows of a live source, one line per axis, redrawn at most once a frame.
import { useEffect, useRef, useState } from 'react';

import type { RowBus } from '../lib/rowBus';

const WIDTH = 600;
const HEIGHT = 160;
const COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#ca8a04',
  '#db2777',
];

export function LivePlot({
  bus,
  axisNames,
  windowRows = 300,
}: {
  bus: RowBus;
  axisNames: ReadonlyArray<string>;
  windowRows?: number;
}) {
  const rows = useRef<number[][]>([]);
  const [, redraw] = useState(0);
  useEffect(() => {
    let frame: number | null = null;
    const unsubscribe = bus.subscribe((incoming) => {
      rows.current.push(...incoming.map((row) => [...row]));
      if (rows.current.length > windowRows)
        rows.current.splice(0, rows.current.length - windowRows);
      if (frame === null) {
        frame = requestAnimationFrame(() => {
          frame = null;
          redraw((count) => count + 1);
        });
      }
    });
    return () => {
      unsubscribe();
      if (frame !== null) cancelAnimationFrame(frame);
    };
  }, [bus, windowRows]);

  const data = rows.current;
  const axes = data[0]?.length ?? 0;
  let low = Infinity;
  let high = -Infinity;
  for (const row of data) {
    for (const value of row) {
      low = Math.min(low, value);
      high = Math.max(high, value);
    }
  }
  const span = high - low || 1;
  const x = (index: number) => (index / Math.max(1, windowRows - 1)) * WIDTH;
  const y = (value: number) => HEIGHT - 4 - ((value - low) / span) * (HEIGHT - 8);
  return (
    <figure className="live-plot">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={data.length ? `Live values of ${axisNames.join(', ')}` : 'Waiting for data'}
      >
        {Array.from({ length: axes }, (_, axis) => (
          <polyline
            key={axis}
            fill="none"
            stroke={COLORS[axis % COLORS.length]}
            strokeWidth={1.5}
            vectorEffect="non-scaling-stroke"
            points={data
              .map((row, index) => `${x(index).toFixed(1)},${y(row[axis] ?? 0).toFixed(1)}`)
              .join(' ')}
          />
        ))}
      </svg>
      <figcaption className="live-plot-legend">
        {axisNames.map((name, axis) => (
          <span key={axis}>
            <span className="swatch" style={{ background: COLORS[axis % COLORS.length] }} /> {name}
          </span>
        ))}
        {data.length > 0 && (
          <span className="muted">
            {low.toPrecision(3)} … {high.toPrecision(3)}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
