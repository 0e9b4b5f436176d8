// Impulse design, "Create impulse": input block -> DSP blocks -> learning blocks, saved as one impulse.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';

import {
  dspReadDspBlocksOptions,
  impulsesCreateImpulseMutation,
  impulsesReadImpulsesOptions,
  impulsesReplaceImpulseMutation,
} from '../client/@tanstack/react-query.gen';
import type { DspBlockPublic, ImpulsePublic } from '../client/types.gen';
import { ErrorText } from '../components/ErrorText';
import { placeFieldErrors } from '../lib/fieldErrors';
import {
  draftFromImpulse,
  draftToRequest,
  nextDspBlockId,
  type ImpulseDraft,
  type InputBlockDraft,
} from '../lib/impulseDraft';
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
  const error = impulses.error ?? catalogue.error;
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
      {impulses.data && catalogue.data && (
        <ImpulseForm
          projectId={projectId}
          impulse={impulses.data.data[0]}
          blockTypes={catalogue.data.data}
        />
      )}
    </>
  );
}

const INPUT_FIELDS: ReadonlyArray<[keyof InputBlockDraft, string, string, string]> = [
  ['axes', 'axes', 'Axes', 'Comma-separated; empty uses every axis of the data.'],
  ['windowSizeMs', 'window_size_ms', 'Window size (ms)', ''],
  ['windowIncreaseMs', 'window_increase_ms', 'Window increase (ms)', 'Step between window starts.'],
  ['frequencyHz', 'frequency_hz', 'Frequency (Hz)', "Empty keeps the data's rate."],
];

function ImpulseForm({
  projectId,
  impulse,
  blockTypes,
}: {
  projectId: number;
  impulse: ImpulsePublic | undefined;
  blockTypes: DspBlockPublic[];
}) {
  const [draft, setDraft] = useState<ImpulseDraft>(() => draftFromImpulse(impulse));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [newType, setNewType] = useState(blockTypes[0]?.name ?? '');
  const create = useMutation(impulsesCreateImpulseMutation());
  const replace = useMutation(impulsesReplaceImpulseMutation());
  const save = impulse ? replace : create;
  const { canWrite } = useProjectPermissions(projectId);
  const [saved, setSaved] = useState(false);
  useEffect(() => setDraft(draftFromImpulse(impulse)), [impulse]);

  const blockPaths = draft.dspBlocks.map((_, index) => `dsp_blocks.${index}`);
  const inputPaths = INPUT_FIELDS.map(([, path]) => `input_block.${path}`);
  const placed = placeFieldErrors(save.error, [...inputPaths, 'input_block', ...blockPaths]);
  const fieldError = (path: string) => localErrors[path] ?? placed.byField[path];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const request = draftToRequest(draft);
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
          <h2 id="input-heading">Time-series data</h2>
          {INPUT_FIELDS.map(([key, path, label, hint]) => {
            const id = `input-${path}`;
            const message = fieldError(`input_block.${path}`);
            return (
              <div className="field" key={key}>
                <label htmlFor={id}>{label}</label>
                <input
                  id={id}
                  inputMode={key === 'axes' ? 'text' : 'decimal'}
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
          <div className="field-check">
            <input
              id="input-zero-pad"
              type="checkbox"
              checked={draft.input.zeroPad}
              onChange={(event) => setInput('zeroPad', event.target.checked)}
            />
            <label htmlFor="input-zero-pad">Zero-pad short samples and the last window</label>
          </div>
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
              {blockTypes.map((block) => (
                <option key={block.name} value={block.name}>
                  {block.title}
                </option>
              ))}
            </select>
            <button type="button" onClick={addBlock}>
              Add
            </button>
          </div>
          <p className="hint">{blockTypes.find((block) => block.name === newType)?.description}</p>
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
                  <code>{JSON.stringify(block)}</code>
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
