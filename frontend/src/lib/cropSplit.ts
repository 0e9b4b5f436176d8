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
