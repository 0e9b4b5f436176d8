import { describe, expect, it } from 'vitest';

import {
  initialValues,
  labelAndUnit,
  rangeText,
  schemaToFields,
  valuesToParams,
  type NumberField,
} from './schemaFields';

// Shaped like GET /api/dsp-blocks' MFCC and spectral schemas.
const schema = {
  additionalProperties: false,
  properties: {
    n_coefficients: {
      default: 13,
      minimum: 1,
      maximum: 64,
      type: 'integer',
      description: 'Coefficients',
    },
    frame_length_s: { default: 0.02, exclusiveMinimum: 0, maximum: 1.0, type: 'number' },
    fft_length: {
      anyOf: [{ maximum: 8192, minimum: 4, type: 'integer' }, { type: 'null' }],
      default: null,
    },
    filter_type: { default: 'low', enum: ['none', 'low', 'high'], type: 'string' },
    normalize_variance: { default: false, type: 'boolean' },
    filter_cutoff_hz: { default: 3.0, exclusiveMinimum: 0, type: 'number' },
  },
  type: 'object',
};

describe('field labels', () => {
  it("uses the schema's title when the backend wrote one, and the unit from the name", () => {
    const [field] = schemaToFields({
      properties: {
        filter_cutoff_hz: { title: 'Filter cut-off', type: 'number' },
      },
    });
    expect([field?.label, field?.unit]).toEqual(['Filter cut-off', 'Hz']);
  });

  it('ignores pydantic\'s generated titles ("Fft Length") for a label made from the name', () => {
    const fields = schemaToFields({
      properties: {
        fft_length: { title: 'Fft Length', type: 'integer' },
        n_power_bands: { title: 'N Power Bands', type: 'integer' },
      },
    });
    expect(fields.map((field) => field.label)).toEqual(['FFT length', 'Number of power bands']);
  });
});

describe('labelAndUnit', () => {
  it('takes the unit from the name suffix and makes a sentence-case label', () => {
    expect(labelAndUnit('frame_length_s')).toEqual(['Frame length', 's']);
    expect(labelAndUnit('low_frequency_hz')).toEqual(['Low frequency', 'Hz']);
    expect(labelAndUnit('noise_floor_db')).toEqual(['Noise floor', 'dB']);
    expect(labelAndUnit('window_size_ms')).toEqual(['Window size', 'ms']);
    expect(labelAndUnit('n_filters')).toEqual(['Number of filters', '']);
    expect(labelAndUnit('fft_length')).toEqual(['FFT length', '']);
  });
});

describe('schemaToFields', () => {
  const fields = schemaToFields(schema);
  const byName = Object.fromEntries(fields.map((field) => [field.name, field]));

  it('keeps the schema order and maps each type to an input kind', () => {
    expect(fields.map((field) => [field.name, field.kind])).toEqual([
      ['n_coefficients', 'number'],
      ['frame_length_s', 'number'],
      ['fft_length', 'number'],
      ['filter_type', 'enum'],
      ['normalize_variance', 'boolean'],
      ['filter_cutoff_hz', 'number'],
    ]);
  });

  it('carries ranges, exclusivity, integer-ness, units and descriptions', () => {
    expect(byName.n_coefficients).toMatchObject({
      integer: true,
      min: 1,
      max: 64,
      minExclusive: false,
      defaultValue: 13,
      description: 'Coefficients',
      optional: false,
    });
    expect(byName.frame_length_s).toMatchObject({
      integer: false,
      min: 0,
      minExclusive: true,
      max: 1,
      unit: 's',
    });
  });

  it('reads optional fields from anyOf with null, taking the rules of the other branch', () => {
    expect(byName.fft_length).toMatchObject({
      optional: true,
      integer: true,
      min: 4,
      max: 8192,
      defaultValue: null,
    });
  });

  it('lists enum options', () => {
    expect(byName.filter_type).toMatchObject({
      kind: 'enum',
      options: ['none', 'low', 'high'],
      defaultValue: 'low',
    });
  });

  it('gives nothing for a schema without properties', () => {
    expect(schemaToFields({ type: 'object' })).toEqual([]);
    expect(schemaToFields(null)).toEqual([]);
  });
});

describe('rangeText', () => {
  it('says the rule in words', () => {
    const [count, length, , , , cutoff] = schemaToFields(schema) as NumberField[];
    expect(rangeText(count!)).toBe('a whole number, at least 1 and at most 64');
    expect(rangeText(length!)).toBe('a number, more than 0 and at most 1 s');
    expect(rangeText(cutoff!)).toBe('a number, more than 0 Hz');
  });
});

describe('initialValues and valuesToParams', () => {
  const fields = schemaToFields(schema);

  it('fills inputs from stored params, else defaults, and round-trips them', () => {
    const values = initialValues(fields, { n_coefficients: 20 });
    expect(values).toEqual({
      n_coefficients: '20',
      frame_length_s: '0.02',
      fft_length: '',
      filter_type: 'low',
      normalize_variance: false,
      filter_cutoff_hz: '3',
    });
    expect(valuesToParams(fields, values)).toEqual({
      params: {
        n_coefficients: 20,
        frame_length_s: 0.02,
        fft_length: null,
        filter_type: 'low',
        normalize_variance: false,
        filter_cutoff_hz: 3,
      },
      errors: {},
    });
  });

  it('names the fields whose text is not a number or is missing', () => {
    const values = initialValues(fields);
    const { errors, params } = valuesToParams(fields, {
      ...values,
      n_coefficients: '12.5',
      frame_length_s: 'abc',
      filter_cutoff_hz: ' ',
    });
    expect(errors).toEqual({
      n_coefficients: '"12.5" is not a whole number, at least 1 and at most 64.',
      frame_length_s: '"abc" is not a number, more than 0 and at most 1 s.',
      filter_cutoff_hz: 'Filter cutoff is required.',
    });
    expect(params).not.toHaveProperty('n_coefficients');
  });
});
