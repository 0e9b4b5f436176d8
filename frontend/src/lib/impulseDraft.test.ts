import { describe, expect, it } from 'vitest';

import type { ImpulsePublic } from '../client/types.gen';
import {
  draftFromImpulse,
  draftToRequest,
  NEW_IMPULSE_DRAFT,
  nextDspBlockId,
} from './impulseDraft';

const stored: ImpulsePublic = {
  id: 3,
  project_id: 1,
  name: 'Impulse',
  input_block: {
    type: 'time-series',
    axes: ['audio'],
    window_size_ms: 1000,
    window_increase_ms: 250,
    frequency_hz: 16000,
    zero_pad: true,
  },
  dsp_blocks: [
    { id: 2, type: 'mfcc', name: 'MFCC', axes: ['audio'], params: { n_coefficients: 13 } },
  ],
  learning_blocks: [{ id: 3, type: 'classifier', dsp_blocks: [2] }],
  fingerprint: 'f',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

describe('impulse drafts', () => {
  it('round-trips a stored impulse into the same request', () => {
    const result = draftToRequest(draftFromImpulse(stored));
    expect(result.errors).toBeNull();
    expect(result.body).toEqual({
      input_block: {
        type: 'time-series',
        axes: ['audio'],
        window_size_ms: 1000,
        window_increase_ms: 250,
        frequency_hz: 16000,
        zero_pad: true,
      },
      dsp_blocks: [{ id: 2, type: 'mfcc', name: 'MFCC', params: { n_coefficients: 13 } }],
      learning_blocks: [{ id: 3, type: 'classifier', dsp_blocks: [2] }],
    });
  });

  it('sends empty axes and frequency as null (the data decides)', () => {
    const result = draftToRequest(NEW_IMPULSE_DRAFT);
    expect(result.body?.input_block).toMatchObject({
      axes: null,
      frequency_hz: null,
      window_size_ms: 1000,
    });
  });

  it('splits axes on commas, ignoring blanks', () => {
    const draft = {
      ...NEW_IMPULSE_DRAFT,
      input: { ...NEW_IMPULSE_DRAFT.input, axes: ' accX, ,accY ' },
    };
    expect(draftToRequest(draft).body?.input_block.axes).toEqual(['accX', 'accY']);
  });

  it('names the input-block fields that are not numbers by their request path', () => {
    const draft = {
      ...NEW_IMPULSE_DRAFT,
      input: { ...NEW_IMPULSE_DRAFT.input, windowSizeMs: 'long', windowIncreaseMs: '' },
    };
    expect(draftToRequest(draft)).toEqual({
      body: null,
      errors: {
        'input_block.window_size_ms': '"long" is not a number.',
        'input_block.window_increase_ms': 'Required: a number of milliseconds.',
      },
    });
  });

  it('gives new DSP blocks ids one past the largest', () => {
    expect(nextDspBlockId([])).toBe(1);
    expect(
      nextDspBlockId([
        { id: 4, type: 'mfe', name: '', params: {} },
        { id: 2, type: 'raw', name: '', params: {} },
      ]),
    ).toBe(5);
  });
});
