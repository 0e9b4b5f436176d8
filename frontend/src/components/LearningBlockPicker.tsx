// The impulse's learning blocks (pick one), and adding a classifier, anomaly detection or (image
// impulses) FOMO object detection.
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';

import { impulsesReplaceImpulseMutation } from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic, LearningBlockIn } from '../client/types.gen';
import {
  detectionDspBlock,
  impulseWithLearningBlocks,
  newAnomalyDetection,
  newClassifier,
  newObjectDetection,
} from '../lib/learningBlocks';
import { ErrorText } from './ErrorText';
import { LearningBlockSelect } from './LearningBlockSelect';

interface LearningBlockPickerProps {
  impulse: ImpulsePublic;
  selectedId: number | null;
  onSelect: (blockId: number) => void;
  canWrite: boolean;
}

export function LearningBlockPicker({
  impulse,
  selectedId,
  onSelect,
  canWrite,
}: LearningBlockPickerProps) {
  const replace = useMutation(impulsesReplaceImpulseMutation());
  const path = { project_id: impulse.project_id, impulse_id: impulse.id };
  if (impulse.dsp_blocks.length === 0) {
    return (
      <section className="panel" aria-labelledby="learning-heading">
        <h2 id="learning-heading">Learning block</h2>
        <p className="muted">
          The impulse has no DSP block yet.{' '}
          <Link to={`/projects/${impulse.project_id}/impulse`}>Add one in Create impulse</Link>.
        </p>
      </section>
    );
  }
  const add = (block: LearningBlockIn) =>
    replace.mutate(
      { path, body: impulseWithLearningBlocks(impulse, [...impulse.learning_blocks, block]) },
      { onSuccess: () => onSelect(block.id) },
    );
  return (
    <section className="panel" aria-labelledby="learning-heading">
      <div className="panel-header">
        <h2 id="learning-heading">Learning block</h2>
        {canWrite && (
          <div className="button-row">
            <button
              type="button"
              className={impulse.learning_blocks.length === 0 ? 'primary' : undefined}
              disabled={replace.isPending}
              onClick={() => add(newClassifier(impulse))}
            >
              Add classifier
            </button>
            <button
              type="button"
              disabled={replace.isPending}
              onClick={() => add(newAnomalyDetection(impulse))}
            >
              Add anomaly detection
            </button>
            {detectionDspBlock(impulse) !== null && (
              <button
                type="button"
                disabled={replace.isPending}
                onClick={() => add(newObjectDetection(impulse))}
              >
                Add object detection (FOMO)
              </button>
            )}
          </div>
        )}
      </div>
      {impulse.learning_blocks.length === 0 ? (
        <p className="muted">
          None yet. A classifier learns the labels from the features of{' '}
          {impulse.dsp_blocks.map((dsp) => dsp.name || dsp.type).join(' and ')}; anomaly detection
          learns what normal windows look like (K-means) and flags those far from all of them.
        </p>
      ) : (
        <LearningBlockSelect
          impulse={impulse}
          blocks={impulse.learning_blocks}
          selectedId={selectedId}
          onSelect={onSelect}
          label="Block to train"
        />
      )}
      <ErrorText error={replace.error} />
    </section>
  );
}
