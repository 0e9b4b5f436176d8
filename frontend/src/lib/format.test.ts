import { describe, expect, it } from 'vitest';

import {
  modelName,
  describeInputBlock,
  formatAxes,
  formatBytes,
  formatDateTime,
  formatDuration,
  formatSampleRate,
  formatSplit,
  plural,
} from './format';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850.4, '850 ms'],
    [1000, '1 s'],
    [1500, '1.5 s'],
    [1234.5, '1.23 s'],
    [59_990, '59.99 s'],
    [60_000, '1 min 00 s'],
    [125_000, '2 min 05 s'],
    [3_720_000, '1 h 02 min'],
  ])('%d ms reads as %s', (durationMs, expected) => {
    expect(formatDuration(durationMs)).toBe(expected);
  });

  it('shows a dash when the duration is unknown (images)', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
  });

  it('refuses a negative duration, naming the value', () => {
    expect(() => formatDuration(-5)).toThrow(/negative, got -5 ms/);
  });
});

describe('formatSampleRate', () => {
  it.each([
    [16000, '16 kHz'],
    [44100, '44.1 kHz'],
    [22050, '22.05 kHz'],
    [62.5, '62.5 Hz'],
    [100, '100 Hz'],
  ])('%d Hz reads as %s', (sampleRateHz, expected) => {
    expect(formatSampleRate(sampleRateHz)).toBe(expected);
  });

  it('shows a dash for images and nonsense rates', () => {
    expect(formatSampleRate(null)).toBe('—');
    expect(formatSampleRate(0)).toBe('—');
  });
});

describe('formatAxes', () => {
  it('lists axis names with units when they have some', () => {
    expect(
      formatAxes([
        { name: 'accX', units: 'm/s2' },
        { name: 'audio', units: '' },
      ]),
    ).toBe('accX (m/s2), audio');
    expect(formatAxes([])).toBe('—');
  });
});

describe('formatDateTime', () => {
  it('formats to the minute in local time and passes unparseable text through', () => {
    const local = new Date(2026, 6, 5, 9, 3, 59);
    expect(formatDateTime(local.toISOString())).toBe('2026-07-05 09:03');
    expect(formatDateTime('not a date')).toBe('not a date');
  });
});

describe('plural', () => {
  it('uses the singular only for exactly one', () => {
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(0, 'file')).toBe('0 files');
    expect(plural(3, 'axis', 'axes')).toBe('3 axes');
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [32_044, '32 kB'],
    [1_250_000, '1.3 MB'],
    [999_990, '1 MB'],
    [3_000_000_000, '3 GB'],
  ])('%d bytes read as %s', (sizeBytes, expected) => {
    expect(formatBytes(sizeBytes)).toBe(expected);
  });
});

describe('formatSplit', () => {
  it('gives whole percents that add up to 100', () => {
    expect(formatSplit(0.875, 0.125)).toBe('88% / 12%');
    expect(formatSplit(0.8, 0.2)).toBe('80% / 20%');
    expect(formatSplit(1, 0)).toBe('100% / 0%');
    expect(formatSplit(1 / 3, 2 / 3)).toBe('33% / 67%');
  });

  it('shows a dash for an empty dataset', () => {
    expect(formatSplit(0, 0)).toBe('—');
  });
});

describe('describeInputBlock', () => {
  it('says how samples become windows', () => {
    const input = {
      type: 'time-series',
      axes: ['audio'],
      window_size_ms: 1000,
      window_increase_ms: 500,
      frequency_hz: 16000,
    };
    expect(describeInputBlock(input)).toBe('1000 ms windows every 500 ms at 16000 Hz, axes audio');
  });
  it('takes images whole', () => {
    const input = {
      type: 'image',
      axes: ['image'],
      window_size_ms: null,
      window_increase_ms: null,
      frequency_hz: null,
    };
    expect(describeInputBlock(input)).toBe('whole images');
  });
});

describe('modelName', () => {
  it('counts models within the project, falling back to the id', () => {
    expect(modelName({ id: 7, number_in_project: 1 })).toBe('model 1 of this project');
    expect(modelName({ id: 7 })).toBe('model #7');
  });
});
