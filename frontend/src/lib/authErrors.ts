// Sign-in and sign-up failures as sentences placed next to the field they concern (or the form).
import { apiErrorMessage, apiFieldErrors } from './apiError';

export interface FormErrors {
  /** Messages keyed by form field ("username", "email", "password"). */
  fields: Record<string, string>;
  /** A message for the whole form, shown beside its button; null when a field carries it. */
  form: string | null;
}

function detailOf(body: unknown): string {
  return apiErrorMessage(body);
}

/** What to show after the sign-in route answered `status` with `body`. */
export function signInErrors(
  status: number,
  body: unknown,
  retryAfterS: number | null,
): FormErrors {
  if (status === 429) {
    const wait = retryAfterS !== null ? ` Try again in ${formatWait(retryAfterS)}.` : '';
    return { fields: {}, form: `Too many failed sign-ins for this account.${wait}` };
  }
  if (status === 401) {
    return { fields: { password: 'Unknown username or wrong password.' }, form: null };
  }
  return splitValidation(body);
}

/** What to show after the sign-up route answered `status` with `body`. */
export function signUpErrors(status: number, body: unknown): FormErrors {
  if (status === 409) {
    // "an account with this email already exists; …": the sentence names the taken field.
    const detail = detailOf(body);
    const field = /\bemail\b/i.test(detail) && !/\busername\b/i.test(detail) ? 'email' : 'username';
    return { fields: { [field]: capitalise(detail) }, form: null };
  }
  return splitValidation(body);
}

/** "45 s", "2 min 5 s". */
export function formatWait(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  if (whole < 60) return `${whole} s`;
  const rest = whole % 60;
  return rest === 0 ? `${whole / 60} min` : `${Math.floor(whole / 60)} min ${rest} s`;
}

/** The Retry-After header as seconds, or null when absent or not a number of seconds. */
export function retryAfterSeconds(header: string | null): number | null {
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header.trim());
}

function splitValidation(body: unknown): FormErrors {
  const fields = apiFieldErrors(body);
  return {
    fields,
    form: Object.keys(fields).length > 0 ? null : capitalise(detailOf(body)),
  };
}

function capitalise(sentence: string): string {
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
