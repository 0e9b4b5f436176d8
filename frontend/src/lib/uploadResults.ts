// Per-file upload state: files go up in batches, and each batch's answer is matched back to its files.

export type FileUploadStatus = 'pending' | 'uploading' | 'accepted' | 'rejected';

export interface FileUploadRow {
  /** Unique within one upload, even when two files share a name. */
  key: string;
  filename: string;
  sizeBytes: number;
  status: FileUploadStatus;
  /** The server's reason for a rejection, or where an accepted file went ("label · training"). */
  message: string;
  sampleId?: number;
}

/** The parts of the server's UploadResult that the per-file list needs. */
export interface UploadAnswer {
  accepted: ReadonlyArray<{ id: number; filename: string; label: string; category: string }>;
  rejected: ReadonlyArray<{ filename: string; error: string }>;
}

export interface UploadTotals {
  total: number;
  accepted: number;
  rejected: number;
  waiting: number;
}

export interface FileLike {
  name: string;
  size: number;
}

/**
 * A rejection as the upload form says it: the API names its request field for API users
 * ("send allow_duplicates=true to store both"); on the form that is the "Allow duplicates" box.
 */
export function rejectionText(error: string): string {
  return error.replace(/send allow_duplicates=true to/g, 'tick "Allow duplicates" to');
}

/** Rows for files about to be uploaded, all pending. */
export function pendingRows(files: ReadonlyArray<FileLike>): FileUploadRow[] {
  return files.map((file, index) => ({
    key: `${index}:${file.name}`,
    filename: file.name,
    sizeBytes: file.size,
    status: 'pending',
    message: '',
  }));
}

/**
 * Group files into requests of at most `maxFiles` files and `maxBytes` bytes, keeping their order.
 * A single file larger than `maxBytes` goes alone, so the server can name it in its refusal.
 */
export function splitIntoBatches<T extends FileLike>(
  files: ReadonlyArray<T>,
  maxFiles: number,
  maxBytes: number,
): T[][] {
  if (!Number.isInteger(maxFiles) || maxFiles < 1) {
    throw new RangeError(`maxFiles must be a whole number of at least 1, got ${maxFiles}`);
  }
  if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${maxBytes}`);
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const file of files) {
    const full = current.length >= maxFiles || currentBytes + file.size > maxBytes;
    if (current.length > 0 && full) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(file);
    currentBytes += file.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function baseName(filename: string): string {
  const parts = filename.split(/[\\/]/);
  return parts[parts.length - 1] ?? filename;
}

/** Mark the rows of one batch as being sent. */
export function markUploading(
  rows: FileUploadRow[],
  batchKeys: ReadonlyArray<string>,
): FileUploadRow[] {
  const inBatch = new Set(batchKeys);
  return rows.map((row) =>
    inBatch.has(row.key) ? { ...row, status: 'uploading', message: '' } : row,
  );
}

/**
 * Apply the server's answer for one batch. Each accepted sample and each rejection is matched to
 * the first still-unanswered row of the batch with the same file name (the server may strip
 * folders from the name); a row the answer does not mention is marked rejected, never left waiting.
 */
export function applyBatchAnswer(
  rows: FileUploadRow[],
  batchKeys: ReadonlyArray<string>,
  answer: UploadAnswer,
): FileUploadRow[] {
  const updates = new Map<string, FileUploadRow>();
  const open = rows.filter((row) => batchKeys.includes(row.key));

  const claim = (filename: string): FileUploadRow | undefined => {
    const candidates = open.filter((row) => !updates.has(row.key));
    return (
      candidates.find((row) => row.filename === filename) ??
      candidates.find((row) => baseName(row.filename) === baseName(filename))
    );
  };

  for (const sample of answer.accepted) {
    const row = claim(sample.filename);
    if (row) {
      updates.set(row.key, {
        ...row,
        status: 'accepted',
        message: `${sample.label} · ${sample.category}`,
        sampleId: sample.id,
      });
    }
  }
  for (const rejection of answer.rejected) {
    const row = claim(rejection.filename);
    if (row) {
      updates.set(row.key, { ...row, status: 'rejected', message: rejectionText(rejection.error) });
    }
  }
  for (const row of open) {
    if (!updates.has(row.key)) {
      updates.set(row.key, {
        ...row,
        status: 'rejected',
        message: 'The server did not report on this file; upload it again.',
      });
    }
  }
  return rows.map((row) => updates.get(row.key) ?? row);
}

/** Mark every row of a batch rejected with one reason (the request as a whole failed). */
export function applyBatchFailure(
  rows: FileUploadRow[],
  batchKeys: ReadonlyArray<string>,
  reason: string,
): FileUploadRow[] {
  const inBatch = new Set(batchKeys);
  return rows.map((row) =>
    inBatch.has(row.key) ? { ...row, status: 'rejected', message: reason } : row,
  );
}

/** Counts for the summary line above the per-file list. */
export function uploadTotals(rows: ReadonlyArray<FileUploadRow>): UploadTotals {
  const totals: UploadTotals = { total: rows.length, accepted: 0, rejected: 0, waiting: 0 };
  for (const row of rows) {
    if (row.status === 'accepted') totals.accepted += 1;
    else if (row.status === 'rejected') totals.rejected += 1;
    else totals.waiting += 1;
  }
  return totals;
}

/** Whether an error body from the upload route is an UploadResult that names files. */
export function isUploadAnswer(body: unknown): body is UploadAnswer {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as Record<string, unknown>;
  return Array.isArray(candidate.accepted) && Array.isArray(candidate.rejected);
}

const DISPLAY_ORDER: Record<FileUploadStatus, number> = {
  rejected: 0,
  uploading: 1,
  pending: 2,
  accepted: 3,
};

/**
 * Rows in the order the list shows them: refused files first, since they are the ones that need
 * attention in an upload of hundreds, then the rest in the order they were chosen.
 */
export function rowsForDisplay(rows: ReadonlyArray<FileUploadRow>): FileUploadRow[] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => DISPLAY_ORDER[a.row.status] - DISPLAY_ORDER[b.row.status] || a.index - b.index)
    .map(({ row }) => row);
}
