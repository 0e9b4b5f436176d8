import { describe, expect, it } from 'vitest';

import { checkRecordingForm, recordingFileName } from './recordingForm';

describe('checkRecordingForm', () => {
  it('accepts a label and a length, giving the length in ms', () => {
    expect(checkRecordingForm('yes', '1')).toEqual({ errors: {}, lengthMs: 1000 });
    expect(checkRecordingForm(' wave ', '2.5')).toEqual({ errors: {}, lengthMs: 2500 });
  });

  it('names the label and length problems with the rule', () => {
    expect(checkRecordingForm('  ', '1').errors).toEqual({
      label: 'Give the label of what you record, e.g. "yes".',
    });
    expect(checkRecordingForm('x'.repeat(101), '1').errors.label).toMatch(/at most 100/);
    for (const bad of ['', '0', '61', 'abc']) {
      expect(checkRecordingForm('yes', bad)).toEqual({
        errors: { length: 'The length must be a number of seconds from 0.1 to 60.' },
        lengthMs: null,
      });
    }
  });
});

describe('recordingFileName', () => {
  it('makes a file-safe name with the source, the time and the right extension', () => {
    const when = new Date('2026-11-23T10:00:01.250Z');
    expect(recordingFileName('yes', 'mic', when)).toBe('yes.mic.2026-11-23T10-00-01-250Z.wav');
    expect(recordingFileName('wave / up', 'motion', when)).toBe(
      'wave_up.motion.2026-11-23T10-00-01-250Z.csv',
    );
  });
});
