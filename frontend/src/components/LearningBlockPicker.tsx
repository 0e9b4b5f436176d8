// The impulse's learning blocks (pick one), or a way to add the first classifier.
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';

import { impulsesReplaceImpulseMutation } from '../client/@tanstack/react-query.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { impulseWithLearningBlocks, newClassifier } from '../lib/learningBlocks';
import { ErrorText } from './ErrorText';

interface LearningBlockPickerProps {
  impulse: ImpulsePublic;
  selectedId: number | null;
  onSelect: (blockId: number) => void;
  canWrite: boolean;
}

function blockTitle(block: LearningBlockPublic, impulse: ImpulsePublic): string {
  const inputs = block.dsp_blocks
    .map((id) => impulse.dsp_blocks.find((dsp) => dsp.id === id)?.name ?? `#${id}`)
    .join(' + ');
  return `${block.name || block.type} (${block.type}, from ${inputs})`;
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
  const addClassifier = () => {
    const block = newClassifier(impulse);
    replace.mutate(
      { path, body: impulseWithLearningBlocks(impulse, [...impulse.learning_blocks, block]) },
      { onSuccess: () => onSelect(block.id) },
    );
  };
  return (
    <section className="panel" aria-labelledby="learning-heading">
      <div className="panel-header">
        <h2 id="learning-heading">Learning block</h2>
        {canWrite && (
          <button
            type="button"
            className={impulse.learning_blocks.length === 0 ? 'primary' : undefined}
            disabled={replace.isPending}
            onClick={addClassifier}
          >
            Add classifier
          </button>
        )}
      </div>
      {impulse.learning_blocks.length === 0 ? (
        <p className="muted">
          None yet. A classifier learns the labels from the features of{' '}
          {impulse.dsp_blocks.map((dsp) => dsp.name || dsp.type).join(' and ')}.
        </p>
      ) : (
        <div className="field">
          <label htmlFor="learning-block">Block to train</label>
          <select
            id="learning-block"
            value={selectedId ?? ''}
            onChange={(event) => onSelect(Number(event.target.value))}
          >
            {impulse.learning_blocks.map((block) => (
              <option key={block.id} value={block.id}>
                {blockTitle(block, impulse)}
              </option>
            ))}
          </select>
        </div>
      )}
      <ErrorText error={replace.error} />
    </section>
  );
}
