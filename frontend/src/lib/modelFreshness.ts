// What the Training and Model testing pages say about a trained model that may be out of date.
import type { TrainedModelPublic } from '../client/types.gen';

export type ModelWarning = {
  // outdated: known to be (deployment refuses it); unrecorded: trained before mcuforge
  // recorded the samples a model learns from, so nobody can tell.
  kind: 'outdated' | 'unrecorded';
  text: string;
};

/** The warning to show beside a trained model, or null when it is current. */
export function modelWarning(
  model: Pick<TrainedModelPublic, 'outdated_reason' | 'dataset_recorded'>,
): ModelWarning | null {
  if (model.outdated_reason) {
    return {
      kind: 'outdated',
      text:
        `This model is out of date: ${model.outdated_reason}. Its figures describe the data it ` +
        'was trained on, and deployment refuses it: train the block again.',
    };
  }
  if (model.dataset_recorded === false) {
    return {
      kind: 'unrecorded',
      text:
        'This model was trained before mcuforge recorded the samples a model learns from, so ' +
        'whether the dataset changed since is unknown. If it did, train the block again.',
    };
  }
  return null;
}

/** The warning stored with test results measured on a model that was out of date, or null. */
export function testedOutdatedText(results: Record<string, unknown>): string | null {
  const reason = results.model_outdated_reason;
  if (typeof reason !== 'string' || reason === '') return null;
  return (
    `Tested with a model that was out of date: ${reason}. Train the block again, then test ` +
    'again for figures of the current dataset.'
  );
}
