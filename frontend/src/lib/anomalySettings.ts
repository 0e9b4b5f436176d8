// The K-means settings form of an anomaly block, generated from the AnomalySettings schema. A
// list of whole numbers (feature_columns) is typed as text, "0, 3, 7"; empty means all.
import { locPath } from './fieldErrors';
import {
  initialValues,
  schemaToFields,
  valuesToParams,
  type FormField,
  type FormValues,
} from './schemaFields';

type Json = Record<string, unknown>;

export interface AnomalyForm {
  fields: FormField[];
  /** Fields holding a list of indices, typed as text. */
  listFields: string[];
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isArrayProperty(property: unknown): boolean {
  if (!isRecord(property)) return false;
  if (property.type === 'array') return true;
  return (
    Array.isArray(property.anyOf) &&
    property.anyOf.some((branch) => isRecord(branch) && branch.type === 'array')
  );
}

export function anomalyForm(schema: unknown): AnomalyForm {
  const properties = isRecord(schema) && isRecord(schema.properties) ? schema.properties : {};
  const listFields = Object.keys(properties).filter((name) => isArrayProperty(properties[name]));
  const fields = schemaToFields(schema).map((field): FormField => {
    if (!listFields.includes(field.name)) return field;
    const description = field.description.replace(/;?\s*None = all\.?$/i, '');
    return {
      name: field.name,
      label: field.label,
      unit: field.unit,
      optional: field.optional,
      description: `${description} (separated by commas, e.g. 0, 3, 7${field.optional ? '; empty: all' : ''})`,
      kind: 'text',
      defaultValue: null,
    };
  });
  return { fields, listFields };
}

/** The inputs' contents for the stored settings (a list shown as "0, 3, 7"). */
export function anomalyValues(form: AnomalyForm, stored: Json | null | undefined): FormValues {
  const settings = stored ?? {};
  const values = initialValues(form.fields, settings);
  for (const name of form.listFields) {
    const list = settings[name];
    values[name] = Array.isArray(list) ? list.join(', ') : '';
  }
  return values;
}

/** The settings the inputs describe, or a message per field that is not what it should be. */
export function anomalyParams(
  form: AnomalyForm,
  values: FormValues,
): { params: Json | null; errors: Record<string, string> } {
  const scalars = form.fields.filter((field) => !form.listFields.includes(field.name));
  const { params, errors } = valuesToParams(scalars, values);
  for (const name of form.listFields) {
    const field = form.fields.find((candidate) => candidate.name === name)!;
    const text = String(values[name] ?? '').trim();
    if (text === '') {
      if (field.optional) params[name] = null;
      else errors[name] = `${field.label} is required: indices separated by commas, e.g. 0, 3.`;
      continue;
    }
    const parts = text.split(',').map((part) => part.trim());
    // Number('') is 0: an empty part ("1,,2") must not become column 0.
    const indices = parts.map((part) => (part === '' ? NaN : Number(part)));
    if (indices.some((index) => !Number.isInteger(index) || index < 0)) {
      errors[name] = `"${text}" is not a list of whole numbers of at least 0, e.g. 0, 3, 7.`;
      continue;
    }
    params[name] = indices;
  }
  if (Object.keys(errors).length > 0) return { params: null, errors };
  return { params, errors };
}

/**
 * The impulse save's 422 about block `index`'s anomaly settings, by field; the rest as
 * "path: message" for beside the save button.
 */
export function anomalyErrors(
  error: unknown,
  index: number,
  form: AnomalyForm,
): { byField: Record<string, string>; other: string[] } {
  const base = `learning_blocks.${index}.anomaly`;
  const byField: Record<string, string> = {};
  const other: string[] = [];
  const detail = isRecord(error) && Array.isArray(error.detail) ? error.detail : [];
  for (const raw of detail) {
    if (!isRecord(raw)) continue;
    const message = typeof raw.msg === 'string' ? raw.msg.replace(/^Value error, /, '') : '';
    const path = Array.isArray(raw.loc) ? locPath(raw.loc) : '';
    const field = form.fields.find(
      (candidate) =>
        path === `${base}.${candidate.name}` || path.startsWith(`${base}.${candidate.name}.`),
    );
    if (field) byField[field.name] ??= message;
    else other.push(path ? `${path}: ${message}` : message);
  }
  return { byField, other };
}
