// Phone accelerometer readings (DeviceMotion events) turned into a CSV sample at a steady rate.

export interface MotionReading {
  /** Event time in ms (any origin; only differences matter). */
  timeMs: number;
  /** Acceleration including gravity, m/s². */
  x: number;
  y: number;
  z: number;
}

export const MOTION_CSV_HEADER = 'timestamp,accX (m/s2),accY (m/s2),accZ (m/s2)';

/**
 * A CSV of `readings` resampled onto a regular grid at `rateHz` (linear interpolation between
 * readings). Phones deliver motion events at their own, jittery interval; the upload route
 * refuses time columns whose steps vary by more than 5 %, and the model needs a fixed rate.
 */
export function motionReadingsToCsv(
  readings: ReadonlyArray<MotionReading>,
  rateHz: number,
): string {
  if (!Number.isFinite(rateHz) || rateHz <= 0 || rateHz > 1000) {
    throw new RangeError(`The rate ${rateHz} Hz must be a number above 0 and at most 1000 Hz.`);
  }
  if (readings.length < 2) {
    throw new RangeError(
      `Only ${readings.length} motion reading(s) arrived; at least 2 are needed. Does this ` +
        'device have an accelerometer, and was motion access allowed?',
    );
  }
  const start = readings[0]!.timeMs;
  const durationMs = readings[readings.length - 1]!.timeMs - start;
  const intervalMs = 1000 / rateHz;
  const rows = [MOTION_CSV_HEADER];
  let next = 1; // index of the first reading after the current grid time
  for (let step = 0; step * intervalMs <= durationMs + 1e-9; step++) {
    const tMs = step * intervalMs;
    while (next < readings.length - 1 && readings[next]!.timeMs - start < tMs) next++;
    const before = readings[next - 1]!;
    const after = readings[next]!;
    const span = after.timeMs - before.timeMs;
    const fraction =
      span > 0 ? Math.min(1, Math.max(0, (tMs - (before.timeMs - start)) / span)) : 0;
    const mix = (a: number, b: number) => (a + (b - a) * fraction).toFixed(4);
    rows.push(
      [
        Number(tMs.toFixed(3)),
        mix(before.x, after.x),
        mix(before.y, after.y),
        mix(before.z, after.z),
      ].join(','),
    );
  }
  return rows.join('\n') + '\n';
}
