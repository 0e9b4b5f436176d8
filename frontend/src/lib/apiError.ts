// Turns what the API client throws (FastAPI error bodies, network failures) into sentences for the UI.

interface ValidationIssue {
  loc?: unknown[];
  msg?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function issueField(issue: ValidationIssue): string | null {
  // FastAPI locations look like ["body", "name"] or ["query", "limit"]; the last string is the field.
  const names = (issue.loc ?? []).filter((part): part is string => typeof part === 'string');
  const field = names[names.length - 1];
  return field && field !== 'body' ? field : null;
}

function issueText(issue: ValidationIssue): string {
  const message = typeof issue.msg === 'string' ? issue.msg : 'is not valid';
  const field = issueField(issue);
  return field ? `${field}: ${message}` : message;
}

/** One sentence for any error the generated client throws, for showing next to a control. */
export function apiErrorMessage(error: unknown): string {
  if (error == null) return 'Unknown error.';
  if (typeof error === 'string') return error || 'Unknown error.';
  if (error instanceof TypeError) {
    // fetch() rejects with a TypeError when the server cannot be reached at all.
    return `Cannot reach the server (${error.message}).`;
  }
  if (error instanceof Error) return error.message;
  if (isRecord(error)) {
    const detail = error.detail;
    if (typeof detail === 'string') return detail;
    if (Array.isArray(detail) && detail.length > 0) {
      return detail.map((issue) => issueText(isRecord(issue) ? issue : {})).join('; ');
    }
    if (isRecord(detail) && typeof detail.message === 'string') return detail.message;
    if (typeof error.message === 'string') return error.message;
  }
  return 'The server answered with an error it did not explain.';
}

/** Validation messages keyed by the request field they concern, e.g. {name: "String should ..."}. */
export function apiFieldErrors(error: unknown): Record<string, string> {
  const fieldErrors: Record<string, string> = {};
  if (!isRecord(error) || !Array.isArray(error.detail)) return fieldErrors;
  for (const raw of error.detail) {
    const issue: ValidationIssue = isRecord(raw) ? raw : {};
    const field = issueField(issue);
    if (field && typeof issue.msg === 'string' && !(field in fieldErrors)) {
      fieldErrors[field] = issue.msg;
    }
  }
  return fieldErrors;
}

/**
 * The form field an error is about, among `fields`, or null. Validation errors name it in their
 * location; the upload route's sentences start with it ("The label field is not valid: ...",
 * "The category "x" is not one of ..."). Unrecognised errors return null and are shown beside
 * the button that sent the form instead.
 */
export function errorFieldAmong(error: unknown, fields: ReadonlyArray<string>): string | null {
  const located = Object.keys(apiFieldErrors(error)).find((field) => fields.includes(field));
  if (located) return located;
  if (isRecord(error) && typeof error.detail === 'string') {
    const subject = /^the (\w+)\b/i.exec(error.detail.trim())?.[1]?.toLowerCase();
    if (subject && fields.includes(subject)) return subject;
  }
  return null;
}
