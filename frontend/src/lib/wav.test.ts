import { describe, expect, it } from 'vitest';

import { encodeWav16, toPcm16 } from './wav';

function text(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

describe('encodeWav16', () => {
  it('writes a RIFF/WAVE header describing mono 16-bit PCM at the given rate', () => {
    const bytes = encodeWav16(new Float32Array(100), 16000);
    const view = new DataView(bytes.buffer);
    expect(bytes.length).toBe(44 + 200);
    expect(text(bytes, 0, 4)).toBe('RIFF');
    expect(view.getUint32(4, true)).toBe(bytes.length - 8);
    expect(text(bytes, 8, 8)).toBe('WAVEfmt ');
    expect(view.getUint16(20, true)).toBe(1);
    expect(view.getUint16(22, true)).toBe(1);
    expect(view.getUint32(24, true)).toBe(16000);
    expect(view.getUint32(28, true)).toBe(32000);
    expect(view.getUint16(32, true)).toBe(2);
    expect(view.getUint16(34, true)).toBe(16);
    expect(text(bytes, 36, 4)).toBe('data');
    expect(view.getUint32(40, true)).toBe(200);
  });

  it('scales, rounds and clips the samples to little-endian int16', () => {
    const bytes = encodeWav16(new Float32Array([0, 1, -1, 0.5, 2, -3, NaN]), 8000);
    const view = new DataView(bytes.buffer);
    const values = Array.from({ length: 7 }, (_, i) => view.getInt16(44 + i * 2, true));
    expect(values).toEqual([0, 32767, -32767, 16384, 32767, -32767, 0]);
  });

  it('refuses a sample rate that is not a whole number of Hz', () => {
    expect(() => encodeWav16(new Float32Array(1), 44100.5)).toThrow(/whole number of Hz/);
    expect(() => encodeWav16(new Float32Array(1), 0)).toThrow(/between 1 and 384000/);
  });
});

describe('toPcm16', () => {
  it('gives the values a WAV upload of the recording stores', () => {
    const samples = new Float32Array([0.25, -0.5, 1.5, NaN]);
    // -0.5 * 32767 = -16383.5, which Math.round takes up to -16383.
    expect(Array.from(toPcm16(samples))).toEqual([8192, -16383, 32767, 0]);
    const wav = new DataView(encodeWav16(samples, 8000).buffer);
    expect(Array.from({ length: 4 }, (_, i) => wav.getInt16(44 + i * 2, true))).toEqual(
      Array.from(toPcm16(samples)),
    );
  });
});
