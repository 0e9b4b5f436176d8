// What the DSP block page says about a block's generated features.
import type { FeatureBlockSummary } from '../client/types.gen';

// The server says why features are stale; older servers did not, and then only parameters could.
const PARAMETERS_CHANGED = 'the parameters changed since';

/** "Features are stale: the dataset changed since … Generate again." */
export function staleText(reason: string | null | undefined): string {
  return `Features are stale: ${reason ?? PARAMETERS_CHANGED}. Generate again.`;
}

/** The sentence under the Generate button for the block's features. */
export function featureStateText(
  summary: Pick<FeatureBlockSummary, 'state' | 'stale_reason' | 'window_count' | 'shape'>,
): string {
  if (summary.state === 'none') return 'No features generated yet.';
  if (summary.state === 'stale') return staleText(summary.stale_reason);
  return `Ready: ${summary.window_count} windows of ${summary.shape?.join(' × ') ?? '?'} features.`;
}
