import { describe, expect, it } from 'vitest';

import {
  applyBatchAnswer,
  applyBatchFailure,
  isUploadAnswer,
  markUploading,
  pendingRows,
  rejectionText,
  rowsForDisplay,
  splitIntoBatches,
  uploadTotals,
} from './uploadResults';

const file = (name: string, size = 100) => ({ name, size });

describe('splitIntoBatches', () => {
  it('keeps order and respects the file count limit', () => {
    const files = ['a', 'b', 'c', 'd', 'e'].map((name) => file(name));
    const batches = splitIntoBatches(files, 2, 10_000);
    expect(batches.map((batch) => batch.map((f) => f.name))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e'],
    ]);
  });

  it('starts a new batch before the byte limit is passed, and sends an oversized file alone', () => {
    const files = [file('a', 40), file('b', 50), file('c', 20), file('huge', 500), file('d', 10)];
    const batches = splitIntoBatches(files, 10, 100);
    expect(batches.map((batch) => batch.map((f) => f.name))).toEqual([
      ['a', 'b'],
      ['c'],
      ['huge'],
      ['d'],
    ]);
  });

  it('returns no batches for no files and refuses nonsense limits', () => {
    expect(splitIntoBatches([], 5, 100)).toEqual([]);
    expect(() => splitIntoBatches([file('a')], 0, 100)).toThrow(/maxFiles/);
    expect(() => splitIntoBatches([file('a')], 1, 0)).toThrow(/maxBytes/);
  });
});

describe('applyBatchAnswer', () => {
  it('matches accepted and rejected files to their rows by name', () => {
    let rows = pendingRows([file('yes.1.wav'), file('bad.wav'), file('later.wav')]);
    const batchKeys = rows.slice(0, 2).map((row) => row.key);
    rows = markUploading(rows, batchKeys);
    rows = applyBatchAnswer(rows, batchKeys, {
      accepted: [{ id: 11, filename: 'yes.1.wav', label: 'yes', category: 'training' }],
      rejected: [{ filename: 'bad.wav', error: 'bad.wav: the file is empty' }],
    });
    expect(rows.map((row) => [row.filename, row.status, row.message, row.sampleId])).toEqual([
      ['yes.1.wav', 'accepted', 'yes · training', 11],
      ['bad.wav', 'rejected', 'bad.wav: the file is empty', undefined],
      ['later.wav', 'pending', '', undefined],
    ]);
    expect(uploadTotals(rows)).toEqual({ total: 3, accepted: 1, rejected: 1, waiting: 1 });
  });

  it('tells apart two files with the same name by their order', () => {
    let rows = pendingRows([file('dup.wav'), file('dup.wav')]);
    const keys = rows.map((row) => row.key);
    expect(new Set(keys).size).toBe(2);
    rows = applyBatchAnswer(rows, keys, {
      accepted: [{ id: 1, filename: 'dup.wav', label: 'dup', category: 'testing' }],
      rejected: [{ filename: 'dup.wav', error: 'duplicate of sample 1' }],
    });
    expect(rows.map((row) => row.status)).toEqual(['accepted', 'rejected']);
    expect(rows[1]?.message).toBe('duplicate of sample 1');
  });

  it('matches a name the server stripped of its folder', () => {
    let rows = pendingRows([file('clips/noise.wav')]);
    rows = applyBatchAnswer(rows, [rows[0]!.key], {
      accepted: [{ id: 5, filename: 'noise.wav', label: 'noise', category: 'training' }],
      rejected: [],
    });
    expect(rows[0]?.status).toBe('accepted');
    expect(rows[0]?.sampleId).toBe(5);
  });

  it('never leaves a file of the batch waiting when the answer forgets it', () => {
    let rows = pendingRows([file('a.wav'), file('b.wav')]);
    rows = applyBatchAnswer(
      rows,
      rows.map((row) => row.key),
      {
        accepted: [{ id: 1, filename: 'a.wav', label: 'a', category: 'training' }],
        rejected: [],
      },
    );
    expect(rows[1]?.status).toBe('rejected');
    expect(rows[1]?.message).toMatch(/did not report/);
  });
});

describe('applyBatchFailure', () => {
  it('rejects only the rows of the failed batch, with the reason', () => {
    let rows = pendingRows([file('a'), file('b'), file('c')]);
    rows = applyBatchFailure(rows, [rows[1]!.key, rows[2]!.key], 'request too large (413)');
    expect(rows.map((row) => row.status)).toEqual(['pending', 'rejected', 'rejected']);
    expect(rows[2]?.message).toBe('request too large (413)');
  });
});

describe('isUploadAnswer', () => {
  it('recognises an UploadResult body and nothing else', () => {
    expect(isUploadAnswer({ detail: 'x', accepted: [], rejected: [] })).toBe(true);
    expect(isUploadAnswer({ detail: 'project 3 does not exist' })).toBe(false);
    expect(isUploadAnswer(null)).toBe(false);
  });
});

describe('rowsForDisplay', () => {
  it('puts refused files first and keeps the chosen order within each status', () => {
    let rows = pendingRows(['a', 'b', 'c', 'd', 'e'].map((name) => file(name)));
    const keys = rows.map((row) => row.key);
    rows = applyBatchAnswer(rows, keys.slice(0, 4), {
      accepted: [
        { id: 1, filename: 'a', label: 'a', category: 'training' },
        { id: 2, filename: 'c', label: 'c', category: 'training' },
      ],
      rejected: [
        { filename: 'd', error: 'empty' },
        { filename: 'b', error: 'truncated' },
      ],
    });
    expect(rowsForDisplay(rows).map((row) => `${row.filename}:${row.status}`)).toEqual([
      'b:rejected',
      'd:rejected',
      'e:pending',
      'a:accepted',
      'c:accepted',
    ]);
    // The input is left as it was.
    expect(rows.map((row) => row.filename)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('rejectionText', () => {
  it('points at the "Allow duplicates" box instead of the API field', () => {
    expect(
      rejectionText(
        'it has the same content as "a.wav" earlier in this upload; send allow_duplicates=true to store both',
      ),
    ).toBe(
      'it has the same content as "a.wav" earlier in this upload; tick "Allow duplicates" to store both',
    );
  });
});
