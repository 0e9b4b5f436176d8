import { describe, expect, it } from 'vitest';

import { filterResults, formatVotes, sampleResults } from './testResults';

const results = {
  task: 'classification',
  samples: [
    {
      sample_id: 1,
      filename: 'up.0.wav',
      label: 'up',
      windows: 3,
      float32: 'up',
      int8: 'up',
      int8_votes: { up: 3 },
      int8_mean_confidence: 0.9,
      correct: true,
    },
    {
      sample_id: 2,
      filename: 'down.0.wav',
      label: 'down',
      windows: 3,
      float32: 'up',
      int8: 'uncertain',
      int8_votes: { uncertain: 2, up: 1 },
      int8_mean_confidence: 0.4,
      correct: false,
    },
    { sample_id: 3, filename: 'x.csv', label: '1.5', float32: 1.2, int8: 1.3 },
    'not a row',
  ],
};

describe('sampleResults', () => {
  it('reads classification rows and skips the rest', () => {
    const rows = sampleResults(results);
    expect(rows.map((row) => row.sample_id)).toEqual([1, 2]);
    expect(rows[1]).toMatchObject({ int8: 'uncertain', correct: false, int8_mean_confidence: 0.4 });
  });
  it('reads nothing from a malformed answer', () => {
    expect(sampleResults(null)).toEqual([]);
    expect(sampleResults({ samples: 'x' })).toEqual([]);
  });
});

describe('filterResults', () => {
  const rows = sampleResults(results);
  it('keeps mistakes, uncertain answers or a label', () => {
    expect(filterResults(rows, 'wrong', null).map((r) => r.sample_id)).toEqual([2]);
    expect(filterResults(rows, 'uncertain', null).map((r) => r.sample_id)).toEqual([2]);
    expect(filterResults(rows, 'all', 'up').map((r) => r.sample_id)).toEqual([1]);
    expect(filterResults(rows, 'wrong', 'up')).toEqual([]);
  });
});

describe('formatVotes', () => {
  it('puts the most votes first', () => {
    expect(formatVotes({ up: 1, uncertain: 2 })).toBe('uncertain 2, up 1');
    expect(formatVotes({})).toBe('—');
  });
});
