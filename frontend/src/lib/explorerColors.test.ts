import { describe, expect, it } from 'vitest';

import { LABEL_PALETTE, labelColors, seriesByLabel } from './explorerColors';

const point = (label: string, sampleId: number) => ({
  x: sampleId,
  y: 0,
  label,
  sample_id: sampleId,
  window_offset_ms: 0,
});

describe('labelColors', () => {
  it('gives each label the same colour whatever the order of the points', () => {
    const a = labelColors(['yes', 'no', 'noise', 'yes']);
    const b = labelColors(['noise', 'yes', 'no']);
    expect([...a]).toEqual([...b]);
    expect(a.get('no')).toBe(LABEL_PALETTE[0]);
    expect(a.get('noise')).toBe(LABEL_PALETTE[1]);
    expect(a.get('yes')).toBe(LABEL_PALETTE[2]);
  });

  it('gives different labels different colours up to the palette size, then repeats', () => {
    const labels = Array.from(
      { length: LABEL_PALETTE.length + 1 },
      (_, i) => `l${String(i).padStart(2, '0')}`,
    );
    const colors = labelColors(labels);
    expect(new Set(labels.slice(0, LABEL_PALETTE.length).map((l) => colors.get(l))).size).toBe(
      LABEL_PALETTE.length,
    );
    expect(colors.get(labels[LABEL_PALETTE.length]!)).toBe(LABEL_PALETTE[0]);
  });
});

describe('seriesByLabel', () => {
  it('groups points by label, keeping each point and its sample', () => {
    const series = seriesByLabel([point('yes', 1), point('no', 2), point('yes', 3)]);
    expect(series.map((s) => [s.label, s.points.map((p) => p.sample_id)])).toEqual([
      ['no', [2]],
      ['yes', [1, 3]],
    ]);
    expect(series[0]!.color).toBe(LABEL_PALETTE[0]);
  });

  it('gives no series for no points', () => {
    expect(seriesByLabel([])).toEqual([]);
  });
});
