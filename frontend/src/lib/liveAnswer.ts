// The answer of a continuously classified window, in words for the latest line and the history.
import type { ClassificationPublic } from '../client/types.gen';
import { formatPercent } from './modelMetrics';

/** The last window's top class and its score, "uncertain" below the threshold, or the value. */
export function answerText(result: ClassificationPublic): string {
  const window = result.windows[result.windows.length - 1];
  if (!window) return 'no window';
  if (window.value != null) return window.value.toFixed(3);
  const score = window.top && window.scores ? window.scores[window.top] : undefined;
  return `${window.top ?? 'uncertain'}${score != null ? ` (${formatPercent(score)})` : ''}`;
}
