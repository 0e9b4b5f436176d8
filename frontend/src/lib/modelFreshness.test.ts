import { describe, expect, it } from 'vitest';

import { modelWarning, testedOutdatedText } from './modelFreshness';

describe('modelWarning', () => {
  it('says why an out-of-date model is and to train again', () => {
    const warning = modelWarning({
      outdated_reason:
        "the dataset changed since the model was trained: 1 sample(s) added ('a.wav')",
      dataset_recorded: true,
    });
    expect(warning?.kind).toBe('outdated');
    expect(warning?.text).toContain("1 sample(s) added ('a.wav')");
    expect(warning?.text).toContain('train the block again');
  });

  it('says a model trained before samples were recorded cannot be checked', () => {
    const warning = modelWarning({ outdated_reason: null, dataset_recorded: false });
    expect(warning?.kind).toBe('unrecorded');
    expect(warning?.text).toMatch(/unknown/);
  });

  it('says nothing about a current model', () => {
    expect(modelWarning({ outdated_reason: null, dataset_recorded: true })).toBeNull();
    expect(modelWarning({})).toBeNull();
  });
});

describe('testedOutdatedText', () => {
  it('carries the reason stored with the results', () => {
    const text = testedOutdatedText({ model_outdated_reason: 'the dataset changed' });
    expect(text).toContain('out of date: the dataset changed');
  });

  it('is null for results of a current model or of an older server', () => {
    expect(testedOutdatedText({ model_outdated_reason: null })).toBeNull();
    expect(testedOutdatedText({})).toBeNull();
  });
});
