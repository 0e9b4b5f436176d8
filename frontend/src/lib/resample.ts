// Sample-rate conversion of recorded audio (the microphone's rate, often 48 kHz, to the chosen one).

/**
 * `input` at `fromHz` resampled to `toHz`: `round(length * toHz / fromHz)` samples. Each output
 * sample is the mean of the input over its own span (a box low-pass, so downsampling does not
 * fold tones above the new Nyquist frequency back at full strength), read by linear
 * interpolation; upsampling interpolates linearly.
 */
export function resample(input: Float32Array, fromHz: number, toHz: number): Float32Array {
  for (const [name, rate] of [
    ['source', fromHz],
    ['target', toHz],
  ] as const) {
    if (!Number.isFinite(rate) || rate <= 0) {
      throw new RangeError(`The ${name} sample rate ${rate} Hz must be a positive number.`);
    }
  }
  if (fromHz === toHz) return input.slice();
  const outputLength = Math.round((input.length * toHz) / fromHz);
  const output = new Float32Array(outputLength);
  if (input.length === 0) return output;
  const step = fromHz / toHz; // input samples per output sample
  const at = (position: number): number => {
    // Linear interpolation, holding the edge values beyond the ends.
    const clamped = Math.max(0, Math.min(input.length - 1, position));
    const left = Math.floor(clamped);
    const right = Math.min(left + 1, input.length - 1);
    const fraction = clamped - left;
    return (input[left] ?? 0) * (1 - fraction) + (input[right] ?? 0) * fraction;
  };
  if (step <= 1) {
    for (let i = 0; i < outputLength; i++) output[i] = at(i * step);
    return output;
  }
  // Downsampling: average `taps` evenly spaced points across the output sample's span.
  const taps = Math.ceil(step);
  for (let i = 0; i < outputLength; i++) {
    const start = i * step - step / 2;
    let sum = 0;
    for (let tap = 0; tap < taps; tap++) sum += at(start + ((tap + 0.5) * step) / taps);
    output[i] = sum / taps;
  }
  return output;
}
