// Checks of the crop and split forms before they are sent, with the rule in each message.

export interface CropCheck {
  start_ms?: string;
  end_ms?: string;
}

function parseMs(text: string): number | null {
  const value = Number(text.trim());
  return text.trim() === '' || !Number.isFinite(value) ? null : value;
}

/** Messages per field for cropping a sample of `durationMs` to [start, end). */
export function checkCrop(startText: string, endText: string, durationMs: number): CropCheck {
  const errors: CropCheck = {};
  const start = parseMs(startText);
  const end = parseMs(endText);
  if (start === null) errors.start_ms = 'Enter the start in ms (0 or more).';
  else if (start < 0) errors.start_ms = `The start ${start} ms must be 0 ms or more.`;
  if (end === null) errors.end_ms = `Enter the end in ms (at most ${durationMs} ms).`;
  else if (end > durationMs)
    errors.end_ms = `The end ${end} ms is past the sample's end (${durationMs} ms).`;
  else if (start !== null && end <= start)
    errors.end_ms = `The end must be after the start (${start} ms).`;
  return errors;
}

/** A message for splitting a sample of `durationMs` into windows of the given length, or null. */
export function checkSplit(windowText: string, durationMs: number): string | null {
  const windowMs = parseMs(windowText);
  if (windowMs === null || windowMs <= 0)
    return 'Enter the length of each new sample in ms (more than 0).';
  if (windowMs > durationMs) {
    return `${windowMs} ms is longer than the sample (${durationMs} ms); nothing would be left.`;
  }
  return null;
}

/**
 * The crop form's values for a range dragged on the chart: ordered, clamped to the sample
 * and rounded to whole ms (the drag is only as precise as a pixel anyway).
 */
export function dragRangeToCrop(
  range: readonly [number, number],
  durationMs: number,
): { start: string; end: string } {
  const clamp = (ms: number) => Math.min(durationMs, Math.max(0, ms));
  const [a, b] = [clamp(range[0]), clamp(range[1])];
  return { start: String(Math.round(Math.min(a, b))), end: String(Math.round(Math.max(a, b))) };
}

/** Where to go after a split: the first new piece (the original is gone), else the dataset. */
export function splitLandingPath(projectId: number, pieces: ReadonlyArray<{ id: number }>): string {
  const first = pieces[0];
  return first ? `/projects/${projectId}/data/${first.id}` : `/projects/${projectId}/data`;
}

/** Mirrors the server's rule (is_audio in backend/services/sample_values.py). */
export const MIN_AUDIO_RATE_HZ = 3000;

/** Whether a sample is audio: a WAV upload or a time series at 3 kHz or more. */
export function isAudioSample(sample: {
  kind: string;
  source_format: string;
  sample_rate_hz?: number | null;
}): boolean {
  if (sample.kind !== 'timeseries' || sample.sample_rate_hz == null) return false;
  return sample.source_format === 'wav' || sample.sample_rate_hz >= MIN_AUDIO_RATE_HZ;
}
