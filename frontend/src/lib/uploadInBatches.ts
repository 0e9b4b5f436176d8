// Sends chosen files in batches, one request at a time, and keeps the per-file list up to date.
import {
  applyBatchAnswer,
  applyBatchFailure,
  markUploading,
  pendingRows,
  splitIntoBatches,
  type FileLike,
  type FileUploadRow,
  type UploadAnswer,
} from './uploadResults';

/** What became of one request: the server's per-file answer, or a refusal of the request. */
export type BatchOutcome =
  | { kind: 'answer'; answer: UploadAnswer }
  | {
      kind: 'refused';
      /** The server's sentence (or why it could not be reached). */
      reason: string;
      /** The form field the refusal is about ("label", "category"), when it names one. */
      field: string | null;
    };

export interface UploadRun<T extends FileLike> {
  rows: FileUploadRow[];
  /** The refusal that stopped the upload, or null when every batch got an answer. */
  refusal: Extract<BatchOutcome, { kind: 'refused' }> | null;
  /** Files not stored because the upload stopped; empty when it ran to the end. */
  filesToRetry: T[];
}

export interface BatchLimits {
  maxFiles: number;
  maxBytes: number;
}

/**
 * Upload `files` in batches through `send`, reporting the rows after every change to `onRows`.
 * A refused request stops the upload: the next batches would be refused the same way (the form is
 * shared), so they stay pending and come back in `filesToRetry` with the refused ones.
 */
export async function uploadInBatches<T extends FileLike>(
  files: ReadonlyArray<T>,
  send: (batch: T[]) => Promise<BatchOutcome>,
  onRows: (rows: FileUploadRow[]) => void,
  limits: BatchLimits,
): Promise<UploadRun<T>> {
  let rows = pendingRows(files);
  const keyed = files.map((file, index) => ({
    file,
    key: rows[index]!.key,
    name: file.name,
    size: file.size,
  }));
  onRows(rows);
  for (const batch of splitIntoBatches(keyed, limits.maxFiles, limits.maxBytes)) {
    const keys = batch.map((entry) => entry.key);
    rows = markUploading(rows, keys);
    onRows(rows);
    const outcome = await send(batch.map((entry) => entry.file));
    if (outcome.kind === 'answer') {
      rows = applyBatchAnswer(rows, keys, outcome.answer);
      onRows(rows);
      continue;
    }
    rows = applyBatchFailure(rows, keys, outcome.reason);
    onRows(rows);
    const stored = new Set(rows.filter((row) => row.status === 'accepted').map((row) => row.key));
    return {
      rows,
      refusal: outcome,
      filesToRetry: keyed.filter((entry) => !stored.has(entry.key)).map((entry) => entry.file),
    };
  }
  return { rows, refusal: null, filesToRetry: [] };
}
