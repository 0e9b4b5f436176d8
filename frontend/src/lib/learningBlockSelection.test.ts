import { describe, expect, it } from 'vitest';

import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { chooseLearningBlock, isNetworkBlock, learningBlockTitle } from './learningBlockSelection';

const classifier: LearningBlockPublic = {
  id: 2,
  type: 'classifier',
  name: 'Keywords',
  dsp_blocks: [1],
};
const anomaly: LearningBlockPublic = { id: 5, type: 'anomaly', name: '', dsp_blocks: [1, 4] };

describe('chooseLearningBlock', () => {
  const blocks = [classifier, anomaly];

  it('takes the block the URL names', () => {
    expect(chooseLearningBlock(blocks, '5')).toBe(anomaly);
  });

  it('falls back to the first block for a missing, unknown or malformed id', () => {
    expect(chooseLearningBlock(blocks, null)).toBe(classifier);
    expect(chooseLearningBlock(blocks, '9')).toBe(classifier);
    expect(chooseLearningBlock(blocks, '5abc')).toBe(classifier);
    expect(chooseLearningBlock(blocks, '')).toBe(classifier);
  });

  it('picks only among the blocks the page can use', () => {
    const usable = blocks.filter(isNetworkBlock);
    expect(chooseLearningBlock(usable, '5')).toBe(classifier);
    expect(chooseLearningBlock([], '5')).toBeUndefined();
  });
});

describe('learningBlockTitle', () => {
  it('names the block, its type and the DSP blocks it takes', () => {
    const impulse = {
      dsp_blocks: [
        { id: 1, type: 'mfcc', name: 'MFCC', axes: ['audio'], params: {} },
        { id: 4, type: 'spectral', name: '', axes: ['x'], params: {} },
      ],
    } as unknown as ImpulsePublic;
    expect(learningBlockTitle(classifier, impulse)).toBe('Keywords (classifier, from MFCC)');
    expect(learningBlockTitle(anomaly, impulse)).toBe('anomaly (anomaly, from MFCC + #4)');
  });
});
