// Human-readable text for the numbers the API returns (durations in ms, rates in Hz, dates).

/** "850 ms", "1.5 s", "2 min 05 s", "1 h 02 min"; an em dash when the duration is unknown. */
export function formatDuration(durationMs: number | null | undefined): string {
  if (durationMs == null || !Number.isFinite(durationMs)) return '—';
  if (durationMs < 0) throw new RangeError(`a duration cannot be negative, got ${durationMs} ms`);
  if (durationMs < 1000) return `${Math.round(durationMs)} ms`;
  const totalSeconds = durationMs / 1000;
  if (totalSeconds < 60) {
    // Whole seconds read as "3 s", fractions keep at most two decimals ("1.25 s").
    return `${Number(totalSeconds.toFixed(2))} s`;
  }
  const roundedSeconds = Math.round(totalSeconds);
  const hours = Math.floor(roundedSeconds / 3600);
  const minutes = Math.floor((roundedSeconds % 3600) / 60);
  const seconds = roundedSeconds % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/** "16 kHz", "44.1 kHz", "62.5 Hz"; an em dash for images and unknown rates. */
export function formatSampleRate(sampleRateHz: number | null | undefined): string {
  if (sampleRateHz == null || !Number.isFinite(sampleRateHz) || sampleRateHz <= 0) return '—';
  if (sampleRateHz >= 1000) return `${Number((sampleRateHz / 1000).toFixed(3))} kHz`;
  return `${Number(sampleRateHz.toFixed(2))} Hz`;
}

/** Names of a sample's axes, with units when they have any: "audio", "accX (m/s2), accY (m/s2)". */
export function formatAxes(axes: ReadonlyArray<{ name: string; units: string }>): string {
  if (axes.length === 0) return '—';
  return axes.map((axis) => (axis.units ? `${axis.name} (${axis.units})` : axis.name)).join(', ');
}

/** A timestamp from the API as local date and time to the minute, e.g. "2026-07-15 14:03". */
export function formatDateTime(isoTimestamp: string): string {
  const date = new Date(isoTimestamp);
  if (Number.isNaN(date.getTime())) return isoTimestamp;
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** "1 file", "3 files". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** "512 B", "12.3 kB", "4.5 MB" (powers of 1000, as file managers show them). */
export function formatBytes(sizeBytes: number): string {
  if (sizeBytes < 1000) return `${sizeBytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = sizeBytes;
  let unit = 'B';
  for (const next of units) {
    // 999.96 kB would print as "1000 kB"; it reads as 1 MB.
    if (value < 999.95) break;
    value /= 1000;
    unit = next;
  }
  return `${Number(value.toFixed(1))} ${unit}`;
}

/**
 * The train/test split as "88% / 12%": whole percents that add up to 100, which rounding each
 * share on its own does not promise (87.5% and 12.5% would read 88% / 13%).
 */
export function formatSplit(trainingFraction: number, testingFraction: number): string {
  const total = trainingFraction + testingFraction;
  if (!(total > 0)) return '—';
  const trainingPercent = Math.round((trainingFraction / total) * 100);
  return `${trainingPercent}% / ${100 - trainingPercent}%`;
}

/** "1000 ms windows every 500 ms at 16000 Hz, axes audio", or "whole images". */
export function describeInputBlock(input: {
  type?: string;
  axes: ReadonlyArray<string>;
  window_size_ms: number | null;
  window_increase_ms: number | null;
  frequency_hz: number | null;
}): string {
  if (input.type === 'image') return 'whole images';
  const rate = input.frequency_hz != null ? ` at ${input.frequency_hz} Hz` : '';
  const axes = input.axes.length > 0 ? `, axes ${input.axes.join(', ')}` : '';
  return `${input.window_size_ms} ms windows every ${input.window_increase_ms} ms${rate}${axes}`;
}

/**
 * A trained model as people count them: "model 2 of this project" (ids count across every
 * project, so a project's first model may have id 7); the id where the number is unknown.
 */
export function modelName(model: { id: number; number_in_project?: number }): string {
  return model.number_in_project
    ? `model ${model.number_in_project} of this project`
    : `model #${model.id}`;
}

/** `text` with its first letter in capitals, for a phrase that starts a sentence. */
export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
