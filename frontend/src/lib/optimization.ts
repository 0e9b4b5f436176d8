// Quantization-aware training and pruning of a learning block: the inputs, what is sent, and the
// server's refusals placed beside the input they concern.
import type { LearningBlockIn } from '../client/types.gen';
import { locPath } from './fieldErrors';

export const PRUNING_MIN = 0.1;
export const PRUNING_MAX = 0.95;

export interface OptimizationInputs {
  quantizationAware: boolean;
  /** The sparsity input's text; empty means no pruning. */
  pruningSparsity: string;
}

export interface OptimizationValues {
  quantization_aware_training: boolean;
  pruning_sparsity: number | null;
}

export type OptimizationField = 'quantization_aware_training' | 'pruning_sparsity';

export function optimizationInputs(block: LearningBlockIn): OptimizationInputs {
  return {
    quantizationAware: block.quantization_aware_training === true,
    pruningSparsity: block.pruning_sparsity == null ? '' : String(block.pruning_sparsity),
  };
}

/**
 * What the block stores for the inputs, or a message per input that cannot be sent. The range
 * and the rule that the two exclude each other are the server's; here only what is not a number.
 */
export function optimizationValues(inputs: OptimizationInputs): {
  values: OptimizationValues | null;
  errors: Partial<Record<OptimizationField, string>>;
} {
  const text = inputs.pruningSparsity.trim();
  const sparsity = text === '' ? null : Number(text);
  if (sparsity !== null && !Number.isFinite(sparsity)) {
    return {
      values: null,
      errors: {
        pruning_sparsity: `"${text}" is not a number: give a share of weights between ${PRUNING_MIN} and ${PRUNING_MAX}, or leave it empty for no pruning.`,
      },
    };
  }
  return {
    values: { quantization_aware_training: inputs.quantizationAware, pruning_sparsity: sparsity },
    errors: {},
  };
}

/** Why an input is disabled now, or null: the server refuses the two together. */
export function optimizationLock(
  inputs: OptimizationInputs,
): Record<OptimizationField, string | null> {
  return {
    quantization_aware_training:
      inputs.pruningSparsity.trim() !== ''
        ? 'Not together with pruning: empty the pruning sparsity first.'
        : null,
    pruning_sparsity: inputs.quantizationAware
      ? 'Not together with quantization-aware training: turn it off first.'
      : null,
  };
}

/** Saving an expert script is refused while the block has either turned on. */
export function blocksExpertScript(block: LearningBlockIn): boolean {
  return block.quantization_aware_training === true || block.pruning_sparsity != null;
}

/**
 * The impulse save's 422 about learning block `index`, sorted: each input's own messages, the
 * block-wide rules (pydantic's "Value error, choose ... not both", shown beside the inputs), and
 * the rest (layers, other blocks) as "path: message" for beside the save button.
 */
export function optimizationErrors(
  error: unknown,
  index: number,
): { byField: Partial<Record<OptimizationField, string>>; block: string | null; other: string[] } {
  const base = `learning_blocks.${index}`;
  const byField: Partial<Record<OptimizationField, string>> = {};
  let block: string | null = null;
  const other: string[] = [];
  const detail = isRecord(error) && Array.isArray(error.detail) ? error.detail : [];
  for (const raw of detail) {
    if (!isRecord(raw)) continue;
    const message = typeof raw.msg === 'string' ? raw.msg : 'is not valid';
    const path = Array.isArray(raw.loc) ? locPath(raw.loc) : '';
    const field = (['quantization_aware_training', 'pruning_sparsity'] as const).find(
      (name) => path === `${base}.${name}` || path.startsWith(`${base}.${name}.`),
    );
    if (field) byField[field] ??= message;
    else if (path === base) block ??= message.replace(/^Value error, /, '');
    else other.push(path ? `${path}: ${message}` : message);
  }
  return { byField, block, other };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether the training script's refusal is about quantization-aware training or pruning (a layer
 * tfmot cannot handle), so it is shown beside those inputs rather than above the network.
 */
export function isOptimizationRefusal(error: unknown): boolean {
  if (!isRecord(error) || typeof error.detail !== 'string') return false;
  return /quantization-aware|pruning/i.test(error.detail);
}
