// Choosing the learning block a page works on, kept in the URL as ?block=<id> so a reload or a
// shared link shows the same block: the hook holds the choice, the select shows it.
import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { chooseLearningBlock, learningBlockTitle } from '../lib/learningBlockSelection';

export interface SelectedLearningBlock {
  /** The block named by ?block= among `blocks`, else the first; undefined when none. */
  block: LearningBlockPublic | undefined;
  /** The impulse's blocks that pass the filter, in the impulse's order. */
  blocks: LearningBlockPublic[];
  /** Names `blockId` in the URL (replacing the history entry, keeping other parameters). */
  selectBlock: (blockId: number) => void;
}

/**
 * The learning block chosen in the URL. `filter` keeps the blocks the page can use (e.g.
 * isNetworkBlock where anomaly detection does not apply).
 */
export function useSelectedLearningBlock(
  impulse: ImpulsePublic | undefined,
  filter?: (block: LearningBlockPublic) => boolean,
): SelectedLearningBlock {
  const [searchParams, setSearchParams] = useSearchParams();
  const blocks = (impulse?.learning_blocks ?? []).filter((block) => !filter || filter(block));
  const block = chooseLearningBlock(blocks, searchParams.get('block'));
  const selectBlock = useCallback(
    (blockId: number) =>
      setSearchParams(
        (current) => {
          const next = new URLSearchParams(current);
          next.set('block', String(blockId));
          return next;
        },
        { replace: true },
      ),
    [setSearchParams],
  );
  return { block, blocks, selectBlock };
}

interface LearningBlockSelectProps {
  impulse: ImpulsePublic;
  blocks: ReadonlyArray<LearningBlockPublic>;
  selectedId: number | null;
  onSelect: (blockId: number) => void;
  /** The select's label; "Learning block" unless the page says what the block is for. */
  label?: string;
  id?: string;
  hint?: string;
}

export function LearningBlockSelect({
  impulse,
  blocks,
  selectedId,
  onSelect,
  label = 'Learning block',
  id = 'learning-block',
  hint,
}: LearningBlockSelectProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={selectedId ?? ''}
        onChange={(event) => onSelect(Number(event.target.value))}
        aria-describedby={hint ? `${id}-hint` : undefined}
      >
        {blocks.map((block) => (
          <option key={block.id} value={block.id}>
            {learningBlockTitle(block, impulse)}
          </option>
        ))}
      </select>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}
