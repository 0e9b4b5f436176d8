import { describe, expect, it } from 'vitest';

import type { ClassificationPublic } from '../client/types.gen';
import { answerText } from './liveAnswer';

const result = (windows: ClassificationPublic['windows']): ClassificationPublic => ({
  sample_id: null,
  trained_model_id: 1,
  label: null,
  windows,
});

describe('answerText', () => {
  it('names the top class with its score', () => {
    const scores = { up: 0.9, down: 0.1 };
    expect(answerText(result([{ window: 0, offset_ms: 0, scores, top: 'up' }]))).toBe('up (90.0%)');
  });

  it('says uncertain when no class reaches the threshold, and gives a regression value', () => {
    const scores = { up: 0.5, down: 0.5 };
    expect(answerText(result([{ window: 0, offset_ms: 0, scores, top: null }]))).toBe('uncertain');
    expect(answerText(result([{ window: 0, offset_ms: 0, value: 1.23456 }]))).toBe('1.235');
    expect(answerText(result([]))).toBe('no window');
  });
});
