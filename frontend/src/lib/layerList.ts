// The visual network editor's logic: layer forms from the OpenAPI layer schemas, and the list
// operations (add, remove, move, replace) that never change the list they are given.
import { schemaToFields, valuesToParams, type FormField, type FormValues } from './schemaFields';

type Json = Record<string, unknown>;

/** One layer as the API stores it: `type` picks its schema ("dense", "conv1d", ...). */
export type Layer = { type: string } & Json;

export interface LayerForm {
  type: string;
  title: string;
  fields: FormField[];
  /** Fields holding a size list ("49, 13") or a size that may be a pair ("3" or "3, 5"). */
  listFields: string[];
  /** Of those, the ones where one size is sent as a number (kernel_size: 3, or [3, 5]). */
  sizeOrPairFields: string[];
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasIntegerBranch(property: unknown): boolean {
  return (
    isRecord(property) &&
    Array.isArray(property.anyOf) &&
    property.anyOf.some((b) => isRecord(b) && b.type === 'integer')
  );
}

function hasArrayBranch(property: unknown): boolean {
  if (!isRecord(property)) return false;
  if (property.type === 'array') return true;
  return (
    Array.isArray(property.anyOf) && property.anyOf.some((b) => isRecord(b) && b.type === 'array')
  );
}

/**
 * The layer forms, in the order the API lists the layer types, from the OpenAPI document's
 * `components.schemas` (the learning block's `layers` union names each type's schema).
 */
export function layerForms(schemas: unknown): LayerForm[] {
  if (!isRecord(schemas)) return [];
  const block = schemas.LearningBlockIn;
  const layers = isRecord(block) && isRecord(block.properties) ? block.properties.layers : null;
  const arrayBranch = isRecord(layers)
    ? (Array.isArray(layers.anyOf) ? layers.anyOf : [layers]).find(
        (branch) => isRecord(branch) && branch.type === 'array',
      )
    : null;
  const items = isRecord(arrayBranch) && isRecord(arrayBranch.items) ? arrayBranch.items : null;
  const mapping =
    items && isRecord(items.discriminator) && isRecord(items.discriminator.mapping)
      ? items.discriminator.mapping
      : {};
  const forms: LayerForm[] = [];
  for (const [type, ref] of Object.entries(mapping)) {
    const name = typeof ref === 'string' ? ref.split('/').pop() : undefined;
    const schema = name ? schemas[name] : undefined;
    if (!isRecord(schema) || !isRecord(schema.properties)) continue;
    const properties = schema.properties;
    const fields = schemaToFields(schema).filter((field) => field.name !== 'type');
    const listFields = fields.filter((f) => hasArrayBranch(properties[f.name])).map((f) => f.name);
    const sizeOrPairFields = listFields.filter((name) => hasIntegerBranch(properties[name]));
    forms.push({
      type,
      title: typeof schema.title === 'string' ? schema.title : type,
      // A list or pair is typed as text ("3, 5"); the schema's number rules would refuse it.
      fields: fields.map((field) =>
        listFields.includes(field.name)
          ? {
              name: field.name,
              label: field.label,
              unit: field.unit,
              optional: field.optional,
              description: field.description || 'one size, or sizes separated by commas',
              kind: 'text' as const,
              defaultValue: field.defaultValue == null ? null : String(field.defaultValue),
            }
          : field,
      ),
      listFields,
      sizeOrPairFields,
    });
  }
  return forms;
}

/** A new layer of `form`'s type with the schema's defaults (8 where a size has none). */
export function newLayer(form: LayerForm): Layer {
  const layer: Layer = { type: form.type };
  for (const field of form.fields) {
    if (form.listFields.includes(field.name)) {
      // A pair field's default is one size ("3"); a list without one (target_shape) is left empty.
      if (field.defaultValue !== null) layer[field.name] = Number(field.defaultValue);
    } else if (field.defaultValue !== null) layer[field.name] = field.defaultValue;
    else if (field.kind === 'number' && !field.optional) {
      layer[field.name] = Math.max(field.min ?? 8, Math.min(field.max ?? 8, 8));
    } else if (field.kind === 'enum' && !field.optional) layer[field.name] = field.options[0];
    else if (field.optional) layer[field.name] = null;
  }
  return layer;
}

/** The inputs' contents for a stored layer (lists shown as "49, 13"). */
export function layerValues(form: LayerForm, layer: Layer): FormValues {
  const values: FormValues = {};
  for (const field of form.fields) {
    const stored = layer[field.name];
    if (field.kind === 'boolean') values[field.name] = stored === true;
    else if (Array.isArray(stored)) values[field.name] = stored.join(', ');
    else values[field.name] = stored == null ? '' : String(stored);
  }
  return values;
}

/** The layer the inputs describe, or a message per field that is not what it should be. */
export function layerFromValues(
  form: LayerForm,
  values: FormValues,
): { layer: Layer | null; errors: Record<string, string> } {
  const scalarFields = form.fields.filter((field) => !form.listFields.includes(field.name));
  const { params, errors } = valuesToParams(scalarFields, values);
  for (const name of form.listFields) {
    const field = form.fields.find((f) => f.name === name)!;
    const text = String(values[name] ?? '').trim();
    if (text === '') {
      if (field.optional) params[name] = null;
      else errors[name] = `${field.label} is required: sizes separated by commas, e.g. 49, 13.`;
      continue;
    }
    const sizes = text.split(',').map((part) => Number(part.trim()));
    if (sizes.some((size) => !Number.isInteger(size) || size < 1)) {
      errors[name] = `"${text}" is not a list of whole numbers of at least 1, e.g. 49, 13.`;
      continue;
    }
    params[name] = sizes.length === 1 && form.sizeOrPairFields.includes(name) ? sizes[0] : sizes;
  }
  if (Object.keys(errors).length > 0) return { layer: null, errors };
  return { layer: { type: form.type, ...params }, errors };
}

export function addLayer(layers: ReadonlyArray<Layer>, layer: Layer, atIndex?: number): Layer[] {
  const index =
    atIndex === undefined ? layers.length : Math.max(0, Math.min(atIndex, layers.length));
  return [...layers.slice(0, index), layer, ...layers.slice(index)];
}

export function removeLayer(layers: ReadonlyArray<Layer>, index: number): Layer[] {
  if (index < 0 || index >= layers.length) {
    throw new RangeError(`no layer ${index + 1}: the network has ${layers.length} layers`);
  }
  return layers.filter((_, i) => i !== index);
}

/** The list with layer `index` moved by `offset` places (-1 up, +1 down), clamped to the ends. */
export function moveLayer(layers: ReadonlyArray<Layer>, index: number, offset: number): Layer[] {
  if (index < 0 || index >= layers.length) {
    throw new RangeError(`no layer ${index + 1}: the network has ${layers.length} layers`);
  }
  const target = Math.max(0, Math.min(layers.length - 1, index + offset));
  const moved = [...layers];
  const [layer] = moved.splice(index, 1);
  moved.splice(target, 0, layer!);
  return moved;
}

export function replaceLayer(layers: ReadonlyArray<Layer>, index: number, layer: Layer): Layer[] {
  if (index < 0 || index >= layers.length) {
    throw new RangeError(`no layer ${index + 1}: the network has ${layers.length} layers`);
  }
  return layers.map((current, i) => (i === index ? layer : current));
}

/** "Conv1D: filters 8, kernel_size 3, activation relu" for the list. */
export function describeLayer(layer: Layer, forms: ReadonlyArray<LayerForm>): string {
  const form = forms.find((f) => f.type === layer.type);
  const parts = Object.entries(layer)
    .filter(([name, value]) => name !== 'type' && value !== null && value !== undefined)
    .map(([name, value]) => `${name} ${Array.isArray(value) ? value.join('×') : String(value)}`);
  const title = form?.title ?? layer.type;
  return parts.length > 0 ? `${title}: ${parts.join(', ')}` : title;
}
