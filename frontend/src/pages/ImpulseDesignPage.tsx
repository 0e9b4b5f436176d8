// Impulse design, "Create impulse": input block -> DSP blocks -> learning blocks, saved as one impulse.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';

import {
  dspReadDspBlocksOptions,
  impulsesCreateImpulseMutation,
  impulsesReadImpulsesOptions,
  impulsesReplaceImpulseMutation,
  samplesReadSamplesSummaryOptions,
} from '../client/@tanstack/react-query.gen';
import type { DspBlockPublic, ImpulsePublic } from '../client/types.gen';
import { ErrorText } from '../components/ErrorText';
import { placeFieldErrors } from '../lib/fieldErrors';
import {
  axisChoices,
  DATA_KIND_WORDS,
  defaultBlockType,
  draftFromImpulse,
  draftToRequest,
  editableParams,
  nextDspBlockId,
  recommendedBlockTypes,
  setBlockParam,
  toggleAxis,
  type DspBlockDraft,
  type ImpulseDraft,
  type InputBlockDraft,
  type ProjectData,
} from '../lib/impulseDraft';
import { schemaToFields, type FormField } from '../lib/schemaFields';
import { parseProjectId } from '../lib/projectId';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useProjectPermissions } from '../lib/useProjectPermissions';
import { ReadOnlyNote } from '../components/ReadOnlyNote';
import { NotFoundPage } from './NotFoundPage';

export function ImpulseDesignPage() {
  const projectId = parseProjectId(useParams().projectId);
  if (projectId === null) return <NotFoundPage />;
  return <ImpulseDesign projectId={projectId} />;
}

function ImpulseDesign({ projectId }: { projectId: number }) {
  useDocumentTitle('Create impulse');
  const impulses = useQuery(impulsesReadImpulsesOptions({ path: { project_id: projectId } }));
  const catalogue = useQuery(dspReadDspBlocksOptions());
  const summary = useQuery(samplesReadSamplesSummaryOptions({ path: { project_id: projectId } }));
  const error = impulses.error ?? catalogue.error ?? summary.error;
  return (
    <>
      <header className="page-header">
        <h1>Create impulse</h1>
        <p className="muted">
          An impulse cuts each sample into windows, turns each window into features with DSP blocks,
          and learns from the features.
        </p>
      </header>
      <ErrorText error={error} />
      {impulses.data && catalogue.data && summary.data && (
        <ImpulseForm
          projectId={projectId}
          impulse={impulses.data.data[0]}
          blockTypes={catalogue.data.data}
          data={{ axes: summary.data.axes ?? [], kind: summary.data.data_kind ?? 'none' }}
        />
      )}
    </>
  );
}

const INPUT_FIELDS: ReadonlyArray<[keyof InputBlockDraft, string, string, string]> = [
  ['windowSizeMs', 'window_size_ms', 'Window size (ms)', ''],
  ['windowIncreaseMs', 'window_increase_ms', 'Window increase (ms)', 'Step between window starts.'],
  ['frequencyHz', 'frequency_hz', 'Frequency (Hz)', "Empty keeps the data's rate."],
];

