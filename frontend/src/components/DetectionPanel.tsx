// The FOMO settings of an object-detection block (backbone width, head filters, weight of object
// cells), saved with the impulse like the network of a classifier.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';

import {
  impulsesReplaceImpulseMutation,
  modelsReadInitialModelsOptions,
  modelsReadStartingDetectorsOptions,
} from '../client/@tanstack/react-query.gen';
import { modelsUploadInitialModel } from '../client/sdk.gen';
import type { ImpulsePublic, LearningBlockPublic } from '../client/types.gen';
import { apiErrorMessage } from '../lib/apiError';
import {
  blockStartFields,
  detectorTitle,
  splitDetectors,
  START_KINDS,
  startsFromModel,
  storedChoice,
  uploadProblem,
  type StartChoice,
} from '../lib/detectorStart';
import { impulseWithLearningBlocks, replaceLearningBlock } from '../lib/learningBlocks';
import { ErrorText } from './ErrorText';

interface DetectionPanelProps {
  impulse: ImpulsePublic;
  block: LearningBlockPublic;
  canWrite: boolean;
}

const FIELDS = [
  { name: 'width', label: 'Backbone width multiplier', step: '0.05' },
  { name: 'head_filters', label: 'Head filters (1×1)', step: '1' },
  { name: 'object_weight', label: 'Weight of object cells', step: '1' },
] as const;

type FieldName = (typeof FIELDS)[number]['name'];

// The server's default limit (MCUFORGE_MAX_INITIAL_MODEL_BYTES); it refuses larger files itself.
const MAX_KERAS_BYTES = 64 * 1024 * 1024;

