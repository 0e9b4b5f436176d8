// FastAPI 422 bodies placed next to the form fields they name, by their `loc` path.
import { validationText } from './apiError';

export interface PlacedErrors {
  /** Message per field path ("dsp_blocks.0.params.fft_length"); the first message wins. */
  byField: Record<string, string>;
  /** Messages that name no field on the form, for showing beside the submit button. */
  unplaced: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ["body", "dsp_blocks", 0, "params", "fft_length"] -> "dsp_blocks.0.params.fft_length". */
export function locPath(loc: ReadonlyArray<unknown>): string {
  const parts = loc.map(String);
  if (parts[0] === 'body' || parts[0] === 'query' || parts[0] === 'path') parts.shift();
  return parts.join('.');
}

/**
 * Sorts the issues of a 422 body onto `fieldPaths`. An issue belongs to the longest field path
 * that its location starts with, so pydantic's deeper locations (a union branch such as
 * `fft_length.int`, an item such as `axes.1`) still land on the field that holds them.
 */
export function placeFieldErrors(error: unknown, fieldPaths: ReadonlyArray<string>): PlacedErrors {
  const placed: PlacedErrors = { byField: {}, unplaced: [] };
  if (!isRecord(error) || !Array.isArray(error.detail)) return placed;
  const longestFirst = [...fieldPaths].sort((a, b) => b.length - a.length);
  for (const raw of error.detail) {
    if (!isRecord(raw)) continue;
    const message = validationText(typeof raw.msg === 'string' ? raw.msg : '');
    const path = Array.isArray(raw.loc) ? locPath(raw.loc) : '';
    const field = longestFirst.find(
      (candidate) => path === candidate || path.startsWith(`${candidate}.`),
    );
    if (field === undefined) placed.unplaced.push(path ? `${path}: ${message}` : message);
    else if (!(field in placed.byField)) placed.byField[field] = message;
  }
  return placed;
}
