import { describe, expect, it } from 'vitest';

import type { ImpulsePublic } from '../client/types.gen';
import {
  flatSettingsFields,
  impulseWithLearningBlocks,
  newClassifier,
  replaceLearningBlock,
} from './learningBlocks';

const impulse: ImpulsePublic = {
  id: 1,
  project_id: 1,
  name: 'Impulse',
  input_block: {
    type: 'time-series',
    axes: ['audio'],
    window_size_ms: 1000,
    window_increase_ms: 500,
    frequency_hz: 16000,
    zero_pad: true,
  },
  dsp_blocks: [
    { id: 1, type: 'mfcc', name: 'MFCC', axes: ['audio'], params: { n_coefficients: 13 } },
    { id: 4, type: 'mfe', name: 'MFE', axes: ['audio'], params: {} },
  ],
  learning_blocks: [{ id: 2, type: 'classifier', dsp_blocks: [1], layers: [] }],
  fingerprint: 'f',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

describe('newClassifier', () => {
  it('takes every DSP block and an id above all block ids', () => {
    expect(newClassifier(impulse)).toEqual({
      id: 5,
      type: 'classifier',
      name: 'Classifier',
      dsp_blocks: [1, 4],
    });
  });
  it('needs a DSP block', () => {
    expect(() => newClassifier({ ...impulse, dsp_blocks: [] })).toThrow(/no DSP block/);
  });
});

describe('impulseWithLearningBlocks', () => {
  it('sends the impulse back unchanged but for its learning blocks', () => {
    const body = impulseWithLearningBlocks(impulse, []);
    expect(body.learning_blocks).toEqual([]);
    expect(body.input_block).toEqual(impulse.input_block);
    expect(body.dsp_blocks).toEqual(impulse.dsp_blocks);
    expect(body.name).toBe('Impulse');
  });
});

describe('replaceLearningBlock', () => {
  it('replaces the block with the same id', () => {
    const changed = { id: 2, type: 'classifier' as const, dsp_blocks: [4] };
    expect(replaceLearningBlock(impulse.learning_blocks, changed)).toEqual([changed]);
  });
  it('refuses a block the impulse does not have', () => {
    expect(() => replaceLearningBlock([], { id: 9, dsp_blocks: [1] })).toThrow(
      'the impulse has no learning block 9',
    );
  });
});

describe('flatSettingsFields', () => {
  it('keeps plain settings and leaves nested groups out', () => {
    const schema = {
      properties: {
        epochs: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        balance_classes: { type: 'boolean', default: false },
        augmentation: { $ref: '#/components/schemas/AugmentationSettings' },
        early_stopping_patience: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
      },
    };
    expect(flatSettingsFields(schema).map((field) => field.name)).toEqual([
      'epochs',
      'balance_classes',
      'early_stopping_patience',
    ]);
  });
});
