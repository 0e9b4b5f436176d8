// Learning blocks are saved with their impulse: the whole impulse is sent back with new blocks.
import type { ImpulsePublic, ImpulseUpdate, LearningBlockIn } from '../client/types.gen';
import { schemaToFields, type FormField } from './schemaFields';

/** A classifier fed by every DSP block, with an id no block of the impulse uses. */
export function newClassifier(impulse: ImpulsePublic): LearningBlockIn {
  if (impulse.dsp_blocks.length === 0) {
    throw new Error('the impulse has no DSP block: add one in Create impulse first');
  }
  const ids = [...impulse.dsp_blocks, ...impulse.learning_blocks].map((block) => block.id);
  return {
    id: Math.max(0, ...ids) + 1,
    type: 'classifier',
    name: 'Classifier',
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

/**
 * The settings form's fields: the schema's plain values (numbers, flags, choices). Nested groups
 * (augmentation) keep their stored values; the form does not show them.
 */
export function flatSettingsFields(schema: unknown): FormField[] {
  const properties =
    typeof schema === 'object' && schema !== null && 'properties' in schema
      ? (schema.properties as Record<string, Record<string, unknown>>)
      : {};
  const nested = (name: string) => {
    const property = properties[name] ?? {};
    return '$ref' in property || 'allOf' in property || property.type === 'object';
  };
  return schemaToFields(schema).filter((field) => !nested(field.name));
}
