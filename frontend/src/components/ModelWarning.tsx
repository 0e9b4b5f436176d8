// A visible warning beside a trained model that is (or may be) out of date.
import type { TrainedModelPublic } from '../client/types.gen';
import { modelWarning } from '../lib/modelFreshness';

export function ModelWarning({
  model,
}: {
  model: Pick<TrainedModelPublic, 'outdated_reason' | 'dataset_recorded'>;
}) {
  const warning = modelWarning(model);
  if (warning === null) return null;
  return (
    <p
      className={warning.kind === 'outdated' ? 'warning-box' : 'warning-box warning-box-soft'}
      role="status"
      data-testid="model-outdated"
    >
      {warning.text}
    </p>
  );
}
