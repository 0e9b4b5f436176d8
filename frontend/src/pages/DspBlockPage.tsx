// Impulse design, one DSP block: parameters, graphs for a chosen window, feature generation and
// the feature explorer.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';

import {
  dspReadDspBlocksOptions,
  impulsesGenerateFeaturesMutation,
  impulsesReadFeaturesOptions,
  impulsesReadImpulsesOptions,
  impulsesReplaceImpulseMutation,
} from '../client/@tanstack/react-query.gen';
import type { DspBlockPublic, ImpulsePublic } from '../client/types.gen';
import { AutotunePanel } from '../components/AutotunePanel';
import { DspPreview } from '../components/DspPreview';
import { ErrorText } from '../components/ErrorText';
import { FeatureExplorer } from '../components/FeatureExplorer';
import { ParameterFields } from '../components/ParameterForm';
import { placeFieldErrors } from '../lib/fieldErrors';
import { AUTOTUNE_BLOCKS } from '../lib/autotune';
import { featureStateText } from '../lib/featureState';
import { draftFromImpulse, draftToRequest } from '../lib/impulseDraft';
import { parseProjectId } from '../lib/projectId';
import {
  initialValues,
  schemaToFields,
  valuesToParams,
  type FormValues,
} from '../lib/schemaFields';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useJobStream } from '../lib/useJobStream';
import { useProjectPermissions } from '../lib/useProjectPermissions';
import { ReadOnlyNote } from '../components/ReadOnlyNote';
import { NotFoundPage } from './NotFoundPage';

export function DspBlockPage() {
  const params = useParams();
  const projectId = parseProjectId(params.projectId);
  const blockId = parseProjectId(params.blockId);
  if (projectId === null || blockId === null) return <NotFoundPage />;
  return <DspBlock projectId={projectId} blockId={blockId} />;
}

function DspBlock({ projectId, blockId }: { projectId: number; blockId: number }) {
  const impulses = useQuery(impulsesReadImpulsesOptions({ path: { project_id: projectId } }));
  const catalogue = useQuery(dspReadDspBlocksOptions());
  const impulse = impulses.data?.data[0];
  const index = impulse?.dsp_blocks.findIndex((block) => block.id === blockId) ?? -1;
  const block = impulse?.dsp_blocks[index];
  const blockType = catalogue.data?.data.find((entry) => entry.name === block?.type);
  useDocumentTitle(block ? block.name || block.type : 'DSP block');

  if (impulses.error || catalogue.error)
    return <ErrorText error={impulses.error ?? catalogue.error} />;
  if (!impulses.data || !catalogue.data) return <p className="muted">Loading…</p>;
  if (!impulse || !block || !blockType) {
    return (
      <section>
        <h1>DSP block</h1>
        <p>
          This impulse has no DSP block {blockId}.{' '}
          <Link to={`/projects/${projectId}/impulse`}>Create impulse</Link>
        </p>
      </section>
    );
  }
  return (
    <>
      <header className="page-header">
        <h1>{block.name || blockType.title}</h1>
        <p className="muted">{blockType.description}</p>
      </header>
      <ParametersPanel impulse={impulse} index={index} blockType={blockType} />
      <section className="panel" aria-labelledby="graphs-heading">
        <h2 id="graphs-heading">Graphs of one window</h2>
        <DspPreview impulse={impulse} dspBlockId={blockId} />
      </section>
      <FeaturesPanel impulse={impulse} dspBlockId={blockId} />
    </>
  );
}

