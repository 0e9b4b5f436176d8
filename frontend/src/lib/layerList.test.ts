import { describe, expect, it } from 'vitest';

import {
  addLayer,
  describeLayer,
  layerForms,
  layerFromValues,
  layerValues,
  moveLayer,
  newLayer,
  removeLayer,
  replaceLayer,
  type Layer,
} from './layerList';

// The shape of the OpenAPI document's components (pydantic's schemas), cut down to three layers.
const SCHEMAS = {
  LearningBlockIn: {
    properties: {
      layers: {
        anyOf: [
          {
            type: 'array',
            items: {
              oneOf: [],
              discriminator: {
                propertyName: 'type',
                mapping: {
                  dense: '#/components/schemas/Dense',
                  conv2d: '#/components/schemas/Conv2D',
                  reshape: '#/components/schemas/Reshape',
                  activation: '#/components/schemas/Activation',
                },
              },
            },
          },
          { type: 'null' },
        ],
      },
    },
  },
  Dense: {
    title: 'Dense',
    properties: {
      type: { type: 'string', const: 'dense', default: 'dense' },
      units: { type: 'integer', minimum: 1, maximum: 4096 },
      activation: {
        anyOf: [{ type: 'string', enum: ['relu', 'softmax'] }, { type: 'null' }],
        default: 'relu',
      },
    },
  },
  Conv2D: {
    title: 'Conv2D',
    properties: {
      type: { type: 'string', const: 'conv2d', default: 'conv2d' },
      filters: { type: 'integer', minimum: 1, maximum: 4096 },
      kernel_size: {
        anyOf: [
          { type: 'integer', minimum: 1, maximum: 64 },
          { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'integer' }] },
        ],
        default: 3,
      },
    },
  },
  Reshape: {
    title: 'Reshape',
    properties: {
      type: { type: 'string', const: 'reshape', default: 'reshape' },
      target_shape: { type: 'array', items: { type: 'integer', minimum: 1 } },
    },
  },
  Activation: {
    title: 'Activation',
    properties: {
      type: { type: 'string', const: 'activation', default: 'activation' },
      activation: { type: 'string', enum: ['relu', 'tanh'] },
    },
  },
};

const forms = layerForms(SCHEMAS);
const form = (type: string) => forms.find((f) => f.type === type)!;

describe('layerForms', () => {
  it('reads one form per layer type, without the type field', () => {
    expect(forms.map((f) => f.type)).toEqual(['dense', 'conv2d', 'reshape', 'activation']);
    expect(form('dense').fields.map((f) => f.name)).toEqual(['units', 'activation']);
  });
  it('types sizes that may be pairs or lists as text', () => {
    expect(form('conv2d').listFields).toEqual(['kernel_size']);
    expect(form('conv2d').sizeOrPairFields).toEqual(['kernel_size']);
    expect(form('reshape').sizeOrPairFields).toEqual([]);
  });
  it('finds nothing in a document without learning blocks', () => {
    expect(layerForms({})).toEqual([]);
    expect(layerForms(null)).toEqual([]);
  });
});

describe('newLayer', () => {
  it('fills defaults, a size of 8 where none is given and the first choice of a required enum', () => {
    expect(newLayer(form('dense'))).toEqual({ type: 'dense', units: 8, activation: 'relu' });
    expect(newLayer(form('conv2d'))).toEqual({ type: 'conv2d', filters: 8, kernel_size: 3 });
    expect(newLayer(form('activation'))).toEqual({ type: 'activation', activation: 'relu' });
  });
});

describe('layer forms round trip', () => {
  it('shows lists as text and reads them back', () => {
    const layer: Layer = { type: 'conv2d', filters: 16, kernel_size: [3, 5] };
    const values = layerValues(form('conv2d'), layer);
    expect(values).toEqual({ filters: '16', kernel_size: '3, 5' });
    expect(layerFromValues(form('conv2d'), values).layer).toEqual(layer);
  });
  it('sends one size of a pair field as a number, of a list field as a list', () => {
    expect(
      layerFromValues(form('conv2d'), { filters: '4', kernel_size: '3' }).layer?.kernel_size,
    ).toBe(3);
    expect(layerFromValues(form('reshape'), { target_shape: '640' }).layer).toEqual({
      type: 'reshape',
      target_shape: [640],
    });
  });
  it('names the field that is wrong', () => {
    expect(layerFromValues(form('reshape'), { target_shape: '49, x' }).errors).toEqual({
      target_shape: '"49, x" is not a list of whole numbers of at least 1, e.g. 49, 13.',
    });
    expect(layerFromValues(form('reshape'), { target_shape: '' }).errors.target_shape).toMatch(
      /required/,
    );
    expect(
      layerFromValues(form('dense'), { units: '1.5', activation: 'relu' }).errors,
    ).toHaveProperty('units');
  });
});

describe('layer list operations', () => {
  const a: Layer = { type: 'dense', units: 1 };
  const b: Layer = { type: 'dense', units: 2 };
  const c: Layer = { type: 'dense', units: 3 };
  const list = [a, b, c];

  it('adds at the end or at a position', () => {
    expect(addLayer([a], b)).toEqual([a, b]);
    expect(addLayer([a, c], b, 1)).toEqual([a, b, c]);
    expect(addLayer([a], b, 99)).toEqual([a, b]);
  });
  it('removes, moves and replaces without changing the list it was given', () => {
    expect(removeLayer(list, 1)).toEqual([a, c]);
    expect(moveLayer(list, 2, -1)).toEqual([a, c, b]);
    expect(moveLayer(list, 0, 1)).toEqual([b, a, c]);
    expect(moveLayer(list, 0, -1)).toEqual([a, b, c]);
    expect(replaceLayer(list, 0, c)).toEqual([c, b, c]);
    expect(list).toEqual([a, b, c]);
  });
  it('refuses a layer that is not there', () => {
    expect(() => removeLayer(list, 3)).toThrow('no layer 4: the network has 3 layers');
    expect(() => moveLayer(list, -1, 1)).toThrow(RangeError);
  });
  it('describes a layer for the list', () => {
    expect(describeLayer({ type: 'conv2d', filters: 8, kernel_size: [3, 5] }, forms)).toBe(
      'Conv2D: filters 8, kernel_size 3×5',
    );
    expect(describeLayer({ type: 'flatten' }, forms)).toBe('flatten');
  });
});
