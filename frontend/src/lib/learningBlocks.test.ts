import { describe, expect, it } from 'vitest';

import type { ImpulsePublic } from '../client/types.gen';
import { API_SCHEMAS } from './apiSchemas';
import {
  flatSettingsFields,
  flattenSettings,
  impulseWithLearningBlocks,
  nestSettings,
  detectionDspBlock,
  newAnomalyDetection,
  newClassifier,
  newObjectDetection,
  replaceLearningBlock,
  settingsErrors,
  settingsGroups,
} from './learningBlocks';
import { initialValues, valuesToParams } from './schemaFields';

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

describe('newAnomalyDetection', () => {
  it('is an anomaly block fed by every DSP block, with a fresh id', () => {
    expect(newAnomalyDetection(impulse)).toEqual({
      id: 5,
      type: 'anomaly',
      name: 'Anomaly detection',
      dsp_blocks: [1, 4],
    });
  });
});

describe('settingsGroups', () => {
  const schemas = {
    AugmentationSettings: {
      description: 'Spectrogram augmentation.',
      properties: {
        time_mask_max_frames: { type: 'integer', minimum: 0, maximum: 1000, default: 0 },
        noise_stddev: { type: 'number', minimum: 0, maximum: 100, default: 0 },
      },
    },
  };
  const schema = {
    properties: {
      epochs: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      balance_classes: { type: 'boolean', default: false },
      augmentation: { $ref: '#/components/schemas/AugmentationSettings' },
      early_stopping_patience: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
    },
  };

  it('keeps plain settings on top and a nested model as a group of "group.field" fields', () => {
    const groups = settingsGroups(schema, schemas);
    expect(groups.map((group) => group.name)).toEqual([null, 'augmentation']);
    expect(groups[0]!.fields.map((field) => field.name)).toEqual([
      'epochs',
      'balance_classes',
      'early_stopping_patience',
    ]);
    expect(groups[1]!.title).toBe('Augmentation');
    expect(groups[1]!.description).toBe('Spectrogram augmentation.');
    const [mask, noise] = groups[1]!.fields;
    expect(mask).toMatchObject({
      name: 'augmentation.time_mask_max_frames',
      label: 'Time mask max frames',
      kind: 'number',
      integer: true,
      min: 0,
      max: 1000,
    });
    expect(noise).toMatchObject({ name: 'augmentation.noise_stddev', integer: false });
  });

  it('resolves pydantic allOf references too, and drops a group whose schema is missing', () => {
    const allOf = {
      properties: { augmentation: { allOf: [{ $ref: '#/components/schemas/Augmentation' }] } },
    };
    expect(
      flatSettingsFields(allOf, { Augmentation: schemas.AugmentationSettings }).map((f) => f.name),
    ).toEqual(['augmentation.time_mask_max_frames', 'augmentation.noise_stddev']);
    expect(flatSettingsFields(schema).map((field) => field.name)).toEqual([
      'epochs',
      'balance_classes',
      'early_stopping_patience',
    ]);
  });

  it('shows the real TrainingSettings augmentation fields with their ranges', () => {
    const names = flatSettingsFields(API_SCHEMAS.TrainingSettings, API_SCHEMAS).map(
      (field) => field.name,
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'epochs',
        'augmentation.time_mask_max_frames',
        'augmentation.frequency_mask_max_bins',
        'augmentation.noise_stddev',
      ]),
    );
    expect(names).not.toContain('augmentation');
  });

  it('round-trips stored nested settings through the form values', () => {
    const fields = flatSettingsFields(schema, schemas);
    const stored = { epochs: 30, augmentation: { time_mask_max_frames: 4, noise_stddev: 0.5 } };
    const values = initialValues(fields, flattenSettings(stored));
    expect(values['augmentation.time_mask_max_frames']).toBe('4');
    const { params, errors } = valuesToParams(fields, values);
    expect(errors).toEqual({});
    expect(nestSettings(params)).toEqual({
      epochs: 30,
      balance_classes: false,
      early_stopping_patience: null,
      augmentation: { time_mask_max_frames: 4, noise_stddev: 0.5 },
    });
  });
});

describe('settingsErrors', () => {
  const fields = flatSettingsFields(API_SCHEMAS.TrainingSettings, API_SCHEMAS);

  it('puts the training route messages on top-level and augmentation fields', () => {
    const error = {
      detail: [
        { loc: ['body', 'settings', 'epochs'], msg: 'epochs (training cycles) is 0' },
        {
          loc: ['body', 'settings', 'augmentation', 'noise_stddev'],
          msg: 'noise_stddev is 1000; it must be between 0 and 100',
        },
        { loc: ['body', 'settings', 'nonsense'], msg: 'Extra inputs are not permitted' },
      ],
    };
    expect(settingsErrors(error, fields)).toEqual({
      byField: {
        epochs: 'Epochs (training cycles) is 0.',
        'augmentation.noise_stddev': 'noise_stddev is 1000; it must be between 0 and 100.',
      },
      unplaced: ['settings.nonsense: Not a known setting.'],
    });
  });

  it('places nothing for a refusal that is a sentence', () => {
    expect(settingsErrors({ detail: 'already being trained' }, fields)).toEqual({
      byField: {},
      unplaced: [],
    });
  });
});

describe('newObjectDetection', () => {
  const images: ImpulsePublic = {
    ...impulse,
    input_block: { ...impulse.input_block, type: 'image' },
    dsp_blocks: [
      { id: 2, type: 'image', name: 'Image', axes: ['r', 'g', 'b'], params: {} },
      { id: 3, type: 'raw', name: 'Raw', axes: ['r', 'g', 'b'], params: {} },
    ],
  };

  it('is a FOMO block fed by the image DSP block only, with a fresh id', () => {
    expect(detectionDspBlock(images)).toBe(2);
    expect(newObjectDetection(images)).toMatchObject({
      type: 'object_detection',
      name: 'Object detection (FOMO)',
      dsp_blocks: [2],
    });
  });

  it('is not offered for time series', () => {
    expect(detectionDspBlock(impulse)).toBeNull();
    expect(() => newObjectDetection(impulse)).toThrow(/image impulse/);
  });
});
