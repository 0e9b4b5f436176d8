import { describe, expect, it } from 'vitest';

import {
  blocksExpertScript,
  isOptimizationRefusal,
  optimizationErrors,
  optimizationInputs,
  optimizationLock,
  optimizationValues,
} from './optimization';

const block = { id: 3, dsp_blocks: [1] };

describe('optimizationInputs and optimizationValues', () => {
  it('shows a stored block and sends back what the inputs say', () => {
    const inputs = optimizationInputs({ ...block, pruning_sparsity: 0.5 });
    expect(inputs).toEqual({ quantizationAware: false, pruningSparsity: '0.5' });
    expect(optimizationValues(inputs)).toEqual({
      values: { quantization_aware_training: false, pruning_sparsity: 0.5 },
      errors: {},
    });
  });

  it('sends an empty sparsity as no pruning', () => {
    expect(optimizationValues({ quantizationAware: true, pruningSparsity: '  ' }).values).toEqual({
      quantization_aware_training: true,
      pruning_sparsity: null,
    });
  });

  it('refuses a sparsity that is not a number, saying what to give', () => {
    const { values, errors } = optimizationValues({
      quantizationAware: false,
      pruningSparsity: 'half',
    });
    expect(values).toBeNull();
    expect(errors.pruning_sparsity).toMatch(/"half" is not a number.*0\.1 and 0\.95/);
  });

  it('leaves the range to the server, whose message is shown beside the input', () => {
    expect(
      optimizationValues({ quantizationAware: false, pruningSparsity: '0.99' }).values,
    ).toEqual({ quantization_aware_training: false, pruning_sparsity: 0.99 });
  });
});

describe('optimizationLock', () => {
  it('disables each input while the other is on, with the reason', () => {
    expect(optimizationLock({ quantizationAware: true, pruningSparsity: '' })).toEqual({
      quantization_aware_training: null,
      pruning_sparsity: expect.stringMatching(/quantization-aware training/),
    });
    expect(optimizationLock({ quantizationAware: false, pruningSparsity: '0.3' })).toEqual({
      quantization_aware_training: expect.stringMatching(/pruning/),
      pruning_sparsity: null,
    });
    expect(optimizationLock({ quantizationAware: false, pruningSparsity: '' })).toEqual({
      quantization_aware_training: null,
      pruning_sparsity: null,
    });
  });
});

describe('blocksExpertScript', () => {
  it('is true while either is saved on the block', () => {
    expect(blocksExpertScript(block)).toBe(false);
    expect(blocksExpertScript({ ...block, quantization_aware_training: true })).toBe(true);
    expect(blocksExpertScript({ ...block, pruning_sparsity: 0.2 })).toBe(true);
  });
});

describe('optimizationErrors', () => {
  it("puts the impulse save's messages about block 1 beside its inputs", () => {
    const error = {
      detail: [
        {
          loc: ['body', 'learning_blocks', 1, 'pruning_sparsity'],
          msg: 'Input should be less than or equal to 0.95',
        },
        {
          loc: ['body', 'learning_blocks', 1],
          msg: 'Value error, choose quantization-aware training or pruning, not both',
        },
        {
          loc: ['body', 'learning_blocks', 1, 'layers'],
          msg: 'the network cannot take features (49, 13)',
        },
        { loc: ['body', 'learning_blocks', 0, 'pruning_sparsity'], msg: 'another block' },
      ],
    };
    expect(optimizationErrors(error, 1)).toEqual({
      byField: { pruning_sparsity: 'Input should be less than or equal to 0.95' },
      block: 'choose quantization-aware training or pruning, not both',
      other: [
        'learning_blocks.1.layers: the network cannot take features (49, 13)',
        'learning_blocks.0.pruning_sparsity: another block',
      ],
    });
  });

  it('sorts nothing out of a refusal that is a sentence', () => {
    expect(optimizationErrors({ detail: 'impulse 3 does not exist' }, 0)).toEqual({
      byField: {},
      block: null,
      other: [],
    });
  });
});

describe('isOptimizationRefusal', () => {
  it('recognises the script route refusing a layer tfmot cannot handle', () => {
    expect(
      isOptimizationRefusal({
        detail:
          'layer 2 (Conv1D) is not supported by quantization-aware training in tensorflow-model-optimization',
      }),
    ).toBe(true);
    expect(
      isOptimizationRefusal({ detail: 'layer 1 (Foo) is not supported by pruning in tfmot' }),
    ).toBe(true);
  });

  it('leaves other refusals where they were', () => {
    expect(
      isOptimizationRefusal({
        detail: 'the input shape is not known yet; generate features first',
      }),
    ).toBe(false);
    expect(isOptimizationRefusal('Internal Server Error')).toBe(false);
    expect(isOptimizationRefusal({ detail: [{ loc: ['body'], msg: 'pruning' }] })).toBe(false);
  });
});
