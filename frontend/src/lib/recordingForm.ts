// Checks of the recording form (label and length) before the browser starts to record.

export const MAX_RECORDING_S = 60;
export const MIC_SAMPLE_RATES_HZ: ReadonlyArray<number> = [8000, 11025, 16000, 22050, 44100, 48000];
export const MOTION_RATES_HZ: ReadonlyArray<number> = [20, 50, 62.5, 100];

export interface RecordingFormErrors {
  label?: string;
  length?: string;
}

/** Messages per field, and the length in ms when it is valid. */
export function checkRecordingForm(
  label: string,
  lengthText: string,
): { errors: RecordingFormErrors; lengthMs: number | null } {
  const errors: RecordingFormErrors = {};
  if (label.trim() === '') errors.label = 'Give the label of what you record, e.g. "yes".';
  else if (label.trim().length > 100) errors.label = 'The label must be at most 100 characters.';
  const seconds = Number(lengthText.trim());
  let lengthMs: number | null = null;
  if (
    lengthText.trim() === '' ||
    !Number.isFinite(seconds) ||
    seconds < 0.1 ||
    seconds > MAX_RECORDING_S
  ) {
    errors.length = `The length must be a number of seconds from 0.1 to ${MAX_RECORDING_S}.`;
  } else {
    lengthMs = Math.round(seconds * 1000);
  }
  return { errors, lengthMs };
}

/** A file name for a recording: the label (made file-safe), the source and the time. */
export function recordingFileName(label: string, source: 'mic' | 'motion', when: Date): string {
  const safe = label.trim().replace(/[^\w.-]+/g, '_') || 'recording';
  const stamp = when.toISOString().replace(/[:.]/g, '-');
  return `${safe}.${source}.${stamp}.${source === 'mic' ? 'wav' : 'csv'}`;
}
