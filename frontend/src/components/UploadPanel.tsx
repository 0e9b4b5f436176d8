// Upload many files at once: drag and drop or pick, set label (or a regression target) and
// category, see each file's fate.
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type DragEvent, type FormEvent } from 'react';

import { samplesUploadSamples } from '../client/sdk.gen';
import { apiErrorMessage, errorFieldAmong } from '../lib/apiError';
import { formatBytes, plural } from '../lib/format';
import { ErrorText } from './ErrorText';
import { uploadInBatches, type BatchOutcome } from '../lib/uploadInBatches';
import {
  isUploadAnswer,
  pendingRows,
  rowsForDisplay,
  uploadTotals,
  type FileUploadRow,
} from '../lib/uploadResults';

// Well under the server's defaults (500 files, 512 MiB), so each request answers quickly and the
// per-file list fills in as the upload goes.
const FILES_PER_REQUEST = 25;
const BYTES_PER_REQUEST = 32 * 1024 * 1024;

type UploadCategory = 'auto' | 'training' | 'testing';

export function UploadPanel({ projectId }: { projectId: number }) {
  const queryClient = useQueryClient();
  const inputRef = useRef<HTMLInputElement>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [rows, setRows] = useState<FileUploadRow[]>([]);
  const [label, setLabel] = useState('');
  // A regression target for every file of the upload, stored as their label.
  const [targetValue, setTargetValue] = useState('');
  const [category, setCategory] = useState<UploadCategory>('auto');
  const [allowDuplicates, setAllowDuplicates] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  // An error about the request as a whole, shown beside the Upload button.
  const [requestError, setRequestError] = useState<string | null>(null);

  const chooseFiles = (chosen: FileList | null) => {
    if (!chosen || chosen.length === 0) return;
    const list = Array.from(chosen);
    setFiles(list);
    setRows(pendingRows(list));
    setFieldErrors({});
    setRequestError(null);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (!uploading) chooseFiles(event.dataTransfer.files);
  };

  const sendBatch = async (batch: File[]): Promise<BatchOutcome> => {
    try {
      const { data, error, response } = await samplesUploadSamples({
        path: { project_id: projectId },
        body: {
          files: batch,
          category,
          allow_duplicates: allowDuplicates,
          ...(label.trim() ? { label: label.trim() } : {}),
          ...(targetValue.trim() ? { value: Number(targetValue.trim()) } : {}),
        },
      });
      // 201 and 207 carry the per-file answer, and so do 413 and 422 when files were refused.
      const answer = data ?? (isUploadAnswer(error) ? error : null);
      if (answer) return { kind: 'answer', answer };
      const field = errorFieldAmong(error, ['label', 'value', 'category']);
      const message = apiErrorMessage(error);
      // The status helps with errors about nothing the user can see (a proxy, a missing project).
      return {
        kind: 'refused',
        reason: field ? message : `${message} (HTTP ${response.status})`,
        field,
      };
    } catch (networkError) {
      return { kind: 'refused', reason: apiErrorMessage(networkError), field: null };
    } finally {
      // Show stored samples in the table while the rest is still going up.
      void queryClient.invalidateQueries();
    }
  };

  const upload = async (event: FormEvent) => {
    event.preventDefault();
    if (files.length === 0 || uploading) return;
    setFieldErrors({});
    setRequestError(null);
    if (targetValue.trim() && !Number.isFinite(Number(targetValue.trim()))) {
      setFieldErrors({ value: 'The value must be a number, e.g. 21.5.' });
      return;
    }
    if (targetValue.trim() && label.trim()) {
      setFieldErrors({ value: 'Give a label or a value, not both.' });
      return;
    }
    setUploading(true);
    try {
      const run = await uploadInBatches(files, sendBatch, setRows, {
        maxFiles: FILES_PER_REQUEST,
        maxBytes: BYTES_PER_REQUEST,
      });
      if (run.refusal?.field) setFieldErrors({ [run.refusal.field]: run.refusal.reason });
      else if (run.refusal) setRequestError(run.refusal.reason);
      // After a refusal, the files not stored stay chosen: fix the field and press Upload again.
      setFiles(run.filesToRetry);
    } finally {
      setUploading(false);
      if (inputRef.current) inputRef.current.value = '';
    }
  };

  const totals = uploadTotals(rows);
  const selectedBytes = files.reduce((sum, file) => sum + file.size, 0);

  return (
    <section className="panel" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload data</h2>
      <form onSubmit={upload} noValidate>
        <div
          className={`drop-zone${dragging ? ' drop-zone-active' : ''}`}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={(event) => {
            // Moving over the zone's own children also fires dragleave; only leaving the zone counts.
            if (!event.currentTarget.contains(event.relatedTarget as Node | null))
              setDragging(false);
          }}
          onDrop={onDrop}
        >
          <input
            ref={inputRef}
            id="upload-files"
            className="visually-hidden file-input"
            type="file"
            multiple
            disabled={uploading}
            accept=".wav,.csv,.json,.cbor,.png,.jpg,.jpeg"
            onChange={(event) => chooseFiles(event.target.files)}
          />
          <label htmlFor="upload-files" className="button-like">
            Choose files
          </label>
          <span className="muted">
            or drag them here. WAV, CSV, JSON or CBOR acquisition format, PNG, JPEG.
          </span>
          {files.length > 0 && (
            <span className="drop-zone-selection">
              {plural(files.length, 'file')} selected, {formatBytes(selectedBytes)}
            </span>
          )}
        </div>

        <div className="form-grid">
          <div className="field">
            <label htmlFor="upload-label">Label</label>
            <input
              id="upload-label"
              value={label}
              maxLength={100}
              disabled={uploading}
              placeholder="from each file name"
              onChange={(event) => setLabel(event.target.value)}
              aria-describedby={`upload-label-hint${fieldErrors.label ? ' upload-label-error' : ''}`}
              aria-invalid={fieldErrors.label ? true : undefined}
            />
            <p className="hint" id="upload-label-hint">
              Empty: <code>yes.01.wav</code> gets the label <code>yes</code>.
            </p>
            {fieldErrors.label && (
              <p className="error-text" role="alert" id="upload-label-error">
                {fieldErrors.label}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor="upload-value">Value (regression)</label>
            <input
              id="upload-value"
              value={targetValue}
              inputMode="decimal"
              maxLength={40}
              disabled={uploading}
              placeholder="from each file name"
              onChange={(event) => setTargetValue(event.target.value)}
              aria-describedby={`upload-value-hint${fieldErrors.value ? ' upload-value-error' : ''}`}
              aria-invalid={fieldErrors.value ? true : undefined}
            />
            <p className="hint" id="upload-value-hint">
              A number to learn, e.g. <code>21.5</code>. Empty: <code>1.08.n000.csv</code> gets{' '}
              <code>1.08</code> (a decimal needs a name part after it), or a CSV line{' '}
              <code># value=1.08</code>.
            </p>
            {fieldErrors.value && (
              <p className="error-text" role="alert" id="upload-value-error">
                {fieldErrors.value}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor="upload-category">Category</label>
            <select
              id="upload-category"
              value={category}
              disabled={uploading}
              onChange={(event) => setCategory(event.target.value as UploadCategory)}
              aria-invalid={fieldErrors.category ? true : undefined}
              aria-describedby={fieldErrors.category ? 'upload-category-error' : undefined}
            >
              <option value="auto">Automatic split (80% training, 20% testing)</option>
              <option value="training">Training</option>
              <option value="testing">Testing</option>
            </select>
            {fieldErrors.category && (
              <p className="error-text" role="alert" id="upload-category-error">
                {fieldErrors.category}
              </p>
            )}
          </div>
        </div>
        <div className="upload-actions">
          <div className="field field-check">
            <input
              id="upload-duplicates"
              type="checkbox"
              checked={allowDuplicates}
              disabled={uploading}
              onChange={(event) => setAllowDuplicates(event.target.checked)}
            />
            <label htmlFor="upload-duplicates">
              Allow duplicates (store files already in the project again)
            </label>
          </div>
          <div className="upload-submit">
            <button
              type="submit"
              className="primary"
              disabled={files.length === 0 || uploading}
              aria-describedby={requestError ? 'upload-request-error' : undefined}
            >
              {uploading
                ? 'Uploading…'
                : files.length > 0
                  ? `Upload ${plural(files.length, 'file')}`
                  : 'Upload'}
            </button>
            <ErrorText error={requestError} id="upload-request-error" />
          </div>
        </div>
      </form>

      {rows.length > 0 && <UploadResults rows={rows} uploading={uploading} totals={totals} />}
    </section>
  );
}

function UploadResults({
  rows,
  uploading,
  totals,
}: {
  rows: FileUploadRow[];
  uploading: boolean;
  totals: ReturnType<typeof uploadTotals>;
}) {
  const statusText: Record<FileUploadRow['status'], string> = {
    pending: 'Waiting',
    uploading: 'Uploading',
    accepted: 'Stored',
    rejected: 'Refused',
  };
  return (
    <div className="upload-results">
      <p className="upload-totals" role="status" aria-live="polite">
        {totals.accepted} stored, {totals.rejected} refused
        {totals.waiting > 0 &&
          (uploading ? `, ${totals.waiting} to go` : `, ${totals.waiting} not sent`)}{' '}
        of {plural(totals.total, 'file')}.
      </p>
      <ul className="file-list" aria-label="Files of this upload">
        {rowsForDisplay(rows).map((row) => (
          <li key={row.key} className={`file-row file-${row.status}`}>
            <span className="file-status">{statusText[row.status]}</span>
            <span className="file-name" title={row.filename}>
              {row.filename}
            </span>
            <span className="file-size muted">{formatBytes(row.sizeBytes)}</span>
            <span className="file-message">{row.message}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
