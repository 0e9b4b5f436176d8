// Form fields generated from a DSP block's parameter JSON schema (pydantic's model_json_schema).

type Json = Record<string, unknown>;

interface FieldBase {
  /** The parameter's name in the schema and the request body. */
  name: string;
  label: string;
  description: string;
  /** Unit shown beside the input, from the name's suffix (`_s`, `_hz`, `_ms`, `_db`). */
  unit: string;
  /** May be left empty (the schema allows null); empty means "automatic". */
  optional: boolean;
}

export interface NumberField extends FieldBase {
  kind: 'number';
  integer: boolean;
  min: number | null;
  max: number | null;
  /** True when `min` itself is not allowed (exclusiveMinimum). */
  minExclusive: boolean;
  maxExclusive: boolean;
  defaultValue: number | null;
}

export interface BooleanField extends FieldBase {
  kind: 'boolean';
  defaultValue: boolean;
}

export interface EnumField extends FieldBase {
  kind: 'enum';
  options: string[];
  defaultValue: string | null;
}

export interface TextField extends FieldBase {
  kind: 'text';
  defaultValue: string | null;
}

export type FormField = NumberField | BooleanField | EnumField | TextField;

/** What the inputs hold: text for numbers, enums and text, a flag for booleans. */
export type FormValues = Record<string, string | boolean>;

const UNIT_SUFFIXES: ReadonlyArray<[string, string]> = [
  ['_ms', 'ms'],
  ['_s', 's'],
  ['_hz', 'Hz'],
  ['_db', 'dB'],
];

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

// Words written in capitals wherever a name contains them.
const ACRONYMS: Record<string, string> = { fft: 'FFT', rms: 'RMS', dsp: 'DSP', id: 'ID' };

/**
 * pydantic's title for a field it was given no title for ("fft_length" -> "Fft Length"): such a
 * title says nothing the name does not, so the label is made from the name instead.
 */
export function isGeneratedTitle(name: string, title: string): boolean {
  const generated = name
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join(' ');
  return title === generated;
}

/** "frame_length_s" -> ["Frame length", "s"]; "n_filters" -> ["Number of filters", ""]. */
export function labelAndUnit(name: string): [string, string] {
  let base = name;
  let unit = '';
  for (const [suffix, symbol] of UNIT_SUFFIXES) {
    if (name.endsWith(suffix) && name.length > suffix.length) {
      base = name.slice(0, -suffix.length);
      unit = symbol;
      break;
    }
  }
  const parts = base.split('_').filter(Boolean);
  if (parts[0] === 'n' && parts.length > 1) parts.splice(0, 1, 'number', 'of');
  const words = parts.map((word) => ACRONYMS[word] ?? word).join(' ');
  return [words.charAt(0).toUpperCase() + words.slice(1), unit];
}

/** The schema's properties as form fields, in the schema's order. */
export function schemaToFields(schema: unknown): FormField[] {
  if (!isRecord(schema) || !isRecord(schema.properties)) return [];
  return Object.entries(schema.properties).map(([name, raw]) => propertyToField(name, raw));
}

function propertyToField(name: string, raw: unknown): FormField {
  const property = isRecord(raw) ? raw : {};
  // Optional parameters are `anyOf: [{type: X, ...}, {type: "null"}]`; the X branch has the rules.
  const branches = Array.isArray(property.anyOf) ? property.anyOf.filter(isRecord) : [];
  const optional = branches.some((branch) => branch.type === 'null');
  const rules = branches.find((branch) => branch.type !== 'null') ?? property;
  // The schema's own title when the backend wrote one; the unit still comes from the name.
  const [nameLabel, unit] = labelAndUnit(name);
  const title = typeof property.title === 'string' ? property.title : '';
  const label = title && !isGeneratedTitle(name, title) ? title : nameLabel;
  const base: FieldBase = {
    name,
    label,
    unit,
    optional,
    description: typeof property.description === 'string' ? property.description : '',
  };
  const fallback = property.default;
  if (Array.isArray(rules.enum)) {
    return {
      ...base,
      kind: 'enum',
      options: rules.enum.map(String),
      defaultValue: fallback == null ? null : String(fallback),
    };
  }
  if (rules.type === 'boolean')
    return { ...base, kind: 'boolean', defaultValue: fallback === true };
  if (rules.type === 'integer' || rules.type === 'number') {
    const exclusiveMin = numberOrNull(rules.exclusiveMinimum);
    const exclusiveMax = numberOrNull(rules.exclusiveMaximum);
    return {
      ...base,
      kind: 'number',
      integer: rules.type === 'integer',
      min: exclusiveMin ?? numberOrNull(rules.minimum),
      max: exclusiveMax ?? numberOrNull(rules.maximum),
      minExclusive: exclusiveMin !== null,
      maxExclusive: exclusiveMax !== null,
      defaultValue: numberOrNull(fallback),
    };
  }
  return { ...base, kind: 'text', defaultValue: typeof fallback === 'string' ? fallback : null };
}

/** The inputs' contents for `params` (stored values win over defaults). */
export function initialValues(fields: ReadonlyArray<FormField>, params: Json = {}): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const stored = field.name in params ? params[field.name] : field.defaultValue;
    values[field.name] =
      field.kind === 'boolean' ? stored === true : stored == null ? '' : String(stored);
  }
  return values;
}

/** A sentence for the range rule of a number field, e.g. "more than 0 and at most 1 s". */
export function rangeText(field: NumberField): string {
  const unit = field.unit ? ` ${field.unit}` : '';
  const low =
    field.min === null ? null : `${field.minExclusive ? 'more than' : 'at least'} ${field.min}`;
  const high =
    field.max === null ? null : `${field.maxExclusive ? 'less than' : 'at most'} ${field.max}`;
  const kind = field.integer ? 'a whole number' : 'a number';
  if (low && high) return `${kind}, ${low} and ${high}${unit}`;
  if (low || high) return `${kind}, ${low ?? high}${unit}`;
  return kind;
}

/**
 * The request's `params` from the inputs, and a message per field whose text is not a number
 * (the range rules are the server's to enforce: its 422 names the field, shown beside it).
 */
export function valuesToParams(
  fields: ReadonlyArray<FormField>,
  values: FormValues,
): { params: Json; errors: Record<string, string> } {
  const params: Json = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (field.kind === 'boolean') {
      params[field.name] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') {
      if (field.optional) params[field.name] = null;
      else errors[field.name] = `${field.label} is required.`;
      continue;
    }
    if (field.kind === 'number') {
      const number = Number(text);
      if (!Number.isFinite(number) || (field.integer && !Number.isInteger(number))) {
        errors[field.name] = `"${text}" is not ${rangeText(field)}.`;
      } else {
        params[field.name] = number;
      }
      continue;
    }
    params[field.name] = text;
  }
  return { params, errors };
}
