import { describe, expect, it } from 'vitest';

import { uploadInBatches, type BatchOutcome } from './uploadInBatches';
import type { FileUploadRow } from './uploadResults';

const file = (name: string, size = 10) => ({ name, size });
const limits = { maxFiles: 2, maxBytes: 1000 };

/** A server that stores every file whose name does not start with "bad". */
async function storeGoodFiles(batch: { name: string }[]): Promise<BatchOutcome> {
  return {
    kind: 'answer',
    answer: {
      accepted: batch
        .filter((f) => !f.name.startsWith('bad'))
        .map((f, index) => ({ id: index + 1, filename: f.name, label: 'x', category: 'training' })),
      rejected: batch
        .filter((f) => f.name.startsWith('bad'))
        .map((f) => ({ filename: f.name, error: `${f.name} is empty` })),
    },
  };
}

describe('uploadInBatches', () => {
  it('sends batches in order and ends with every file answered', async () => {
    const sent: string[][] = [];
    const snapshots: FileUploadRow[][] = [];
    const files = ['a', 'bad1', 'c', 'd', 'e'].map((name) => file(name));
    const run = await uploadInBatches(
      files,
      (batch) => {
        sent.push(batch.map((f) => f.name));
        return storeGoodFiles(batch);
      },
      (rows) => snapshots.push(rows),
      limits,
    );
    expect(sent).toEqual([['a', 'bad1'], ['c', 'd'], ['e']]);
    expect(run.rows.map((row) => row.status)).toEqual([
      'accepted',
      'rejected',
      'accepted',
      'accepted',
      'accepted',
    ]);
    expect(run.rows[1]?.message).toBe('bad1 is empty');
    expect(run.refusal).toBeNull();
    expect(run.filesToRetry).toEqual([]);
    // The list was shown uploading while the second batch was on its way.
    expect(
      snapshots.some((rows) => rows[2]?.status === 'uploading' && rows[0]?.status === 'accepted'),
    ).toBe(true);
  });

  it('stops at a refused request and hands back every file not stored', async () => {
    const files = ['a', 'b', 'c', 'd', 'e'].map((name) => file(name));
    let requests = 0;
    const run = await uploadInBatches(
      files,
      async (batch) => {
        requests += 1;
        if (requests === 2) {
          return { kind: 'refused', reason: 'The label field is not valid', field: 'label' };
        }
        return storeGoodFiles(batch);
      },
      () => {},
      limits,
    );
    expect(requests).toBe(2);
    expect(run.refusal).toEqual({
      kind: 'refused',
      reason: 'The label field is not valid',
      field: 'label',
    });
    expect(run.rows.map((row) => row.status)).toEqual([
      'accepted',
      'accepted',
      'rejected',
      'rejected',
      'pending',
    ]);
    expect(run.filesToRetry.map((f) => f.name)).toEqual(['c', 'd', 'e']);
  });
});
