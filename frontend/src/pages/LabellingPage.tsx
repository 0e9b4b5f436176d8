// Bounding-box labelling: one image at a time, unlabelled first; boxes drawn, moved, resized and
// deleted with the mouse, a finger (pointer events) or the keyboard, saved through the API when
// moving to another image. The editing rules live in lib/boxEditing and lib/labellingEditor.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';

import {
  projectsReadProjectOptions,
  samplesReadImagesForLabellingOptions,
} from '../client/@tanstack/react-query.gen';
import { client } from '../client/client.gen';
import { samplesUpdateBoundingBoxes } from '../client/sdk.gen';
import type { SamplePublic } from '../client/types.gen';
import { ErrorText } from '../components/ErrorText';
import { ImportBoxesPanel } from '../components/ImportBoxesPanel';
import { apiErrorMessage } from '../lib/apiError';
import {
  boxFromDrag,
  grabAt,
  knownLabels,
  moveBox,
  resizeBox,
  toImagePoint,
  type Box,
  type Handle,
  type ImageSize,
  type Point,
} from '../lib/boxEditing';
import {
  editorReducer,
  initialEditor,
  isDirty,
  keyCommand,
  type EditorState,
} from '../lib/labellingEditor';
import { projectPermissions } from '../lib/permissions';
import { parseProjectId } from '../lib/projectId';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { NotFoundPage } from './NotFoundPage';

// The page lists at most this many images (the API's page limit); see the report.
const IMAGES_PER_PAGE = 1000;
const HANDLE_SCREEN_PIXELS = 8;

export function LabellingPage() {
  const projectId = parseProjectId(useParams().projectId);
  if (projectId === null) return <NotFoundPage />;
  return <Labelling projectId={projectId} />;
}

function rememberedLabelKey(projectId: number): string {
  return `mcuforge.labelling.${projectId}.label`;
}

function imageSize(sample: SamplePublic): ImageSize {
  return { width: sample.shape[1] ?? 1, height: sample.shape[0] ?? 1 };
}

