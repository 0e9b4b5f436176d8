import { describe, expect, it } from 'vitest';

import { curvesFromHistory, curvesFromLog, parseEpochLine, splitCurves } from './trainingCurves';

describe('parseEpochLine', () => {
  it('reads the epoch and every metric', () => {
    expect(
      parseEpochLine(
        'Epoch 3/30: loss 0.4123, accuracy 0.8000, val_loss 0.5012, val_accuracy 0.7500',
      ),
    ).toEqual({
      epoch: 3,
      epochs: 30,
      metrics: { loss: 0.4123, accuracy: 0.8, val_loss: 0.5012, val_accuracy: 0.75 },
    });
  });
  it('ignores other lines', () => {
    expect(parseEpochLine('Training...')).toBeNull();
    expect(parseEpochLine('Epoch three')).toBeNull();
  });
});

describe('curvesFromLog', () => {
  it('makes one curve per metric in epoch order, the last report of an epoch winning', () => {
    const curves = curvesFromLog([
      'Training...',
      'Epoch 1/2: loss 1.0000, accuracy 0.5000',
      'Epoch 2/2: loss 0.9000, accuracy 0.5500',
      // A retried job reports epoch 2 again.
      'Epoch 2/2: loss 0.8000, accuracy 0.6000',
      'Epoch 1/2: loss nan, accuracy 0.4000',
    ]);
    expect(curves).toEqual([
      { name: 'accuracy', epochs: [1, 2], values: [0.4, 0.6] },
      { name: 'loss', epochs: [2], values: [0.8] },
    ]);
  });
});

describe('curvesFromHistory and splitCurves', () => {
  it('numbers epochs from 1 and keeps losses apart', () => {
    const curves = curvesFromHistory([
      { loss: 1, val_loss: 1.2, accuracy: 0.5 },
      { loss: 0.5, val_loss: 0.7, accuracy: 0.8 },
    ]);
    expect(curves.find((c) => c.name === 'val_loss')).toEqual({
      name: 'val_loss',
      epochs: [1, 2],
      values: [1.2, 0.7],
    });
    const { loss, other } = splitCurves(curves);
    expect(loss.map((c) => c.name)).toEqual(['loss', 'val_loss']);
    expect(other.map((c) => c.name)).toEqual(['accuracy']);
  });
});
