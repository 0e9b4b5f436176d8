import { describe, expect, it } from 'vitest';

import type { LearningPresetPublic } from '../client/types.gen';
import type { Layer } from './layerList';
import {
  presetFitSummary,
  initialPresetChoice,
  learningInputShape,
  matchingPreset,
  presetLayers,
  replacingLosesEdits,
  sameLayers,
} from './presets';

const conv1d: Layer[] = [
  { type: 'reshape', target_shape: [49, 13] },
  { type: 'conv1d', filters: 8, kernel_size: 3, activation: 'relu', padding: 'same' },
];
const dense: Layer[] = [
  { type: 'dense', units: 20, activation: 'relu' },
  { type: 'dense', units: 10, activation: 'relu' },
];
const presets: LearningPresetPublic[] = [
  { name: 'conv1d_audio', description: 'Conv1D', layers: conv1d, error: null },
  { name: 'mobilenet_images', description: 'Images', layers: null, error: 'needs 3 axes' },
  { name: 'dense_spectral', description: 'Dense', layers: dense, error: null },
];

describe('sameLayers', () => {
  it('ignores key order and keys left null, not values or layer order', () => {
    expect(
      sameLayers(
        [{ type: 'dense', units: 20, activation: 'relu', name: null }],
        [{ activation: 'relu', units: 20, type: 'dense' }],
      ),
    ).toBe(true);
    expect(sameLayers([{ type: 'dense', units: 20 }], [{ type: 'dense', units: 21 }])).toBe(false);
    expect(sameLayers(dense, [...dense].reverse())).toBe(false);
    expect(sameLayers(conv1d, conv1d.slice(0, 1))).toBe(false);
  });
});

describe('matchingPreset and replacingLosesEdits', () => {
  it('names the preset the layers are, and replaces them without asking', () => {
    const stored = conv1d.map((layer) => ({ ...layer }));
    expect(matchingPreset(stored, presets)).toBe('conv1d_audio');
    expect(replacingLosesEdits(stored, presets)).toBe(false);
  });

  it('asks before replacing layers the user edited', () => {
    const edited = [...conv1d, { type: 'dropout', rate: 0.1 }];
    expect(matchingPreset(edited, presets)).toBeNull();
    expect(replacingLosesEdits(edited, presets)).toBe(true);
  });

  it('does not ask when there is nothing to lose', () => {
    expect(replacingLosesEdits([], presets)).toBe(false);
  });
});

describe('presetLayers', () => {
  it('copies the layers, so editing them leaves the preset as it was', () => {
    const layers = presetLayers(presets[0]!);
    layers[1]!.filters = 99;
    expect(presets[0]!.layers![1]!.filters).toBe(8);
    expect(layers.map((layer) => layer.type)).toEqual(['reshape', 'conv1d']);
  });

  it('refuses a preset that cannot take the features, with its reason', () => {
    expect(() => presetLayers(presets[1]!)).toThrow('needs 3 axes');
  });
});

describe('initialPresetChoice', () => {
  it('offers the preset the layers are, else the first that fits', () => {
    expect(initialPresetChoice(dense, presets)).toBe('dense_spectral');
    expect(initialPresetChoice([{ type: 'flatten' }], presets)).toBe('conv1d_audio');
    expect(initialPresetChoice([], [presets[1]!])).toBe('mobilenet_images');
    expect(initialPresetChoice([], [])).toBe('');
  });
});

describe('learningInputShape', () => {
  const features = [
    { dsp_block_id: 1, shape: [49, 13] },
    { dsp_block_id: 2, shape: [33] },
    { dsp_block_id: 3, shape: null },
  ];

  it("is one DSP block's shape as it is", () => {
    expect(learningInputShape([1], features)).toEqual([49, 13]);
  });

  it('flattens and concatenates several blocks, as training feeds them', () => {
    expect(learningInputShape([1, 2], features)).toEqual([49 * 13 + 33]);
  });

  it('is unknown while a block has no features', () => {
    expect(learningInputShape([1, 3], features)).toBeNull();
    expect(learningInputShape([7], features)).toBeNull();
    expect(learningInputShape([], features)).toBeNull();
  });
});

describe('presetFitSummary', () => {
  const preset = (name: string, fits: boolean): LearningPresetPublic => ({
    name,
    description: '',
    layers: fits ? [] : null,
    error: fits ? null : 'needs a 2-D input',
  });

  it('says when the only fitting preset is the one loaded', () => {
    const list = [preset('conv1d_audio', false), preset('dense_spectral', true)];
    expect(presetFitSummary(list, 'dense_spectral', '78')).toBe(
      'dense_spectral is the only preset that fits features 78, and it is loaded: the others are explained below.',
    );
    expect(presetFitSummary(list, null, '78')).toBe(
      'dense_spectral is the only preset that fits features 78.',
    );
  });

  it('says when none fits, and nothing when several do', () => {
    expect(presetFitSummary([preset('a', false)], null, '3 × 4')).toMatch(/^No preset network/);
    expect(presetFitSummary([preset('a', true), preset('b', true)], 'a', '3')).toBeNull();
  });
});
