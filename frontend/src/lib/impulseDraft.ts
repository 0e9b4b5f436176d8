// The "Create impulse" form's contents, and the request body they become.

import type { DspBlockIn, ImpulsePublic, InputBlockIn, LearningBlockIn } from '../client/types.gen';

export interface InputBlockDraft {
  /** Time-series windows, or whole images. */
  type: 'time-series' | 'image';
  /** The ticked axes, in the data's order; none ticked (with no axes to offer) lets the data decide. */
  axes: string[];
  windowSizeMs: string;
  windowIncreaseMs: string;
  /** Empty means the data's own rate. */
  frequencyHz: string;
  zeroPad: boolean;
}

export interface DspBlockDraft {
  id: number;
  type: string;
  name: string;
  params: Record<string, unknown>;
}

export interface ImpulseDraft {
  input: InputBlockDraft;
  dspBlocks: DspBlockDraft[];
  learningBlocks: LearningBlockIn[];
}

export const NEW_IMPULSE_DRAFT: ImpulseDraft = {
  input: {
    type: 'time-series',
    axes: [],
    windowSizeMs: '1000',
    windowIncreaseMs: '500',
    frequencyHz: '',
    zeroPad: true,
  },
  dspBlocks: [],
  learningBlocks: [],
};

/** What the project's samples are, as the samples summary says (`data_kind`). */
export type DataKind = 'none' | 'audio' | 'time-series' | 'image';

/** The project's data as the impulse form needs it: the axes to offer and the kind of data. */
export interface ProjectData {
  axes: ReadonlyArray<string>;
  kind: DataKind;
}

export const NO_DATA: ProjectData = { axes: [], kind: 'none' };

/**
 * The form's contents: the stored impulse's, or for a new one every axis of the data ticked and
 * the input type that fits the data.
 */
export function draftFromImpulse(
  impulse: ImpulsePublic | undefined,
  data: ProjectData = NO_DATA,
): ImpulseDraft {
  if (!impulse) {
    return {
      ...NEW_IMPULSE_DRAFT,
      input: {
        ...NEW_IMPULSE_DRAFT.input,
        type: data.kind === 'image' ? 'image' : 'time-series',
        axes: data.kind === 'image' ? [] : [...data.axes],
      },
    };
  }
  const input = impulse.input_block;
  return {
    input: {
      type: input.type === 'image' ? 'image' : 'time-series',
      axes: [...input.axes],
      windowSizeMs: input.window_size_ms == null ? '' : String(input.window_size_ms),
      windowIncreaseMs: input.window_increase_ms == null ? '' : String(input.window_increase_ms),
      frequencyHz: input.frequency_hz == null ? '' : String(input.frequency_hz),
      zeroPad: input.zero_pad ?? true,
    },
    dspBlocks: impulse.dsp_blocks.map(({ id, type, name, params }) => ({ id, type, name, params })),
    learningBlocks: impulse.learning_blocks,
  };
}

/** The axes to offer as checkboxes: the data's, then any the draft names that the data lacks. */
export function axisChoices(
  dataAxes: ReadonlyArray<string>,
  ticked: ReadonlyArray<string>,
): string[] {
  return [...dataAxes, ...ticked.filter((axis) => !dataAxes.includes(axis))];
}

/** `axes` with `axis` ticked or not, kept in the order of `choices`. */
export function toggleAxis(
  choices: ReadonlyArray<string>,
  axes: ReadonlyArray<string>,
  axis: string,
  ticked: boolean,
): string[] {
  const next = new Set(axes);
  if (ticked) next.add(axis);
  else next.delete(axis);
  return choices.filter((choice) => next.has(choice));
}

// The DSP blocks that suit each kind of data, best first.
const RECOMMENDED_BLOCKS: Record<DataKind, ReadonlyArray<string>> = {
  audio: ['mfcc', 'mfe'],
  'time-series': ['spectral'],
  image: ['image'],
  none: [],
};

/** The kind of data in words, for "Recommended for …". */
export const DATA_KIND_WORDS: Record<DataKind, string> = {
  audio: 'audio',
  'time-series': 'motion and other sensor data',
  image: 'images',
  none: 'data',
};