function ParametersPanel({
  impulse,
  index,
  blockType,
}: {
  impulse: ImpulsePublic;
  index: number;
  blockType: DspBlockPublic;
}) {
  const block = impulse.dsp_blocks[index]!;
  const fields = useMemo(() => schemaToFields(blockType.parameters), [blockType]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields, block.params));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const replace = useMutation(impulsesReplaceImpulseMutation());
  const { canWrite } = useProjectPermissions(impulse.project_id);
  useEffect(() => setValues(initialValues(fields, block.params)), [fields, block.params]);

  const prefix = `dsp_blocks.${index}.params`;
  const placed = placeFieldErrors(replace.error, [
    ...fields.map((field) => `${prefix}.${field.name}`),
    `dsp_blocks.${index}`,
  ]);
  const errors: Record<string, string | undefined> = {};
  for (const field of fields) {
    errors[field.name] = localErrors[field.name] ?? placed.byField[`${prefix}.${field.name}`];
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const { params, errors: found } = valuesToParams(fields, values);
    setLocalErrors(found);
    if (Object.keys(found).length > 0) return;
    const draft = draftFromImpulse(impulse);
    draft.dspBlocks[index] = { ...draft.dspBlocks[index]!, params };
    const request = draftToRequest(draft);
    if (!request.body) return;
    replace.mutate(
      { path: { project_id: impulse.project_id, impulse_id: impulse.id }, body: request.body },
      { onSuccess: () => setSaved(true) },
    );
  };

  return (
    <section className="panel" aria-labelledby="parameters-heading">
      <h2 id="parameters-heading">Parameters</h2>
      <form onSubmit={submit} noValidate>
        <ParameterFields
          fields={fields}
          values={values}
          errors={errors}
          idPrefix={`param-${block.id}`}
          onChange={(name, value) => setValues({ ...values, [name]: value })}
        />
        <div className="button-row">
          {canWrite ? (
            <button type="submit" className="primary" disabled={replace.isPending}>
              {replace.isPending ? 'Saving…' : 'Save parameters'}
            </button>
          ) : (
            <ReadOnlyNote />
          )}
          {saved && !replace.isPending && (
            <span className="ok-text" role="status">
              Parameters saved.
            </span>
          )}
        </div>
        {AUTOTUNE_BLOCKS.has(block.type) && (
          <AutotunePanel
            projectId={impulse.project_id}
            impulseId={impulse.id}
            dspBlockId={block.id}
            fields={fields}
            values={values}
            onApply={(suggested) => {
              setSaved(false);
              setValues(suggested);
            }}
          />
        )}
        <ErrorText error={placed.byField[`dsp_blocks.${index}`]} />
        {placed.unplaced.map((message) => (
          <ErrorText key={message} error={message} />
        ))}
        {replace.error != null &&
          !Array.isArray((replace.error as { detail?: unknown }).detail) && (
            <ErrorText error={replace.error} />
          )}
      </form>
    </section>
  );
}

function FeaturesPanel({ impulse, dspBlockId }: { impulse: ImpulsePublic; dspBlockId: number }) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id };
  const summary = useQuery(impulsesReadFeaturesOptions({ path }));
  const generate = useMutation(impulsesGenerateFeaturesMutation());
  const { canWrite } = useProjectPermissions(impulse.project_id);
  const latest = summary.data?.latest_job;
  // Follow the job we started, or one already under way when the page opened.
  const followedId =
    generate.data?.id ??
    (latest && ['queued', 'running'].includes(latest.state) ? latest.id : null);
  const stream = useJobStream(impulse.project_id, followedId);
  const blockSummary = summary.data?.blocks.find((block) => block.dsp_block_id === dspBlockId);
  const running = followedId !== null && !stream.ended;
  const lastLine = stream.logs[stream.logs.length - 1]?.line;

  return (
    <section className="panel" aria-labelledby="features-heading">
      <div className="panel-header">
        <h2 id="features-heading">Features</h2>
        {canWrite && (
          <button
            type="button"
            className="primary"
            disabled={running || generate.isPending}
            onClick={() => generate.mutate({ path })}
          >
            Generate features
          </button>
        )}
      </div>
      <ErrorText error={generate.error ?? summary.error} />
      {followedId !== null && (
        <div className="job-progress" aria-live="polite">
          <progress max={100} value={stream.progress} aria-label="Feature generation progress" />{' '}
          <span data-testid="features-job-state">
            {stream.job?.state ?? 'queued'} · {stream.progress} %
          </span>
          {lastLine && <p className="muted job-last-line">{lastLine}</p>}
          {stream.job?.error && <p className="error-text">Failed: {stream.job.error}</p>}
        </div>
      )}
      {blockSummary && <p data-testid="features-state">{featureStateText(blockSummary)}</p>}
      {blockSummary && blockSummary.state !== 'none' && !running && (
        <>
          <h3>Feature explorer</h3>
          <FeatureExplorer
            projectId={impulse.project_id}
            impulseId={impulse.id}
            dspBlockId={dspBlockId}
          />
        </>
      )}
    </section>
  );
}
