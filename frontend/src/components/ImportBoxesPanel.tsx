// Import images with their bounding boxes (Edge Impulse, COCO, Pascal VOC, YOLO) in one request:
// the server stores all of them or, naming each refused file and box, none.
import { useState, type FormEvent } from 'react';

import { samplesImportAnnotatedSamples } from '../client/sdk.gen';
import { apiErrorMessage } from '../lib/apiError';
import { isUploadAnswer } from '../lib/uploadResults';
import { ErrorText } from './ErrorText';

export function ImportBoxesPanel({
  projectId,
  onImported,
}: {
  projectId: number;
  onImported: () => void;
}) {
  const [files, setFiles] = useState<File[]>([]);
  const [category, setCategory] = useState<'auto' | 'training' | 'testing'>('auto');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [failures, setFailures] = useState<string[]>([]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setStatus('');
    setFailures([]);
    const { data, error } = await samplesImportAnnotatedSamples({
      path: { project_id: projectId },
      body: { files, category },
    });
    setBusy(false);
    if (data) {
      setStatus(data.detail);
      onImported();
      return;
    }
    if (isUploadAnswer(error)) {
      setFailures([error.detail, ...error.rejected.map((rejection) => rejection.error)]);
    } else setFailures([apiErrorMessage(error)]);
  };

  return (
    <section className="panel" aria-labelledby="import-boxes-heading">
      <h2 id="import-boxes-heading">Import images with bounding boxes</h2>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <p className="muted">
          Select the images with one Edge Impulse <code>bounding_boxes.labels</code> or COCO
          <code> .json</code> file, or with Pascal VOC <code>.xml</code> files, or with YOLO{' '}
          <code>.txt</code> files and their <code>classes.txt</code>.
        </p>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="import-boxes-files">Files</label>
            <input
              id="import-boxes-files"
              type="file"
              multiple
              accept=".png,.jpg,.jpeg,.json,.labels,.xml,.txt,.names"
              onChange={(event) => setFiles(Array.from(event.target.files ?? []))}
            />
          </div>
          <div className="field">
            <label htmlFor="import-boxes-category">Category</label>
            <select
              id="import-boxes-category"
              value={category}
              onChange={(event) => setCategory(event.target.value as typeof category)}
            >
              <option value="auto">Automatic (80/20 split)</option>
              <option value="training">Training</option>
              <option value="testing">Testing</option>
            </select>
          </div>
        </div>
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy || files.length === 0}>
            {busy ? 'Importing…' : 'Import'}
          </button>
          <span role="status" className="ok-text">
            {status}
          </span>
        </div>
        {failures.map((failure, i) => (
          <ErrorText key={i} error={failure} />
        ))}
      </form>
    </section>
  );
}
