import { describe, expect, it } from 'vitest';

import { labelColor, objectCounts, overlayMarks, parseDetectionResults } from './detection';

const LABELS = ['disc', 'square'];

describe('overlayMarks', () => {
  it('places boxes and centroids in percent of the input, labelled boxes under the found ones', () => {
    const marks = overlayMarks(
      [{ label: 'square', x: 8, y: 16, width: 16, height: 8, score: 0.91 }],
      [{ label: 'disc', x: 0, y: 0, width: 12, height: 12 }],
      [48, 32],
      LABELS,
    );
    expect(marks.map((m) => m.kind)).toEqual(['truth', 'object']);
    const found = marks[1];
    expect(found?.left).toBeCloseTo(100 * (8 / 48));
    expect(found?.top).toBeCloseTo(50);
    expect(found?.width).toBeCloseTo(100 * (16 / 48));
    expect(found?.height).toBeCloseTo(25);
    expect(found?.centerX).toBeCloseTo(100 * (16 / 48));
    expect(found?.centerY).toBeCloseTo(62.5);
    expect(found?.title).toBe('square 91%');
    expect(found?.color).toBe(labelColor('square', LABELS));
    expect(marks[0]?.color).not.toBe(found?.color);
  });

  it('draws nothing for an unknown input size', () => {
    expect(
      overlayMarks([], [{ label: 'disc', x: 0, y: 0, width: 1, height: 1 }], [0, 0], []),
    ).toEqual([]);
  });
});

describe('parseDetectionResults', () => {
  it('reads the test job results, dropping malformed rows', () => {
    const parsed = parseDetectionResults({
      task: 'object_detection',
      labels: LABELS,
      threshold: 0.5,
      int8: {
        f1: 0.8,
        precision: 0.9,
        recall: 0.72,
        per_label: [{ name: 'disc', precision: 1, recall: 0.5, f1: 0.667, support: 4 }],
        confusion_matrix: [
          [0, 1, 0],
          [2, 2, 0],
          [0, 0, 3],
        ],
      },
      samples: [
        {
          sample_id: 7,
          filename: 'a.png',
          input_size: [48, 48],
          boxes: [{ label: 'disc', x: 1, y: 2, width: 3, height: 4 }],
          int8_objects: [{ label: 'disc', x: 0, y: 0, width: 8, height: 8, score: 0.7 }],
          float32_objects: [],
          int8_f1: 1,
          correct: true,
        },
        { sample_id: 8, input_size: 'oops' },
      ],
    });
    expect(parsed.float32).toBeNull();
    expect(parsed.int8?.perLabel[0]?.name).toBe('disc');
    expect(parsed.int8?.confusionMatrix[1]).toEqual([2, 2, 0]);
    expect(parsed.samples).toHaveLength(1);
    expect(parsed.samples[0]?.int8Objects[0]?.score).toBe(0.7);
    expect(parsed.samples[0]?.correct).toBe(true);
  });
});

describe('objectCounts', () => {
  it('counts objects per label', () => {
    const box = { x: 0, y: 0, width: 1, height: 1 };
    expect(
      objectCounts([
        { label: 'square', ...box },
        { label: 'disc', ...box },
        { label: 'disc', ...box },
      ]),
    ).toBe('2 disc, 1 square');
    expect(objectCounts([])).toBe('none');
  });
});
