// Learning blocks are saved with their impulse: the whole impulse is sent back with new blocks.
import type { ImpulsePublic, ImpulseUpdate, LearningBlockIn } from '../client/types.gen';
import { placeFieldErrors } from './fieldErrors';
import { labelAndUnit, schemaToFields, type FormField } from './schemaFields';

/** A classifier fed by every DSP block, with an id no block of the impulse uses. */
export function newClassifier(impulse: ImpulsePublic): LearningBlockIn {
  return newBlock(impulse, 'classifier', 'Classifier');
}

/**
 * K-means anomaly detection fed by every DSP block; the server fills in the default K-means
 * settings when it stores it.
 */
export function newAnomalyDetection(impulse: ImpulsePublic): LearningBlockIn {
  return newBlock(impulse, 'anomaly', 'Anomaly detection');
}

/**
 * The image DSP block a FOMO detector can learn from: object detection needs an image impulse
 * (the server also needs images with bounding boxes, and says so when there are none).
 */
export function detectionDspBlock(impulse: ImpulsePublic): number | null {
  if (impulse.input_block.type !== 'image') return null;
  return impulse.dsp_blocks.find((block) => block.type === 'image')?.id ?? null;
}

/** A FOMO object-detection block fed by the impulse's image block; the server fills defaults. */
export function newObjectDetection(impulse: ImpulsePublic): LearningBlockIn {
  const image = detectionDspBlock(impulse);
  if (image === null) {
    throw new Error('object detection needs an image impulse with an image DSP block');
  }
  return {
    ...newBlock(impulse, 'object_detection', 'Object detection (FOMO)'),
    dsp_blocks: [image],
  };
}

function newBlock(
  impulse: ImpulsePublic,
  type: 'classifier' | 'anomaly' | 'object_detection',
  name: string,
): LearningBlockIn {
  if (impulse.dsp_blocks.length === 0) {
    throw new Error('the impulse has no DSP block: add one in Create impulse first');
  }
  const ids = [...impulse.dsp_blocks, ...impulse.learning_blocks].map((block) => block.id);
  return {
    id: Math.max(0, ...ids) + 1,
    type,
    name,
    dsp_blocks: impulse.dsp_blocks.map((block) => block.id),
  };
}

/** The PUT body that stores `impulse` as it is, with `learningBlocks` instead of its own. */
export function impulseWithLearningBlocks(
  impulse: ImpulsePublic,
  learningBlocks: LearningBlockIn[],
): ImpulseUpdate {
  const input = impulse.input_block;
  return {
    name: impulse.name,
    input_block: {
      type: input.type,
      axes: input.axes,
      window_size_ms: input.window_size_ms ?? undefined,
      window_increase_ms: input.window_increase_ms ?? undefined,
      frequency_hz: input.frequency_hz,
      zero_pad: input.zero_pad ?? undefined,
    },
    dsp_blocks: impulse.dsp_blocks.map(({ id, type, name, axes, params }) => ({
      id,
      type,
      name,
      axes,
      params,
    })),
    learning_blocks: learningBlocks,
  };
}

/** The impulse's blocks with the one of the same id replaced by `block`. */
export function replaceLearningBlock(
  blocks: ReadonlyArray<LearningBlockIn>,
  block: LearningBlockIn,
): LearningBlockIn[] {
  if (!blocks.some((current) => current.id === block.id)) {
    throw new Error(`the impulse has no learning block ${block.id}`);
  }
  return blocks.map((current) => (current.id === block.id ? block : current));
}

/** A group of the training settings form: the top-level values, or one nested model. */
export interface SettingsGroup {
  /** null for the top-level values; else the nested model's property, e.g. "augmentation". */
  name: string | null;
  title: string;
  description: string;
  /** Fields of a nested group are named "augmentation.noise_stddev". */
  fields: FormField[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNested(property: Json): boolean {
  return '$ref' in property || 'allOf' in property || property.type === 'object';
}

/** The schema a property refers to (`$ref`, or pydantic's `allOf: [{$ref}]`), from `schemas`. */
function referencedSchema(property: Json, schemas: Json): Json | null {
  const ref =
    typeof property.$ref === 'string'
      ? property.$ref
      : Array.isArray(property.allOf) && isRecord(property.allOf[0])
        ? property.allOf[0].$ref
        : undefined;
  if (typeof ref === 'string') {
    const target = schemas[ref.split('/').pop() ?? ''];
    return isRecord(target) ? target : null;
  }
  return property.type === 'object' && isRecord(property.properties) ? property : null;
}

/**
 * The training settings form: the schema's plain values, then one group per nested model
 * (augmentation) whose fields are named "group.field", resolved through `schemas`.
 */
export function settingsGroups(schema: unknown, schemas: Json = {}): SettingsGroup[] {
  const properties = isRecord(schema) && isRecord(schema.properties) ? schema.properties : {};
  const plain: SettingsGroup = { name: null, title: '', description: '', fields: [] };
  const nested: SettingsGroup[] = [];
  const fields = schemaToFields(schema);
  for (const field of fields) {
    const property = properties[field.name];
    if (!isRecord(property) || !isNested(property)) {
      plain.fields.push(field);
      continue;
    }
    // A nested model whose schema is not at hand keeps its stored values (the form omits it).
    const target = referencedSchema(property, schemas);
    if (target === null) continue;
    const [title] = labelAndUnit(field.name);
    nested.push({
      name: field.name,
      title,
      description: typeof target.description === 'string' ? target.description : '',
      fields: schemaToFields(target).map((inner) => ({
        ...inner,
        name: `${field.name}.${inner.name}`,
      })),
    });
  }
  return [plain, ...nested];
}

/** Every field of the training settings form, nested ones named "group.field". */
export function flatSettingsFields(schema: unknown, schemas: Json = {}): FormField[] {
  return settingsGroups(schema, schemas).flatMap((group) => group.fields);
}

/** Stored settings as the form's flat names: {augmentation: {a: 1}} -> {"augmentation.a": 1}. */
export function flattenSettings(settings: Json): Json {
  const flat: Json = {};
  for (const [name, value] of Object.entries(settings)) {
    if (isRecord(value)) {
      for (const [inner, innerValue] of Object.entries(value)) {
        flat[`${name}.${inner}`] = innerValue;
      }
    } else {
      flat[name] = value;
    }
  }
  return flat;
}

/** The form's flat params as the API nests them: {"augmentation.a": 1} -> {augmentation: {a: 1}}. */
export function nestSettings(params: Json): Json {
  const nested: Json = {};
  for (const [name, value] of Object.entries(params)) {
    const dot = name.indexOf('.');
    if (dot < 0) {
      nested[name] = value;
      continue;
    }
    const group = name.slice(0, dot);
    const current = nested[group];
    nested[group] = { ...(isRecord(current) ? current : {}), [name.slice(dot + 1)]: value };
  }
  return nested;
}

/**
 * The training route's 422 sorted onto the settings form: its locations are
 * ["body", "settings", "augmentation", "noise_stddev"]; the rest is for beside the button.
 */
export function settingsErrors(
  error: unknown,
  fields: ReadonlyArray<FormField>,
): { byField: Record<string, string>; unplaced: string[] } {
  const placed = placeFieldErrors(
    error,
    fields.map((field) => `settings.${field.name}`),
  );
  const byField = Object.fromEntries(
    Object.entries(placed.byField).map(([path, message]) => [
      path.slice('settings.'.length),
      message,
    ]),
  );
  return { byField, unplaced: placed.unplaced };
}
