// 16-bit PCM WAV files built in the browser from recorded audio, for the normal upload route.

const HEADER_BYTES = 44;

/**
 * `samples` (floats in -1..1, clipped outside) as 16-bit steps, scaled by 32767 so +1 and -1 are
 * symmetric: the values a 16-bit WAV upload of them stores.
 */
export function toPcm16(samples: Float32Array): Int16Array {
  const pcm = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i] ?? 0;
    // NaN would become 0 through Math.round anyway; make it explicit for readers.
    const clipped = Number.isNaN(value) ? 0 : Math.max(-1, Math.min(1, value));
    pcm[i] = Math.round(clipped * 32767);
  }
  return pcm;
}

/**
 * A mono 16-bit PCM WAV file of `samples` (floats in -1..1) at `sampleRateHz`, holding the
 * values `toPcm16` gives.
 */
export function encodeWav16(samples: Float32Array, sampleRateHz: number): Uint8Array {
  if (!Number.isInteger(sampleRateHz) || sampleRateHz < 1 || sampleRateHz > 384000) {
    throw new RangeError(
      `The sample rate ${sampleRateHz} Hz cannot be written to a WAV file: it must be a whole ` +
        'number of Hz between 1 and 384000.',
    );
  }
  const dataBytes = samples.length * 2;
  const bytes = new Uint8Array(HEADER_BYTES + dataBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // size of the PCM fmt chunk
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * 2, true); // bytes per second
  view.setUint16(32, 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  toPcm16(samples).forEach((value, i) => view.setInt16(HEADER_BYTES + i * 2, value, true));
  return bytes;
}
