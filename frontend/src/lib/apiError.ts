// Turns what the API client throws (FastAPI error bodies, network failures) into sentences for the UI.

interface ValidationIssue {
  loc?: unknown[];
  msg?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// pydantic's messages, rewritten for a person; the first pattern that matches wins.
const VALIDATION_TEXT: ReadonlyArray<[RegExp, (match: RegExpExecArray) => string]> = [
  [
    /^String should have at least (\d+) characters?$/,
    (m) => `at least ${m[1]} character${m[1] === '1' ? '' : 's'}`,
  ],
  [
    /^String should have at most (\d+) characters?$/,
    (m) => `at most ${m[1]} character${m[1] === '1' ? '' : 's'}`,
  ],
  [/^List should have at least (\d+) items?\b.*$/, (m) => `choose at least ${m[1]}`],
  [/^List should have at most (\d+) items?\b.*$/, (m) => `at most ${m[1]}`],
  [/^String should match pattern .*$/, () => 'contains characters that are not allowed'],
  [/^Input should be greater than or equal to (\S+)$/, (m) => `at least ${m[1]}`],
  [/^Input should be greater than (\S+)$/, (m) => `more than ${m[1]}`],
  [/^Input should be less than or equal to (\S+)$/, (m) => `at most ${m[1]}`],
  [/^Input should be less than (\S+)$/, (m) => `less than ${m[1]}`],
  [/^Input should be a valid integer\b.*$/, () => 'a whole number is needed'],
  [/^Input should be a valid number\b.*$/, () => 'a number is needed'],
  [/^Input should be a valid boolean\b.*$/, () => 'yes or no is needed'],
  [/^Input should be a valid string$/, () => 'text is needed'],
  [/^Input should be a valid list$/, () => 'a list is needed'],
  [/^Input should be (.+)$/, (m) => `choose ${m[1]}`],
  [/^Field required$/, () => 'required'],
  [/^Extra inputs are not permitted$/, () => 'not a known setting'],
  [/^value is not a valid email address: (.*)$/, (m) => m[1] ?? 'not a valid email address'],
];

/**
 * A validation message as a person reads it: pydantic's "Value error, " prefixes dropped and its
 * stock phrases ("String should have at least 3 characters") said plainly ("At least 3 characters.").
 * Messages the backend wrote for people pass through with only the prefix removed.
 */
export function validationText(message: string): string {
  let text = message.trim().replace(/^(Value error|Assertion failed), /, '');
  for (const [pattern, rewrite] of VALIDATION_TEXT) {
    const match = pattern.exec(text);
    if (match) {
      text = rewrite(match);
      break;
    }
  }
  if (text === '') return 'Not valid.';
  // A sentence starting with a field's name ("noise_stddev is 1000") keeps the name as it is.
  if (!/^\w+_\w/.test(text)) text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** A request field's name as a person reads it: "window_size_ms" -> "Window size ms". */
function fieldWords(field: string): string {
  const words = field.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function issueField(issue: ValidationIssue): string | null {
  // FastAPI locations look like ["body", "name"] or ["query", "limit"]; the last string is the field.
  const names = (issue.loc ?? []).filter((part): part is string => typeof part === 'string');
  const field = names[names.length - 1];
  return field && field !== 'body' ? field : null;
}

function issueText(issue: ValidationIssue): string {
  const message = validationText(typeof issue.msg === 'string' ? issue.msg : '');
  const field = issueField(issue);
  return field ? `${fieldWords(field)}: ${message}` : message;
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

/** Validation messages keyed by the request field they concern, e.g. {name: "At least 3 characters."}. */
export function apiFieldErrors(error: unknown): Record<string, string> {
  const fieldErrors: Record<string, string> = {};
  if (!isRecord(error) || !Array.isArray(error.detail)) return fieldErrors;
  for (const raw of error.detail) {
    const issue: ValidationIssue = isRecord(raw) ? raw : {};
    const field = issueField(issue);
    if (field && typeof issue.msg === 'string' && !(field in fieldErrors)) {
      fieldErrors[field] = validationText(issue.msg);
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