/** The block types split into those recommended for the data (best first) and the others. */
export function recommendedBlockTypes<T extends { name: string }>(
  types: ReadonlyArray<T>,
  kind: DataKind,
): { recommended: T[]; others: T[] } {
  const names = RECOMMENDED_BLOCKS[kind];
  const recommended = names.flatMap((name) => types.filter((type) => type.name === name));
  return { recommended, others: types.filter((type) => !names.includes(type.name)) };
}

/** The block type the "Add" list starts on: the best one for the data, else the first. */
export function defaultBlockType(types: ReadonlyArray<{ name: string }>, kind: DataKind): string {
  const { recommended } = recommendedBlockTypes(types, kind);
  return recommended[0]?.name ?? types[0]?.name ?? '';
}

/**
 * `draft` with one parameter of block `blockId` set from its input's text: empty removes it, so
 * the server fills it in with the value fitted to the window; a number is sent as a number.
 */
export function setBlockParam(
  draft: ImpulseDraft,
  blockId: number,
  name: string,
  text: string,
): ImpulseDraft {
  return {
    ...draft,
    dspBlocks: draft.dspBlocks.map((block) => {
      if (block.id !== blockId) return block;
      const params = { ...block.params };
      const trimmed = text.trim();
      if (trimmed === '') delete params[name];
      else params[name] = Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
      return { ...block, params };
    }),
  };
}

/** A new block's id: one more than the largest, so ids stay unique within the impulse. */
export function nextDspBlockId(blocks: ReadonlyArray<DspBlockDraft>): number {
  return blocks.reduce((largest, block) => Math.max(largest, block.id), 0) + 1;
}

export interface DraftRequest {
  input_block: InputBlockIn;
  dsp_blocks: DspBlockIn[];
  learning_blocks: LearningBlockIn[];
}

/**
 * The request body, or messages keyed by field path (as the server's 422 would name them) for
 * inputs that are not numbers, or no axis ticked of `availableAxes`. The server checks
 * everything else against the data. DSP blocks carry only the parameters the user set: the
 * server fills the rest with values fitted to the window.
 */
export function draftToRequest(
  draft: ImpulseDraft,
  availableAxes: ReadonlyArray<string> = [],
): { body: DraftRequest; errors: null } | { body: null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const number = (field: string, text: string, optional: boolean): number | null => {
    const trimmed = text.trim();
    if (trimmed === '') {
      if (!optional) errors[`input_block.${field}`] = 'Required: a number of milliseconds.';
      return null;
    }
    const value = Number(trimmed);
    if (!Number.isFinite(value)) errors[`input_block.${field}`] = `"${trimmed}" is not a number.`;
    return value;
  };
  if (
    draft.input.type === 'time-series' &&
    draft.input.axes.length === 0 &&
    availableAxes.length > 0
  ) {
    errors['input_block.axes'] = 'Choose at least one axis.';
  }
  const axes = draft.input.axes;
  // An image input takes each image whole: the window fields do not apply to it.
  const input_block: InputBlockIn =
    draft.input.type === 'image'
      ? { type: 'image', axes: axes.length > 0 ? axes : null }
      : {
          type: 'time-series',
          axes: axes.length > 0 ? axes : null,
          window_size_ms: number('window_size_ms', draft.input.windowSizeMs, false) ?? undefined,
          window_increase_ms:
            number('window_increase_ms', draft.input.windowIncreaseMs, false) ?? undefined,
          frequency_hz: number('frequency_hz', draft.input.frequencyHz, true),
          zero_pad: draft.input.zeroPad,
        };
  if (Object.keys(errors).length > 0) return { body: null, errors };
  return {
    body: {
      input_block,
      dsp_blocks: draft.dspBlocks.map(({ id, type, name, params }) => ({ id, type, name, params })),
      learning_blocks: draft.learningBlocks,
    },
    errors: null,
  };
}

/**
 * The parameters the impulse form shows for a block: those a refused save named, and for a block
 * not saved yet those the user set here. A saved block's others live on its parameters page.
 */
export function editableParams<F extends { name: string }>(
  fields: ReadonlyArray<F>,
  block: DspBlockDraft,
  stored: boolean,
  refused: (name: string) => boolean,
): F[] {
  return fields.filter((field) => refused(field.name) || (!stored && field.name in block.params));
}
