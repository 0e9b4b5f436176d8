// The "Create impulse" form's contents, and the request body they become.

import type { DspBlockIn, ImpulsePublic, InputBlockIn, LearningBlockIn } from '../client/types.gen';

export interface InputBlockDraft {
  /** Axis names separated by commas; empty means every axis of the data. */
  axes: string;
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
    axes: '',
    windowSizeMs: '1000',
    windowIncreaseMs: '500',
    frequencyHz: '',
    zeroPad: true,
  },
  dspBlocks: [],
  learningBlocks: [],
};

export function draftFromImpulse(impulse: ImpulsePublic | undefined): ImpulseDraft {
  if (!impulse) return NEW_IMPULSE_DRAFT;
  const input = impulse.input_block;
  return {
    input: {
      axes: input.axes.join(', '),
      windowSizeMs: input.window_size_ms == null ? '' : String(input.window_size_ms),
      windowIncreaseMs: input.window_increase_ms == null ? '' : String(input.window_increase_ms),
      frequencyHz: input.frequency_hz == null ? '' : String(input.frequency_hz),
      zeroPad: input.zero_pad ?? true,
    },
    dspBlocks: impulse.dsp_blocks.map(({ id, type, name, params }) => ({ id, type, name, params })),
    learningBlocks: impulse.learning_blocks,
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
 * inputs that are not numbers. The server checks everything else against the data.
 */
export function draftToRequest(
  draft: ImpulseDraft,
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
  const axes = draft.input.axes
    .split(',')
    .map((axis) => axis.trim())
    .filter(Boolean);
  const input_block: InputBlockIn = {
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
