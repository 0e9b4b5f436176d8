import { describe, expect, it } from 'vitest';

import { anomalyErrors, anomalyForm, anomalyParams, anomalyValues } from './anomalySettings';
import { API_SCHEMAS } from './apiSchemas';

const form = anomalyForm(API_SCHEMAS.AnomalySettings);

describe('anomalyForm', () => {
  it('has the K-means settings, the column list typed as text', () => {
    expect(form.fields.map((field) => field.name)).toEqual([
      'clusters',
      'feature_columns',
      'threshold_quantile',
      'seed',
    ]);
    expect(form.listFields).toEqual(['feature_columns']);
    const columns = form.fields.find((field) => field.name === 'feature_columns')!;
    expect(columns.kind).toBe('text');
    expect(columns.optional).toBe(true);
    expect(columns.description).toMatch(/separated by commas.*empty: all/);
    expect(form.fields.find((field) => field.name === 'clusters')).toMatchObject({
      kind: 'number',
      integer: true,
      min: 1,
      max: 256,
    });
  });
});

describe('anomalyValues and anomalyParams', () => {
  it('shows stored settings and sends them back as they were', () => {
    const stored = { clusters: 8, feature_columns: [0, 3, 7], threshold_quantile: 0.95, seed: 2 };
    const values = anomalyValues(form, stored);
    expect(values).toMatchObject({ clusters: '8', feature_columns: '0, 3, 7' });
    expect(anomalyParams(form, values)).toEqual({ params: stored, errors: {} });
  });

  it('fills the defaults for a block without settings; empty columns mean all', () => {
    const values = anomalyValues(form, null);
    expect(values).toMatchObject({ clusters: '32', feature_columns: '', seed: '1' });
    expect(anomalyParams(form, values).params).toMatchObject({
      clusters: 32,
      feature_columns: null,
      threshold_quantile: 0.99,
    });
  });

  it('refuses column lists that are not whole numbers of at least 0', () => {
    for (const text of ['1, x', '-1', '2.5', '1,,2']) {
      const values = { ...anomalyValues(form, null), feature_columns: text };
      const { params, errors } = anomalyParams(form, values);
      expect(params).toBeNull();
      expect(errors.feature_columns).toContain(`"${text}" is not a list of whole numbers`);
    }
  });

  it('refuses a cluster count that is not a whole number', () => {
    const values = { ...anomalyValues(form, null), clusters: '3.5' };
    expect(anomalyParams(form, values).errors.clusters).toMatch(/is not a whole number/);
  });
});

describe('anomalyErrors', () => {
  it("puts the impulse save's messages on the settings of that block", () => {
    const error = {
      detail: [
        {
          loc: ['body', 'learning_blocks', 2, 'anomaly', 'clusters'],
          msg: 'Input should be greater than or equal to 1',
        },
        {
          loc: ['body', 'learning_blocks', 2, 'anomaly', 'feature_columns', 0],
          msg: 'Input should be a valid integer',
        },
        { loc: ['body', 'learning_blocks', 2], msg: 'Value error, not a network' },
      ],
    };
    expect(anomalyErrors(error, 2, form)).toEqual({
      byField: {
        clusters: 'Input should be greater than or equal to 1',
        feature_columns: 'Input should be a valid integer',
      },
      other: ['learning_blocks.2: not a network'],
    });
  });
});