export function DetectionPanel({ impulse, block, canWrite }: DetectionPanelProps) {
  const stored = (block.detection ?? {}) as Partial<Record<FieldName, number>>;
  const [values, setValues] = useState<Record<FieldName, string>>({
    width: String(stored.width ?? 0.35),
    head_filters: String(stored.head_filters ?? 32),
    object_weight: String(stored.object_weight ?? 100),
  });
  const storedInitial = (block.detection as { initial_model?: { frozen_layers?: number } } | null)
    ?.initial_model;
  const projectId = impulse.project_id;
  // Transfer learning: a detector of this project or of another the user can read, or a Keras
  // file uploaded to the project, and how many of its backbone layers stay frozen.
  const detectors = useQuery({
    ...modelsReadStartingDetectorsOptions({ path: { project_id: projectId } }),
    retry: false,
  });
  const uploads = useQuery({
    ...modelsReadInitialModelsOptions({ path: { project_id: projectId } }),
    retry: false,
  });
  const listed = detectors.data?.data ?? [];
  const { own, others } = splitDetectors(listed, projectId);
  const [picked, setPicked] = useState<StartChoice | null>(null);
  const choice = picked ?? storedChoice(block, listed, projectId);
  const [frozen, setFrozen] = useState(String(storedInitial?.frozen_layers ?? 0));
  const replace = useMutation(impulsesReplaceImpulseMutation());
  const [uploadError, setUploadError] = useState('');
  const [uploading, setUploading] = useState(false);
  const upload = async (file: File | undefined) => {
    if (!file) return;
    const problem = uploadProblem(file, MAX_KERAS_BYTES);
    setUploadError(problem ?? '');
    if (problem) return;
    setUploading(true);
    const { data, error } = await modelsUploadInitialModel({
      path: { project_id: projectId },
      body: { file },
    });
    setUploading(false);
    if (error || !data) {
      setUploadError(apiErrorMessage(error));
      return;
    }
    await uploads.refetch();
    setPicked({ kind: 'upload', id: String(data.id) });
  };
  const options =
    choice.kind === 'project'
      ? own.map((d) => ({ id: String(d.model_id), title: detectorTitle(d, projectId) }))
      : choice.kind === 'other'
        ? others.map((d) => ({ id: String(d.model_id), title: detectorTitle(d, projectId) }))
        : choice.kind === 'upload'
          ? (uploads.data?.data ?? []).map((f) => ({
              id: String(f.id),
              title: `${f.file_name} (${Math.round(f.size_bytes / 1024)} KiB)`,
            }))
          : [];
  const fromModel = startsFromModel(choice);
  const save = () =>
    replace.mutate({
      path: { project_id: projectId, impulse_id: impulse.id },
      body: impulseWithLearningBlocks(
        impulse,
        replaceLearningBlock(impulse.learning_blocks, {
          ...block,
          detection: {
            width: Number(values.width),
            head_filters: Number(values.head_filters),
            object_weight: Number(values.object_weight),
            initial_model: fromModel ? { frozen_layers: Number(frozen) } : null,
          } as LearningBlockPublic['detection'],
          ...blockStartFields(choice),
        }),
      ),
    });
  return (
    <section className="panel" aria-labelledby="detection-heading">
      <h2 id="detection-heading">Object detection (FOMO)</h2>
      <p className="hint">
        A MobileNet-style backbone cut at 1/8 of the image and a 1×1 head classify each 8×8-pixel
        cell as background or an object label; the objects are the groups of cells of a label, and
        their centroids are where the objects are. It learns from the images&apos; bounding boxes:
        the cell holding each box&apos;s centre is that box&apos;s label.
      </p>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <div className="form-grid">
          {FIELDS.map((field) => (
            <div className="field" key={field.name}>
              <label htmlFor={`detection-${field.name}`}>{field.label}</label>
              <input
                id={`detection-${field.name}`}
                type="number"
                step={field.step}
                value={values[field.name]}
                disabled={!canWrite}
                onChange={(event) => setValues({ ...values, [field.name]: event.target.value })}
              />
            </div>
          ))}
          <div className="field">
            <label htmlFor="detection-start-kind">Start from</label>
            <select
              id="detection-start-kind"
              value={choice.kind}
              disabled={!canWrite}
              onChange={(event) =>
                setPicked({ kind: event.target.value as StartChoice['kind'], id: '' })
              }
            >
              {START_KINDS.map((start) => (
                <option key={start.kind} value={start.kind}>
                  {start.label}
                </option>
              ))}
            </select>
          </div>
          {choice.kind !== 'none' && (
            <div className="field">
              <label htmlFor="detection-initial-model">
                {choice.kind === 'upload' ? 'Keras file' : 'Model'}
              </label>
              <select
                id="detection-initial-model"
                value={choice.id}
                disabled={!canWrite}
                onChange={(event) => setPicked({ kind: choice.kind, id: event.target.value })}
              >
                <option value="">Choose…</option>
                {options.map((option) => (
                  <option key={option.id} value={option.id}>
                    {option.title}
                  </option>
                ))}
                {choice.id !== '' && !options.some((option) => option.id === choice.id) && (
                  <option value={choice.id}>
                    {choice.kind === 'upload' ? 'file' : 'model'} #{choice.id}
                  </option>
                )}
              </select>
            </div>
          )}
          {choice.kind === 'upload' && canWrite && (
            <div className="field">
              <label htmlFor="detection-upload">Upload a .keras or .h5 file</label>
              <input
                id="detection-upload"
                type="file"
                accept=".keras,.h5"
                disabled={uploading}
                onChange={(event) => void upload(event.target.files?.[0])}
              />
              {uploadError && (
                <p className="error-text" role="alert">
                  {uploadError}
                </p>
              )}
            </div>
          )}
          <div className="field">
            <label htmlFor="detection-frozen">Frozen layers of that model</label>
            <input
              id="detection-frozen"
              type="number"
              min={0}
              step={1}
              value={frozen}
              disabled={!canWrite || !fromModel}
              onChange={(event) => setFrozen(event.target.value)}
            />
          </div>
        </div>
        {canWrite && (
          <button type="submit" disabled={replace.isPending}>
            Save
          </button>
        )}
        <ErrorText error={replace.error} />
      </form>
    </section>
  );
}
