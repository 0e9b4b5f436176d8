import { describe, expect, it } from 'vitest';

import {
  anomalySampleResults,
  filterAnomalyResults,
  filterResults,
  formatVotes,
  sampleResults,
} from './testResults';

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

describe('anomalySampleResults', () => {
  const results = {
    task: 'anomaly',
    threshold: 1.8,
    samples: [
      { sample_id: 1, filename: 'idle.0.csv', label: 'idle', max_score: 0.9, anomaly: false },
      { sample_id: 2, filename: '', label: 'shake', max_score: 4.2, anomaly: true },
      { sample_id: 3, label: 'idle', max_score: 2.1, anomaly: true },
      { sample_id: 'x', anomaly: true },
      { sample_id: 4, label: 'idle', max_score: 0.5 },
    ],
  };

  it('reads the scored samples and skips malformed rows', () => {
    const rows = anomalySampleResults(results);
    expect(rows.map((row) => row.sample_id)).toEqual([1, 2, 3]);
    expect(rows[1]).toEqual({
      sample_id: 2,
      filename: '#2',
      label: 'shake',
      max_score: 4.2,
      anomaly: true,
    });
  });

  it('gives no rows for classification results', () => {
    expect(anomalySampleResults({ task: 'classification', samples: results.samples })).toEqual([]);
  });

  it('filters anomalies, normal samples and labels, highest score first', () => {
    const rows = anomalySampleResults(results);
    expect(filterAnomalyResults(rows, 'all', null).map((row) => row.sample_id)).toEqual([2, 3, 1]);
    expect(filterAnomalyResults(rows, 'anomalies', null).map((row) => row.sample_id)).toEqual([
      2, 3,
    ]);
    expect(filterAnomalyResults(rows, 'normal', null).map((row) => row.sample_id)).toEqual([1]);
    expect(filterAnomalyResults(rows, 'anomalies', 'idle').map((row) => row.sample_id)).toEqual([
      3,
    ]);
  });
});