function ImpulseForm({
  projectId,
  impulse,
  blockTypes,
  data,
}: {
  projectId: number;
  impulse: ImpulsePublic | undefined;
  blockTypes: DspBlockPublic[];
  data: ProjectData;
}) {
  const [draft, setDraft] = useState<ImpulseDraft>(() => draftFromImpulse(impulse, data));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [newType, setNewType] = useState(() => defaultBlockType(blockTypes, data.kind));
  const { recommended, others } = recommendedBlockTypes(blockTypes, data.kind);
  const axes = axisChoices(data.axes, draft.input.axes);
  const fieldsByType = useMemo(
    () => new Map(blockTypes.map((type) => [type.name, schemaToFields(type.parameters)])),
    [blockTypes],
  );
  const create = useMutation(impulsesCreateImpulseMutation());
  const replace = useMutation(impulsesReplaceImpulseMutation());
  const save = impulse ? replace : create;
  const { canWrite } = useProjectPermissions(projectId);
  const [saved, setSaved] = useState(false);
  // A stored impulse (after a save, or another tab's) replaces the form; a refused save does not.
  useEffect(() => {
    if (impulse) setDraft(draftFromImpulse(impulse));
  }, [impulse]);

  const blockPaths = draft.dspBlocks.flatMap((block, index) => [
    `dsp_blocks.${index}`,
    ...(fieldsByType.get(block.type) ?? []).map(
      (field) => `dsp_blocks.${index}.params.${field.name}`,
    ),
  ]);
  const inputPaths = [...INPUT_FIELDS.map(([, path]) => `input_block.${path}`), 'input_block.axes'];
  const placed = placeFieldErrors(save.error, [...inputPaths, 'input_block', ...blockPaths]);
  const fieldError = (path: string) => localErrors[path] ?? placed.byField[path];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const request = draftToRequest(draft, data.axes);
    setLocalErrors(request.errors ?? {});
    if (!request.body) return;
    const onSuccess = () => setSaved(true);
    if (impulse) {
      replace.mutate(
        { path: { project_id: projectId, impulse_id: impulse.id }, body: request.body },
        { onSuccess },
      );
    } else {
      create.mutate({ path: { project_id: projectId }, body: request.body }, { onSuccess });
    }
  };

  const setInput = (key: keyof InputBlockDraft, value: string | boolean) =>
    setDraft({ ...draft, input: { ...draft.input, [key]: value } });

  const addBlock = () => {
    const type = blockTypes.find((block) => block.name === newType);
    if (!type) return;
    const block = {
      id: nextDspBlockId(draft.dspBlocks),
      type: type.name,
      name: type.title,
      params: {},
    };
    setDraft({ ...draft, dspBlocks: [...draft.dspBlocks, block] });
  };

  return (
    <form onSubmit={submit} noValidate>
      <div className="chain" aria-label="Impulse chain">
        <section className="panel chain-block" aria-labelledby="input-heading">
          <h2 id="input-heading">
            {draft.input.type === 'image' ? 'Image data' : 'Time-series data'}
          </h2>
          <AxesField
            choices={axes}
            ticked={draft.input.axes}
            onChange={(next) => {
              setDraft({ ...draft, input: { ...draft.input, axes: next } });
              // The refusal was about the ticked axes; a change answers it.
              setLocalErrors(({ ['input_block.axes']: _answered, ...rest }) => rest);
            }}
            error={fieldError('input_block.axes')}
          />
          {draft.input.type === 'time-series' &&
            INPUT_FIELDS.map(([key, path, label, hint]) => {
              const id = `input-${path}`;
              const message = fieldError(`input_block.${path}`);
              return (
                <div className="field" key={key}>
                  <label htmlFor={id}>{label}</label>
                  <input
                    id={id}
                    inputMode="decimal"
                    value={draft.input[key] as string}
                    onChange={(event) => setInput(key, event.target.value)}
                    aria-invalid={message ? true : undefined}
                    aria-describedby={`${id}-hint ${id}-error`}
                  />
                  {hint && (
                    <p className="hint" id={`${id}-hint`}>
                      {hint}
                    </p>
                  )}
                  <ErrorText error={message} id={`${id}-error`} />
                </div>
              );
            })}
          {draft.input.type === 'time-series' && (
            <div className="field-check">
              <input
                id="input-zero-pad"
                type="checkbox"
                checked={draft.input.zeroPad}
                onChange={(event) => setInput('zeroPad', event.target.checked)}
              />
              <label htmlFor="input-zero-pad">Zero-pad short samples and the last window</label>
            </div>
          )}
          <ErrorText error={placed.byField.input_block} />
        </section>

        <span className="chain-arrow" aria-hidden="true">
          →
        </span>

        <section className="panel chain-block" aria-labelledby="dsp-heading">
          <h2 id="dsp-heading">Processing blocks</h2>
          {draft.dspBlocks.length === 0 && <p className="muted">No DSP block yet.</p>}
          <ul className="block-list">
            {draft.dspBlocks.map((block, index) => {
              const stored = impulse?.dsp_blocks.some(
                (s) => s.id === block.id && s.type === block.type,
              );
              return (
                <li key={block.id} className="block-card">
                  <div className="block-card-title">
                    <strong>{block.name || block.type}</strong>{' '}
                    <span className="tag">{block.type}</span>
                  </div>
                  <div className="button-row">
                    {stored && (
                      <Link to={`/projects/${projectId}/impulse/dsp/${block.id}`}>Parameters</Link>
                    )}
                    <button
                      type="button"
                      className="small danger-quiet"
                      aria-label={`Remove ${block.name || block.type}`}
                      onClick={() =>
                        setDraft({
                          ...draft,
                          dspBlocks: draft.dspBlocks.filter((b) => b.id !== block.id),
                        })
                      }
                    >
                      Remove
                    </button>
                  </div>
                  <ErrorText error={placed.byField[`dsp_blocks.${index}`]} />
                  <DraftParams
                    block={block}
                    stored={stored === true}
                    fields={fieldsByType.get(block.type) ?? []}
                    errorFor={(name) => fieldError(`dsp_blocks.${index}.params.${name}`)}
                    onChange={(name, text) => setDraft(setBlockParam(draft, block.id, name, text))}
                  />
                </li>
              );
            })}
          </ul>
          <div className="field inline">
            <label htmlFor="new-dsp-type">Add a processing block</label>
            <select
              id="new-dsp-type"
              value={newType}
              onChange={(event) => setNewType(event.target.value)}
            >
              {recommended.length > 0 && (
                <optgroup label={`Recommended for ${DATA_KIND_WORDS[data.kind]}`}>
                  {recommended.map((block) => (
                    <option key={block.name} value={block.name}>
                      {block.title}
                    </option>
                  ))}
                </optgroup>
              )}
              <optgroup label={recommended.length > 0 ? 'Other blocks' : 'Blocks'}>
                {others.map((block) => (
                  <option key={block.name} value={block.name}>
                    {block.title}
                  </option>
                ))}
              </optgroup>
            </select>
            <button type="button" onClick={addBlock}>
              Add
            </button>
          </div>
          <p className="hint">
            {recommended.length > 0 &&
              `Recommended for ${DATA_KIND_WORDS[data.kind]}: ${recommended.map((block) => block.title).join(', ')}. `}
            {blockTypes.find((block) => block.name === newType)?.description}
          </p>
          {draft.dspBlocks.some((block) => !impulse?.dsp_blocks.some((s) => s.id === block.id)) && (
            <p className="hint">
              A new block&apos;s parameters are fitted to the window when the impulse is saved; tune
              them afterwards on its parameters page.
            </p>
          )}
        </section>

        <span className="chain-arrow" aria-hidden="true">
          →
        </span>

        <section className="panel chain-block" aria-labelledby="learning-heading">
          <h2 id="learning-heading">Learning blocks</h2>
          {draft.learningBlocks.length === 0 ? (
            <p className="muted">None stored. Learning blocks are chosen with training.</p>
          ) : (
            <ul className="block-list">
              {draft.learningBlocks.map((block, index) => (
                <li key={index} className="block-card">
                  <strong>{learningBlockWords(block.type)}</strong>
                  <span className="muted">
                    {' '}
                    from{' '}
                    {(block.dsp_blocks ?? [])
                      .map(
                        (id) => draft.dspBlocks.find((dsp) => dsp.id === id)?.name || `block ${id}`,
                      )
                      .join(', ') || 'every processing block'}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <div className="button-row">
        {canWrite ? (
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save impulse'}
          </button>
        ) : (
          <ReadOnlyNote />
        )}
        {saved && !save.isPending && (
          <span className="ok-text" role="status">
            Impulse saved.
          </span>
        )}
      </div>
      {placed.unplaced.map((message) => (
        <ErrorText key={message} error={message} />
      ))}
      {save.error != null && !Array.isArray((save.error as { detail?: unknown }).detail) && (
        <ErrorText error={save.error} />
      )}
    </form>
  );
}

function learningBlockWords(type: string | undefined): string {
  if (type === 'anomaly') return 'Anomaly detection';
  if (type === 'regression') return 'Regression';
  return 'Classification';
}

/** The impulse's axes as checkboxes, one per axis of the data. */
function AxesField({
  choices,
  ticked,
  onChange,
  error,
}: {
  choices: ReadonlyArray<string>;
  ticked: ReadonlyArray<string>;
  onChange: (axes: string[]) => void;
  error: string | undefined;
}) {
  if (choices.length === 0) {
    return (
      <div className="field">
        <p className="hint">
          Axes: every axis of the data. The axes to choose from appear once the project has samples.
        </p>
        <ErrorText error={error} id="input-axes-error" />
      </div>
    );
  }
  return (
    <fieldset className="field axes-field" aria-describedby="input-axes-error">
      <legend>Axes</legend>
      <div className="axes-choices">
        {choices.map((axis) => (
          <label key={axis} className="field-check axis-choice">
            <input
              type="checkbox"
              checked={ticked.includes(axis)}
              onChange={(event) =>
                onChange(toggleAxis(choices, ticked, axis, event.target.checked))
              }
            />
            {axis}
          </label>
        ))}
      </div>
      <ErrorText error={error} id="input-axes-error" />
    </fieldset>
  );
}

/**
 * The parameters of a block in the draft that the user has set or that a refused save named:
 * editable here, so a refused save is never a dead end before the block has a parameters page.
 */
function DraftParams({
  block,
  stored,
  fields,
  errorFor,
  onChange,
}: {
  block: DspBlockDraft;
  /** A saved block's parameters live on its parameters page; here only those a save refused. */
  stored: boolean;
  fields: ReadonlyArray<FormField>;
  errorFor: (name: string) => string | undefined;
  onChange: (name: string, text: string) => void;
}) {
  const shown = editableParams(fields, block, stored, (name) => Boolean(errorFor(name)));
  if (shown.length === 0) return null;
  return (
    <div className="draft-params">
      {shown.map((field) => {
        const id = `block-${block.id}-${field.name}`;
        const value = block.params[field.name];
        const message = errorFor(field.name);
        return (
          <div className="field" key={field.name}>
            <label htmlFor={id}>
              {field.label}
              {field.unit && <span className="muted"> ({field.unit})</span>}
            </label>
            <input
              id={id}
              value={value == null ? '' : String(value)}
              placeholder="Fitted to the window"
              onChange={(event) => onChange(field.name, event.target.value)}
              aria-invalid={message ? true : undefined}
              aria-describedby={`${id}-error`}
            />
            <ErrorText error={message} id={`${id}-error`} />
          </div>
        );
      })}
    </div>
  );
}