function Labelling({ projectId }: { projectId: number }) {
  const project = useQuery(projectsReadProjectOptions({ path: { project_id: projectId } }));
  useDocumentTitle('Labelling', project.data?.name);
  const canWrite = projectPermissions(project.data?.role).canWrite;
  // The order is taken once (unlabelled first): saving must not reshuffle the queue under the user.
  const images = useQuery({
    ...samplesReadImagesForLabellingOptions({
      path: { project_id: projectId },
      query: { limit: IMAGES_PER_PAGE },
    }),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const queryClient = useQueryClient();
  const [index, setIndex] = useState(0);
  // Boxes saved during this visit, by sample id (the list itself is not refetched).
  const [savedById, setSavedById] = useState<Record<number, Box[]>>({});
  const [editor, dispatch] = useReducer(editorReducer, undefined, () =>
    initialEditor(localStorage.getItem(rememberedLabelKey(projectId)) ?? ''),
  );
  const [status, setStatus] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const list = images.data?.data ?? [];
  const sample = list[index];
  const boxesOf = useCallback(
    (s: SamplePublic | undefined): Box[] => (s ? (savedById[s.id] ?? s.bounding_boxes ?? []) : []),
    [savedById],
  );

  useEffect(() => {
    dispatch({ type: 'load', boxes: boxesOf(sample) });
    // Only a new image reloads the editor, not a save of this one.
  }, [sample?.id]);

  useEffect(() => {
    if (editor.label) localStorage.setItem(rememberedLabelKey(projectId), editor.label);
  }, [editor.label, projectId]);

  const labels = useMemo(
    () => knownLabels([...list.map(boxesOf), editor.boxes], editor.label || undefined),
    [list, boxesOf, editor.boxes, editor.label],
  );

  const save = useCallback(async (): Promise<boolean> => {
    if (!sample || !isDirty(editor)) return true;
    setSaving(true);
    setFailure(null);
    const { data, error } = await samplesUpdateBoundingBoxes({
      path: { project_id: projectId, sample_id: sample.id },
      body: { bounding_boxes: editor.boxes },
    });
    setSaving(false);
    if (!data) {
      setFailure(`The boxes of ${sample.filename} were not saved: ${apiErrorMessage(error)}`);
      return false;
    }
    const stored = data.bounding_boxes ?? [];
    setSavedById((saved) => ({ ...saved, [sample.id]: stored }));
    dispatch({ type: 'saved', boxes: stored });
    setStatus(
      `Saved ${stored.length} box${stored.length === 1 ? '' : 'es'} on ${sample.filename}.`,
    );
    // Listings elsewhere change label and boxes; this page's own queue keeps its order.
    void queryClient.invalidateQueries({
      predicate: (query) =>
        (query.queryKey[0] as { _id?: string } | undefined)?._id !==
        'samplesReadImagesForLabelling',
    });
    return true;
  }, [sample, editor, projectId, queryClient]);

  const go = useCallback(
    async (step: number) => {
      const target = index + step;
      if (target < 0 || target >= list.length) return;
      if (canWrite && !(await save())) return;
      setIndex(target);
    },
    [index, list.length, canWrite, save],
  );

  const copyPrevious = useCallback(() => {
    if (!sample || index === 0) return;
    dispatch({ type: 'copy', previous: boxesOf(list[index - 1]), size: imageSize(sample) });
  }, [sample, index, list, boxesOf]);

  useEffect(() => {
    if (!sample) return;
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target && ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName)) return;
      const command = keyCommand(event, editor, labels, imageSize(sample));
      if (!command) return;
      if (!canWrite && !['next', 'previous'].includes(command.type)) return;
      event.preventDefault();
      if (command.type === 'next') void go(1);
      else if (command.type === 'previous') void go(-1);
      else if (command.type === 'copy') copyPrevious();
      else if (command.type === 'save') void save();
      else dispatch(command);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [sample, editor, labels, canWrite, go, copyPrevious, save]);

  if (project.isError || images.isError) {
    return (
      <section>
        <h1>Labelling</h1>
        <ErrorText error={project.error ?? images.error} />
      </section>
    );
  }
  const unlabelled = list.filter((s) => boxesOf(s).length === 0).length;
  return (
    <>
      <header className="page-header">
        <p>
          <Link to={`/projects/${projectId}/data`}>← Data acquisition</Link>
        </p>
        <h1>Labelling</h1>
        <p className="muted">
          {images.isPending
            ? 'Loading images…'
            : `${list.length} image${list.length === 1 ? '' : 's'}, ${unlabelled} without boxes`}
          {' · '}
          <a href={`/api/projects/${projectId}/samples/export/coco`} download>
            Export labelled images (COCO zip)
          </a>
        </p>
      </header>
      {images.isSuccess && list.length === 0 && (
        <p className="panel">
          This project has no images yet: import them below, or upload or photograph some in Data
          acquisition.
        </p>
      )}
      {sample && (
        <section className="panel labelling" aria-labelledby="labelling-image">
          <div className="button-row">
            <button type="button" onClick={() => void go(-1)} disabled={index === 0 || saving}>
              ← Previous
            </button>
            <h2 id="labelling-image">
              {sample.filename}{' '}
              <span className="muted">
                ({index + 1} of {list.length})
              </span>
            </h2>
            <button
              type="button"
              onClick={() => void go(1)}
              disabled={index === list.length - 1 || saving}
            >
              Next →
            </button>
          </div>
          {canWrite && (
            <div className="form-grid">
              <div className="field">
                <label htmlFor="box-label">Label</label>
                <input
                  id="box-label"
                  value={editor.label}
                  maxLength={100}
                  list="box-labels"
                  onChange={(event) => dispatch({ type: 'label', label: event.target.value })}
                />
                <datalist id="box-labels">
                  {labels.map((label) => (
                    <option key={label} value={label} />
                  ))}
                </datalist>
              </div>
              <div className="button-row">
                <button type="button" onClick={copyPrevious} disabled={index === 0}>
                  Copy boxes from previous image
                </button>
                <button
                  type="button"
                  onClick={() => dispatch({ type: 'delete' })}
                  disabled={editor.selected === null}
                >
                  Delete box
                </button>
                <button
                  type="button"
                  className="primary"
                  onClick={() => void save()}
                  disabled={!isDirty(editor) || saving}
                >
                  {saving ? 'Saving…' : 'Save'}
                </button>
              </div>
            </div>
          )}
          <BoxCanvas
            projectId={projectId}
            sample={sample}
            editor={editor}
            dispatch={dispatch}
            readOnly={!canWrite}
          />
          <ol className="box-list" aria-label="Boxes">
            {editor.boxes.map((box, i) => (
              <li key={i}>
                <button
                  type="button"
                  aria-pressed={editor.selected === i}
                  onClick={() => dispatch({ type: 'select', index: i })}
                >
                  {box.label} — x {box.x}, y {box.y}, {box.width} × {box.height}
                </button>
              </li>
            ))}
          </ol>
          {canWrite && (
            <p className="muted">
              Drag on the image to draw a box; drag a box to move it, its corners to resize it.
              Keys: N / P next and previous image, 1–{Math.min(labels.length, 9) || 9} label
              shortcuts (
              {labels
                .slice(0, 9)
                .map((label, i) => `${i + 1} ${label}`)
                .join(', ')}
              ), Delete removes the selected box, arrows move it (Shift ×10, Alt resizes), C copies
              the previous image&apos;s boxes, Ctrl+S saves.
            </p>
          )}
          <p role="status" className="ok-text">
            {isDirty(editor) ? 'Unsaved changes (saved when you move to another image).' : status}
          </p>
          <ErrorText error={failure} />
        </section>
      )}
      {canWrite && (
        <ImportBoxesPanel
          projectId={projectId}
          onImported={() => {
            setIndex(0);
            void images.refetch();
          }}
        />
      )}
    </>
  );
}

type Drag =
  | { kind: 'draw'; start: Point; current: Point }
  | { kind: 'move'; index: number; start: Point; original: Box }
  | { kind: 'resize'; index: number; handle: Handle; original: Box };

interface BoxCanvasProps {
  projectId: number;
  sample: SamplePublic;
  editor: EditorState;
  dispatch: (action: Parameters<typeof editorReducer>[1]) => void;
  readOnly: boolean;
}

/** The image with its boxes drawn over it in an SVG whose units are the image's pixels. */
export function BoxCanvas({ projectId, sample, editor, dispatch, readOnly }: BoxCanvasProps) {
  const size = imageSize(sample);
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<Drag | null>(null);

  const pointAt = (event: React.PointerEvent): Point => {
    const rect = svg.current!.getBoundingClientRect();
    return toImagePoint({ x: event.clientX, y: event.clientY }, rect, size);
  };
  const handleRadius = (): number => {
    const rect = svg.current!.getBoundingClientRect();
    return (HANDLE_SCREEN_PIXELS * size.width) / Math.max(rect.width, 1);
  };

  const onPointerDown = (event: React.PointerEvent<SVGSVGElement>) => {
    if (readOnly || event.button > 0) return;
    event.preventDefault();
    svg.current!.setPointerCapture(event.pointerId);
    const point = pointAt(event);
    const grab = grabAt(editor.boxes, point, handleRadius());
    if (grab === null) {
      dispatch({ type: 'select', index: null });
      setDrag({ kind: 'draw', start: point, current: point });
      return;
    }
    dispatch({ type: 'select', index: grab.index });
    const original = editor.boxes[grab.index]!;
    setDrag(
      grab.part === 'move'
        ? { kind: 'move', index: grab.index, start: point, original }
        : { kind: 'resize', index: grab.index, handle: grab.part, original },
    );
  };
  const onPointerMove = (event: React.PointerEvent<SVGSVGElement>) => {
    if (!drag) return;
    const point = pointAt(event);
    if (drag.kind === 'draw') setDrag({ ...drag, current: point });
    else if (drag.kind === 'move') {
      const box = moveBox(drag.original, point.x - drag.start.x, point.y - drag.start.y, size);
      dispatch({ type: 'change', index: drag.index, box });
    } else {
      dispatch({
        type: 'change',
        index: drag.index,
        box: resizeBox(drag.original, drag.handle, point, size),
      });
    }
  };
  const onPointerUp = (event: React.PointerEvent<SVGSVGElement>) => {
    if (drag?.kind === 'draw') {
      const box = boxFromDrag(drag.start, pointAt(event), editor.label.trim() || 'object', size);
      if (box) dispatch({ type: 'add', box });
    }
    setDrag(null);
  };

  const drawing =
    drag?.kind === 'draw' ? boxFromDrag(drag.start, drag.current, editor.label, size) : null;
  // Strokes and handles keep a constant size on screen whatever the image's resolution.
  const stroke = Math.max(size.width, size.height) / 250;
  const imageUrl = client.buildUrl({
    url: '/api/projects/{project_id}/samples/{sample_id}/image',
    path: { project_id: projectId, sample_id: sample.id },
  });
  return (
    <div className="box-canvas">
      <img src={imageUrl} alt={sample.filename} draggable={false} />
      <svg
        ref={svg}
        data-testid="box-canvas"
        viewBox={`0 0 ${size.width} ${size.height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${editor.boxes.length} boxes on ${sample.filename}`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => setDrag(null)}
      >
        {editor.boxes.map((box, i) => (
          <g key={i} className={editor.selected === i ? 'box selected' : 'box'}>
            <rect x={box.x} y={box.y} width={box.width} height={box.height} strokeWidth={stroke} />
            <text x={box.x + stroke} y={Math.max(box.y - stroke, stroke * 6)} fontSize={stroke * 6}>
              {box.label}
            </text>
            {editor.selected === i &&
              [
                [box.x, box.y],
                [box.x + box.width, box.y],
                [box.x, box.y + box.height],
                [box.x + box.width, box.y + box.height],
              ].map(([cx, cy], corner) => (
                <circle key={corner} cx={cx} cy={cy} r={stroke * 2.5} className="handle" />
              ))}
          </g>
        ))}
        {drawing && (
          <rect
            className="box drawing"
            x={drawing.x}
            y={drawing.y}
            width={drawing.width}
            height={drawing.height}
            strokeWidth={stroke}
          />
        )}
      </svg>
    </div>
  );
}
