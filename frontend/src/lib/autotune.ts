// Autotune suggestions beside the form's current values: one row per tuned parameter.
import { initialValues, type FormField, type FormValues } from './schemaFields';

/** The DSP blocks whose parameters the server can suggest from the data. */
export const AUTOTUNE_BLOCKS: ReadonlySet<string> = new Set([
  'spectral',
  'mfcc',
  'mfe',
  'spectrogram',
]);

export interface AutotuneRow {
  name: string;
  label: string;
  unit: string;
  current: string;
  suggested: string;
  reason: string;
  changed: boolean;
}

function shown(value: string | boolean | undefined): string {
  if (value === undefined || value === '') return 'auto';
  return String(value);
}

/** Rows in the form's field order for the parameters the suggestion gives a reason for. */
export function autotuneRows(
  fields: ReadonlyArray<FormField>,
  values: FormValues,
  suggested: Record<string, unknown>,
  reasons: Record<string, string>,
): AutotuneRow[] {
  const suggestedValues = initialValues(fields, suggested);
  return fields
    .filter((field) => field.name in reasons)
    .map((field) => {
      const current = shown(values[field.name]);
      const next = shown(suggestedValues[field.name]);
      return {
        name: field.name,
        label: field.label,
        unit: field.unit,
        current,
        suggested: next,
        reason: reasons[field.name]!,
        changed: current !== next,
      };
    });
}

/** The form's values with every suggested parameter filled in (the user still saves). */
export function applySuggestion(
  fields: ReadonlyArray<FormField>,
  values: FormValues,
  suggested: Record<string, unknown>,
): FormValues {
  const filled = initialValues(fields, suggested);
  const next: FormValues = { ...values };
  for (const field of fields) if (field.name in suggested) next[field.name] = filled[field.name]!;
  return next;
}
