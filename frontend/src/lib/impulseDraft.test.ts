import { describe, expect, it } from 'vitest';

import type { ImpulsePublic } from '../client/types.gen';
import {
  axisChoices,
  defaultBlockType,
  draftFromImpulse,
  recommendedBlockTypes,
  setBlockParam,
  toggleAxis,
  draftToRequest,
  editableParams,
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

  it('ticks every axis of the data in a new impulse, and sends the ticked ones in order', () => {
    const six = ['accX', 'accY', 'accZ', 'gyrX', 'gyrY', 'gyrZ'];
    const draft = draftFromImpulse(undefined, { axes: six, kind: 'time-series' });
    expect(draft.input.axes).toEqual(six);
    const gyroscope = six.slice(3);
    const unticked = six
      .slice(0, 3)
      .reduce((axes, axis) => toggleAxis(six, axes, axis, false), draft.input.axes);
    expect(unticked).toEqual(gyroscope);
    expect(toggleAxis(six, gyroscope, 'accX', true)).toEqual(['accX', ...gyroscope]);
    const request = draftToRequest({ ...draft, input: { ...draft.input, axes: unticked } }, six);
    expect(request.body?.input_block.axes).toEqual(gyroscope);
  });

  it('asks for at least one axis when the data has axes and none is ticked', () => {
    const draft = { ...NEW_IMPULSE_DRAFT, input: { ...NEW_IMPULSE_DRAFT.input, axes: [] } };
    expect(draftToRequest(draft, ['accX']).errors).toEqual({
      'input_block.axes': 'Choose at least one axis.',
    });
  });

  it("offers the data's axes, then stored ones the data lacks", () => {
    expect(axisChoices(['accX', 'accY'], ['accY', 'old'])).toEqual(['accX', 'accY', 'old']);
  });

  it('sends an image input without window fields', () => {
    const draft = draftFromImpulse(undefined, { axes: [], kind: 'image' });
    expect(draftToRequest(draft).body?.input_block).toEqual({ type: 'image', axes: null });
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

describe('recommended DSP blocks', () => {
  const types = ['mfcc', 'mfe', 'spectrogram', 'spectral', 'raw', 'flatten', 'image'].map(
    (name) => ({ name }),
  );
  const names = (list: { name: string }[]) => list.map((type) => type.name);

  it.each([
    ['audio', ['mfcc', 'mfe'], 'mfcc'],
    ['time-series', ['spectral'], 'spectral'],
    ['image', ['image'], 'image'],
    ['none', [], 'mfcc'],
  ] as const)('for %s data recommends %j and starts on %s', (kind, recommended, first) => {
    const split = recommendedBlockTypes(types, kind);
    expect(names(split.recommended)).toEqual(recommended);
    expect(names(split.others)).toEqual(
      names(types).filter((n) => !recommended.includes(n as never)),
    );
    expect(defaultBlockType(types, kind)).toBe(first);
  });
});

describe('setBlockParam', () => {
  const draft = {
    ...NEW_IMPULSE_DRAFT,
    dspBlocks: [{ id: 1, type: 'spectral', name: 'Spectral', params: {} }],
  };

  it('sends only the parameters the user set, numbers as numbers', () => {
    const edited = setBlockParam(draft, 1, 'fft_length', '128');
    expect(draftToRequest(edited).body?.dsp_blocks[0]?.params).toEqual({ fft_length: 128 });
    expect(setBlockParam(edited, 1, 'fft_length', ' ').dspBlocks[0]?.params).toEqual({});
  });

  it('sends a new block with no parameters, so the server fits them to the window', () => {
    expect(draftToRequest(draft).body?.dsp_blocks[0]?.params).toEqual({});
  });
});

describe('editableParams', () => {
  const fields = [{ name: 'fft_length' }, { name: 'n_peaks' }, { name: 'filter_order' }];
  const block = { id: 1, type: 'spectral', name: '', params: { n_peaks: 2, filter_order: 4 } };

  it('shows what a refused save named, and what was set on a block not saved yet', () => {
    const refused = (name: string) => name === 'fft_length';
    expect(editableParams(fields, block, false, refused).map((f) => f.name)).toEqual([
      'fft_length',
      'n_peaks',
      'filter_order',
    ]);
    expect(editableParams(fields, block, true, refused).map((f) => f.name)).toEqual(['fft_length']);
    expect(editableParams(fields, block, true, () => false)).toEqual([]);
  });
});
