import { describe, expect, it } from 'vitest';

import { featureStateText, staleText } from './featureState';

describe('featureStateText', () => {
  it('says why stale features are stale, as the server words it', () => {
    expect(
      featureStateText({
        state: 'stale',
        stale_reason:
          "the dataset changed since the features were generated: 1 sample(s) cropped ('yes.wav')",
        window_count: 8,
        shape: [24, 13],
      }),
    ).toBe(
      "Features are stale: the dataset changed since the features were generated: 1 sample(s) cropped ('yes.wav'). Generate again.",
    );
  });

  it('reads none and ready', () => {
    expect(featureStateText({ state: 'none', window_count: 0, shape: null })).toBe(
      'No features generated yet.',
    );
    expect(featureStateText({ state: 'ready', window_count: 8, shape: [24, 13] })).toBe(
      'Ready: 8 windows of 24 × 13 features.',
    );
  });

  it('falls back to the parameters when no reason is given', () => {
    expect(staleText(null)).toBe(
      'Features are stale: the parameters changed since. Generate again.',
    );
  });
});
