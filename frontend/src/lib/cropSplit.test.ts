import { describe, expect, it } from 'vitest';

import {
  checkCrop,
  checkSplit,
  dragRangeToCrop,
  isAudioSample,
  splitLandingPath,
} from './cropSplit';

describe('checkCrop', () => {
  it('accepts a range inside the sample', () => {
    expect(checkCrop('0', '1000', 1000)).toEqual({});
    expect(checkCrop('250.5', '750', 1000)).toEqual({});
  });

  it('names the field that breaks a rule, and the rule', () => {
    expect(checkCrop('', '500', 1000)).toEqual({ start_ms: 'Enter the start in ms (0 or more).' });
    expect(checkCrop('-5', '500', 1000).start_ms).toBe('The start -5 ms must be 0 ms or more.');
    expect(checkCrop('0', '1500', 1000)).toEqual({
      end_ms: "The end 1500 ms is past the sample's end (1000 ms).",
    });
    expect(checkCrop('600', '400', 1000)).toEqual({
      end_ms: 'The end must be after the start (600 ms).',
    });
    expect(checkCrop('a', 'b', 1000)).toEqual({
      start_ms: 'Enter the start in ms (0 or more).',
      end_ms: 'Enter the end in ms (at most 1000 ms).',
    });
  });
});

describe('checkSplit', () => {
  it('accepts a window no longer than the sample', () => {
    expect(checkSplit('250', 1000)).toBeNull();
    expect(checkSplit('1000', 1000)).toBeNull();
  });

  it('refuses empty, zero and too long windows with the rule', () => {
    expect(checkSplit('', 1000)).toMatch(/more than 0/);
    expect(checkSplit('0', 1000)).toMatch(/more than 0/);
    expect(checkSplit('1500', 1000)).toBe(
      '1500 ms is longer than the sample (1000 ms); nothing would be left.',
    );
  });
});

describe('dragRangeToCrop', () => {
  it('orders, clamps and rounds a dragged range into the crop fields', () => {
    expect(dragRangeToCrop([120.4, 480.6], 1000)).toEqual({ start: '120', end: '481' });
    expect(dragRangeToCrop([700, 300], 1000)).toEqual({ start: '300', end: '700' });
    expect(dragRangeToCrop([-50, 1200], 1000)).toEqual({ start: '0', end: '1000' });
  });
});

describe('splitLandingPath', () => {
  it('goes to the first new piece, or to the dataset when there is none', () => {
    expect(splitLandingPath(3, [{ id: 52 }, { id: 53 }])).toBe('/projects/3/data/52');
    expect(splitLandingPath(3, [])).toBe('/projects/3/data');
  });
});

describe('isAudioSample', () => {
  it('follows the server: WAV or a time series at 3 kHz or more', () => {
    const base = { kind: 'timeseries', source_format: 'csv', sample_rate_hz: 62.5 };
    expect(isAudioSample(base)).toBe(false);
    expect(isAudioSample({ ...base, source_format: 'wav', sample_rate_hz: 16000 })).toBe(true);
    expect(isAudioSample({ ...base, sample_rate_hz: 8000 })).toBe(true);
    expect(isAudioSample({ kind: 'image', source_format: 'png', sample_rate_hz: null })).toBe(
      false,
    );
  });
});
