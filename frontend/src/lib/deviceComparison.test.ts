import { describe, expect, it } from 'vitest';

import type { WindowResultPublic } from '../client/types.gen';
import { agreement, answerOf, classifyOnDevice } from './deviceComparison';
import type { WasmClassifier } from './wasmClassifier';

const LABELS = ['down', 'up'];

function serverWindow(window: number, scores: Record<string, number>, top: string) {
  return { window, offset_ms: window * 250, scores, top } as WindowResultPublic;
}

describe('answerOf', () => {
  it('answers the best label, or uncertain below the threshold', () => {
    expect(answerOf({ down: 0.2, up: 0.8 }, LABELS, 0.6)).toBe('up');
    expect(answerOf({ down: 0.45, up: 0.55 }, LABELS, 0.6)).toBe('uncertain');
    // At the threshold is confident, as on the server (>=).
    expect(answerOf({ down: 0.6, up: 0.4 }, LABELS, 0.6)).toBe('down');
  });

  it('gives a tie to the first label, as numpy argmax does', () => {
    expect(answerOf({ down: 0.5, up: 0.5 }, LABELS, 0)).toBe('down');
  });
});

describe('classifyOnDevice', () => {
  const classifier: WasmClassifier = {
    frameSize: 2,
    labels: LABELS,
    // A stand-in for the module: scores from the window's two values.
    classify: (values) => ({ down: values[0]!, up: values[1]! }),
  };

  it('classifies each window and answers with the threshold', () => {
    const device = classifyOnDevice(
      classifier,
      [
        [0.25, 0.75],
        [0.5, 0.5],
      ],
      0.6,
    );
    expect(device).toEqual([
      { scores: { down: 0.25, up: 0.75 }, top: 'up' },
      { scores: { down: 0.5, up: 0.5 }, top: 'uncertain' },
    ]);
  });

  it('refuses a window of another size, saying what the build takes', () => {
    expect(() => classifyOnDevice(classifier, [[1, 2, 3]], 0.6)).toThrow(
      'Window 1 has 3 values; the device build takes 2.',
    );
  });
});

describe('agreement', () => {
  it('counts identical windows, same answers and the largest difference', () => {
    const server = [
      serverWindow(0, { down: 0.25, up: 0.75 }, 'up'),
      serverWindow(1, { down: 0.5, up: 0.5 }, 'uncertain'),
    ];
    const device = [
      { scores: { down: 0.25, up: 0.75 }, top: 'up' },
      { scores: { down: 0.5078125, up: 0.4921875 }, top: 'uncertain' },
    ];
    expect(agreement(server, device)).toEqual({
      windows: 2,
      identical: 1,
      sameAnswer: 2,
      maxDifference: 0.0078125,
    });
  });

  it('treats a label missing on one side as a full difference', () => {
    const server = [serverWindow(0, { down: 1 }, 'down')];
    const device = [{ scores: { down: 1, up: 0 }, top: 'down' }];
    expect(agreement(server, device)).toMatchObject({ identical: 0, maxDifference: 1 });
  });
});
