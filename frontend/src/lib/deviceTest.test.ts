import { describe, expect, it } from 'vitest';

import type { DeviceTestReportPublic } from '../client/types.gen';
import { agreementText, counterText, estimateComparison } from './deviceTest';

const report = (overrides: Partial<DeviceTestReportPublic> = {}): DeviceTestReportPublic => ({
  id: 1,
  project_id: 1,
  impulse_id: 1,
  learning_block_id: 1,
  trained_model_id: 1,
  board: 'nano33ble',
  windows_total: 18,
  windows_agreeing: 18,
  agreement_percent: 100,
  counter_unit: 'instructions',
  counter_mean: 1234567.4,
  counter_max: 1300000,
  estimate_cycles: 1100000,
  estimate_note: '',
  seconds_per_window: 0.2,
  created_at: '2026-12-05T16:00:00Z',
  ...overrides,
});

describe('device-test report summary', () => {
  it('states agreement without rounding a miss up to 100 %', () => {
    expect(agreementText(report())).toBe('18 of 18 windows (100 %)');
    expect(
      agreementText(
        report({ windows_total: 2000, windows_agreeing: 1999, agreement_percent: 99.95 }),
      ),
    ).toBe('1999 of 2000 windows (99.9 %)');
  });

  it('names what the board counted', () => {
    expect(counterText(report())).toBe(
      '1 234 567 instructions (emulator: no cycle counter) a window',
    );
    expect(counterText(report({ counter_unit: 'cycles', counter_mean: 900 }))).toBe(
      '900 cycles a window',
    );
  });

  it('compares counts with the estimate, but not a timer in µs', () => {
    expect(estimateComparison(report())).toBe('1.12× the estimate (1 100 000 cycles on nano33ble)');
    expect(estimateComparison(report({ counter_unit: 'us' }))).toBeNull();
    expect(estimateComparison(report({ estimate_cycles: null }))).toBeNull();
  });
});
