// Colours of the feature explorer: one per label, stable whatever order the points arrive in.

// Okabe-Ito colours (distinguishable with common colour-vision deficiencies), then more.
export const LABEL_PALETTE: ReadonlyArray<string> = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#D55E00',
  '#56B4E9',
  '#F0E442',
  '#000000',
  '#8C564B',
  '#7F7F7F',
];

/** A colour per label: labels sorted by name take palette colours in order, then repeat. */
export function labelColors(labels: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(labels)].sort((a, b) => a.localeCompare(b));
  return new Map(
    sorted.map((label, index) => [label, LABEL_PALETTE[index % LABEL_PALETTE.length]!]),
  );
}

export interface ExplorerPointLike {
  x: number;
  y: number;
  label: string;
  sample_id: number;
  window_offset_ms: number;
}

export interface LabelSeries<P extends ExplorerPointLike> {
  label: string;
  color: string;
  points: P[];
}

/** Points grouped into one series per label (sorted by label), each with its colour. */
export function seriesByLabel<P extends ExplorerPointLike>(
  points: ReadonlyArray<P>,
): LabelSeries<P>[] {
  const colors = labelColors(points.map((point) => point.label));
  const groups = new Map<string, P[]>();
  for (const point of points) {
    const group = groups.get(point.label);
    if (group) group.push(point);
    else groups.set(point.label, [point]);
  }
  return [...colors].map(([label, color]) => ({ label, color, points: groups.get(label) ?? [] }));
}
