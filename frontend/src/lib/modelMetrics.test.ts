import { describe, expect, it } from 'vitest';

import {
  classificationMetrics,
  confusionRows,
  f1SideBySide,
  formatCount,
  formatPercent,
  formatPointDifference,
  isNotTrained,
  type ClassificationMetrics,
} from './modelMetrics';

const float32: ClassificationMetrics = {
  accuracy: 0.9,
  loss: 0.3,
  confusion_matrix: [
    [4, 1],
    [0, 5],
  ],
  per_class: [
    { name: 'up', precision: 1, recall: 0.8, f1: 0.889, support: 5 },
    { name: 'down', precision: 0.833, recall: 1, f1: 0.909, support: 5 },
  ],
  windows: 10,
};

describe('classificationMetrics', () => {
  it('picks a precision out of the metrics object', () => {
    expect(classificationMetrics({ float32, int8: null }, 'float32')).toBe(float32);
    expect(classificationMetrics({ float32 }, 'int8')).toBeNull();
    // Regression metrics have no accuracy or confusion matrix.
    expect(classificationMetrics({ float32: { mean_squared_error: 1 } }, 'float32')).toBeNull();
    expect(classificationMetrics(null, 'float32')).toBeNull();
  });
});

describe('formatting', () => {
  it.each([
    [0.9125, '91.3%'],
    [1, '100.0%'],
    [null, '—'],
  ])('formatPercent(%s) = %s', (value, text) => {
    expect(formatPercent(value)).toBe(text);
  });
  it.each([
    [-0.0126, '−1.3 pp'],
    [0.004, '+0.4 pp'],
    [0, '±0 pp'],
    [0.00001, '±0 pp'],
    [undefined, '—'],
  ])('formatPointDifference(%s) = %s', (value, text) => {
    expect(formatPointDifference(value)).toBe(text);
  });
  it.each([
    [950, '950'],
    [45_600, '45.6 k'],
    [1_234_567, '1.23 M'],
    [2_500_000_000, '2.5 G'],
    [null, '—'],
  ])('formatCount(%s) = %s', (value, text) => {
    expect(formatCount(value)).toBe(text);
  });
});

describe('confusionRows', () => {
  it('labels rows and gives each cell its share of the row', () => {
    const rows = confusionRows(float32.confusion_matrix, ['up', 'down']);
    expect(rows[0]).toEqual({
      label: 'up',
      total: 5,
      cells: [
        { count: 4, rowShare: 0.8, correct: true },
        { count: 1, rowShare: 0.2, correct: false },
      ],
    });
    expect(rows[1]!.cells[1]).toEqual({ count: 5, rowShare: 1, correct: true });
  });
  it('gives an empty row shares of 0', () => {
    expect(confusionRows([[0]], ['up'])[0]!.cells[0]!.rowShare).toBe(0);
  });
  it('refuses a matrix that does not match the classes', () => {
    expect(() => confusionRows([[1, 2]], ['up', 'down'])).toThrow(
      'the confusion matrix is 1×2 but there are 2 classes',
    );
  });
});

describe('f1SideBySide', () => {
  it('pairs each class F1 of both models', () => {
    const int8 = { ...float32, per_class: [{ ...float32.per_class[1]!, f1: 0.8 }] };
    expect(f1SideBySide(float32, int8)).toEqual([
      { name: 'up', float32: 0.889, int8: null },
      { name: 'down', float32: 0.909, int8: 0.8 },
    ]);
    expect(f1SideBySide(null, null)).toEqual([]);
  });
});

describe('isNotTrained', () => {
  it("recognises the API's answer for a block without a model", () => {
    expect(isNotTrained({ detail: 'learning block 1 has no trained model; train it first' })).toBe(
      true,
    );
  });
  it('leaves other errors to be shown', () => {
    expect(isNotTrained({ detail: 'Not authenticated' })).toBe(false);
    expect(isNotTrained(null)).toBe(false);
  });
});
