import { describe, expect, it } from 'vitest';

import { resample } from './resample';

function sine(frequencyHz: number, rateHz: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) =>
    Math.sin((2 * Math.PI * frequencyHz * i) / rateHz),
  );
}

function rms(values: Float32Array): number {
  return Math.sqrt(values.reduce((sum, value) => sum + value * value, 0) / values.length);
}

function zeroCrossings(values: Float32Array): number {
  let crossings = 0;
  for (let i = 1; i < values.length; i++) {
    if ((values[i - 1] ?? 0) < 0 !== (values[i] ?? 0) < 0) crossings++;
  }
  return crossings;
}

describe('resample', () => {
  it('gives length * to / from samples', () => {
    expect(resample(new Float32Array(48000), 48000, 16000).length).toBe(16000);
    expect(resample(new Float32Array(44100), 44100, 16000).length).toBe(16000);
    expect(resample(new Float32Array(8000), 8000, 16000).length).toBe(16000);
    expect(resample(new Float32Array(0), 48000, 16000).length).toBe(0);
  });

  it('returns a copy at the same rate', () => {
    const input = new Float32Array([1, 2, 3]);
    const output = resample(input, 16000, 16000);
    expect(Array.from(output)).toEqual([1, 2, 3]);
    expect(output).not.toBe(input);
  });

  it('keeps a constant signal constant', () => {
    const output = resample(new Float32Array(4410).fill(0.25), 44100, 16000);
    for (const value of output) expect(value).toBeCloseTo(0.25, 6);
  });

  it('keeps a 440 Hz tone at 440 Hz and at about its level, down and up', () => {
    const down = resample(sine(440, 48000, 48000), 48000, 16000);
    expect(zeroCrossings(down)).toBeGreaterThanOrEqual(878);
    expect(zeroCrossings(down)).toBeLessThanOrEqual(881);
    expect(rms(down)).toBeCloseTo(Math.SQRT1_2, 1);
    const up = resample(sine(440, 8000, 8000), 8000, 16000);
    expect(zeroCrossings(up)).toBeGreaterThanOrEqual(878);
    expect(zeroCrossings(up)).toBeLessThanOrEqual(881);
  });

  it('weakens a tone above the new Nyquist frequency when downsampling', () => {
    // 20 kHz sampled at 48 kHz would alias to 4 kHz at 16 kHz; the averaging damps it.
    const aliased = resample(sine(20000, 48000, 48000), 48000, 16000);
    expect(rms(aliased)).toBeLessThan(0.35);
  });

  it('refuses rates that are not positive numbers', () => {
    expect(() => resample(new Float32Array(1), 0, 16000)).toThrow(/source sample rate 0 Hz/);
    expect(() => resample(new Float32Array(1), 48000, NaN)).toThrow(/target sample rate/);
  });
});
