// Which learning block a page works on: the one named in the URL (?block=<id>) among those the
// page can use, else the first of them.
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';

/** The block `param` names among `blocks`, else the first; undefined when there is none. */
export function chooseLearningBlock<Block extends { id: number }>(
  blocks: ReadonlyArray<Block>,
  param: string | null,
): Block | undefined {
  const wanted = param !== null && /^\d+$/.test(param.trim()) ? Number(param) : null;
  return blocks.find((block) => block.id === wanted) ?? blocks[0];
}

/** A block that is a neural network (classifier or regression), not K-means anomaly detection. */
export function isNetworkBlock(block: LearningBlockPublic): boolean {
  return block.type !== 'anomaly';
}

/** "Classifier (classifier, from MFCC)" for a list of blocks. */
export function learningBlockTitle(block: LearningBlockPublic, impulse: ImpulsePublic): string {
  const inputs = block.dsp_blocks
    .map((id) => impulse.dsp_blocks.find((dsp) => dsp.id === id)?.name || `#${id}`)
    .join(' + ');
  return `${block.name || block.type} (${block.type}, from ${inputs})`;
}
