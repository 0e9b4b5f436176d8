// What a detection block starts from: random weights, a detector of this project, one of another
// project the user can read, or a Keras file uploaded to the project. The API takes the first
// three as `initial_model_id` and the last as `initial_model_file_id`, never both.

export type StartKind = 'none' | 'project' | 'other' | 'upload';

export interface StartChoice {
  kind: StartKind;
  /** The model id (project, other) or the uploaded file's id (upload); '' for none. */
  id: string;
}

export interface StartingDetectorLike {
  model_id: number;
  project_id: number;
  project_name: string;
  block_name: string;
}

export const START_KINDS: readonly { kind: StartKind; label: string }[] = [
  { kind: 'none', label: 'Random weights' },
  { kind: 'project', label: "This project's detectors" },
  { kind: 'other', label: 'Models of other projects you can read' },
  { kind: 'upload', label: 'An uploaded Keras file' },
];

/** The detectors split into this project's and other projects'. */
export function splitDetectors<T extends StartingDetectorLike>(
  detectors: readonly T[],
  projectId: number,
): { own: T[]; others: T[] } {
  return {
    own: detectors.filter((d) => d.project_id === projectId),
    others: detectors.filter((d) => d.project_id !== projectId),
  };
}

/** The choice a stored block holds; a model not listed counts as another project's. */
export function storedChoice(
  block: { initial_model_id?: number | null; initial_model_file_id?: number | null },
  detectors: readonly StartingDetectorLike[],
  projectId: number,
): StartChoice {
  if (block.initial_model_file_id != null) {
    return { kind: 'upload', id: String(block.initial_model_file_id) };
  }
  if (block.initial_model_id != null) {
    const listed = detectors.find((d) => d.model_id === block.initial_model_id);
    const own = listed ? listed.project_id === projectId : false;
    return { kind: own ? 'project' : 'other', id: String(block.initial_model_id) };
  }
  return { kind: 'none', id: '' };
}

/** The block's fields for a choice; a kind with nothing picked yet starts from nothing. */
export function blockStartFields(choice: StartChoice): {
  initial_model_id: number | null;
  initial_model_file_id: number | null;
} {
  const id = choice.id.trim() === '' ? null : Number(choice.id);
  if (choice.kind === 'upload') return { initial_model_id: null, initial_model_file_id: id };
  if (choice.kind === 'none') return { initial_model_id: null, initial_model_file_id: null };
  return { initial_model_id: id, initial_model_file_id: null };
}

/** Whether a block with this choice starts from a model (frozen layers then apply). */
export function startsFromModel(choice: StartChoice): boolean {
  const fields = blockStartFields(choice);
  return fields.initial_model_id !== null || fields.initial_model_file_id !== null;
}

/** The title of a detector in the list. */
export function detectorTitle(detector: StartingDetectorLike, projectId: number): string {
  const block = detector.block_name || 'detection block';
  return detector.project_id === projectId
    ? `model #${detector.model_id} (${block})`
    : `model #${detector.model_id} of ${detector.project_name} (${block})`;
}

/** Accept only what the server accepts, so that a wrong file is named before it is sent. */
export function uploadProblem(
  file: { name: string; size: number },
  maxBytes: number,
): string | null {
  if (!/\.(keras|h5)$/i.test(file.name)) return `${file.name} is not a .keras or .h5 file`;
  if (file.size > maxBytes) return `${file.name} is larger than ${maxBytes} bytes`;
  return null;
}
