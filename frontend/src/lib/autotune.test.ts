import { describe, expect, it } from 'vitest';

import { applySuggestion, autotuneRows } from './autotune';
import { initialValues, schemaToFields } from './schemaFields';

const schema = {
  properties: {
    filter_type: { enum: ['none', 'low', 'high'], default: 'low', type: 'string' },
    filter_cutoff_hz: { type: 'number', default: 3, exclusiveMinimum: 0 },
    fft_length: { type: 'integer', default: 64, minimum: 4, maximum: 4096 },
    log_powers: { type: 'boolean', default: true },
  },
};

describe('autotune rows', () => {
  const fields = schemaToFields(schema);
  const values = initialValues(fields, { filter_type: 'low', filter_cutoff_hz: 3, fft_length: 64 });
  const suggested = {
    filter_type: 'low',
    filter_cutoff_hz: 8.2,
    fft_length: 512,
    log_powers: true,
  };
  const reasons = { filter_cutoff_hz: 'below 5.5 Hz', fft_length: 'peak at 5 Hz' };

  it('lists the tuned parameters in form order, current beside suggested', () => {
    const rows = autotuneRows(fields, values, suggested, reasons);
    expect(rows.map((row) => [row.name, row.current, row.suggested, row.changed])).toEqual([
      ['filter_cutoff_hz', '3', '8.2', true],
      ['fft_length', '64', '512', true],
    ]);
    expect(rows[0]!.unit).toBe('Hz');
    expect(rows[1]!.reason).toBe('peak at 5 Hz');
  });

  it('fills the form with every suggested value and keeps the rest', () => {
    const edited = { ...values, log_powers: false };
    const applied = applySuggestion(fields, edited, { filter_cutoff_hz: 8.2, fft_length: 512 });
    expect(applied).toEqual({ ...edited, filter_cutoff_hz: '8.2', fft_length: '512' });
  });
});
