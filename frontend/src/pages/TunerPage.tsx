// Tuner: search DSP parameters and networks together under a board's measured limits. Pick the
// board (or custom limits), a budget and the objective; trials fill a live table and a scatter
// plot of accuracy against latency; apply a trial as a new impulse, or apply and train it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';

import {
  boardsReadBoardsOptions,
  tunerApplyTunerTrialMutation,
  tunerCancelTunerSearchMutation,
  tunerCreateTunerSearchMutation,
  tunerPauseTunerSearchMutation,
  tunerReadTunerSearchesQueryKey,
  tunerReadTunerSearchesOptions,
  tunerReadTunerSearchOptions,
  tunerResumeTunerSearchMutation,
} from '../client/@tanstack/react-query.gen';
import type { TunerSearchPublic } from '../client/types.gen';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorText } from '../components/ErrorText';
import { PlotlyChart } from '../components/PlotlyChart';
import { apiErrorMessage } from '../lib/apiError';
import { formatBytes, formatDateTime } from '../lib/format';
import { parseProjectId } from '../lib/projectId';
import {
  defaultForm,
  reasonParts,
  scatterLayout,
  scatterTraces,
  searchBody,
  searchPercent,
  searchProgress,
  trialRow,
  type Objective,
  type TrialRow,
  type TunerForm,
} from '../lib/tuner';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useProjectPermissions } from '../lib/useProjectPermissions';
import { NotFoundPage } from './NotFoundPage';

const POLL_MS = 2000;

export function TunerPage() {
  const projectId = parseProjectId(useParams().projectId);
  if (projectId === null) return <NotFoundPage />;
  return <Tuner projectId={projectId} />;
}

function Tuner({ projectId }: { projectId: number }) {
  useDocumentTitle('Tuner');
  const { canWrite } = useProjectPermissions(projectId);
  const path = { project_id: projectId };
  const searches = useQuery({
    ...tunerReadTunerSearchesOptions({ path }),
    refetchInterval: (query) =>
      query.state.data?.data.some((s) => s.state === 'running') ? POLL_MS : false,
  });
  const [chosenId, setChosenId] = useState<number | null>(null);
  const list = searches.data?.data ?? [];
  const shownId = chosenId ?? list[0]?.id ?? null;
  return (
    <>
      <header className="page-header">
        <h1>Tuner</h1>
        <p className="muted">
          Searches DSP parameters and networks together. Every trial is compiled by mcuforge and
          measured on the board first — latency, RAM and flash — and trained only if it fits.
        </p>
      </header>
      {canWrite && <NewSearchPanel projectId={projectId} onStarted={setChosenId} />}
      <section className="panel" aria-labelledby="searches-heading">
        <h2 id="searches-heading">Searches</h2>
        <ErrorText error={searches.error} />
        {searches.isPending && <p className="muted">Loading…</p>}
        {list.length === 0 && !searches.isPending && (
          <p className="muted">No search yet{canWrite ? ': start one above.' : '.'}</p>
        )}
        {list.length > 0 && (
          <div className="field">
            <label htmlFor="tuner-search">Search</label>
            <select
              id="tuner-search"
              value={shownId ?? ''}
              onChange={(event) => setChosenId(Number(event.target.value))}
            >
              {list.map((search) => (
                <option key={search.id} value={search.id}>
                  #{search.id} · {search.board} · {search.objective} · {search.state} ·{' '}
                  {formatDateTime(search.created_at)}
                </option>
              ))}
            </select>
          </div>
        )}
      </section>
      {shownId !== null && (
        <SearchPanel projectId={projectId} searchId={shownId} canWrite={canWrite} />
      )}
    </>
  );
}

function NewSearchPanel({
  projectId,
  onStarted,
}: {
  projectId: number;
  onStarted: (id: number) => void;
}) {
  const [form, setForm] = useState<TunerForm>(defaultForm);
  const [formError, setFormError] = useState<string | null>(null);
  const boards = useQuery({ ...boardsReadBoardsOptions(), staleTime: Infinity });
  const queryClient = useQueryClient();
  const start = useMutation({
    ...tunerCreateTunerSearchMutation(),
    onSuccess: (search) => {
      onStarted(search.id);
      void queryClient.invalidateQueries({
        queryKey: tunerReadTunerSearchesQueryKey({ path: { project_id: projectId } }),
      });
    },
  });
  const set = <K extends keyof TunerForm>(key: K, value: TunerForm[K]) =>
    setForm((current) => ({ ...current, [key]: value }));
  const submit = () => {
    const made = searchBody(form);
    if ('error' in made) {
      setFormError(made.error);
      return;
    }
    setFormError(null);
    start.mutate({ path: { project_id: projectId }, body: made.body });
  };
  return (
    <section className="panel" aria-labelledby="new-search-heading">
      <h2 id="new-search-heading">New search</h2>
      <div className="form-grid tuner-form">
        <div className="field">
          <label htmlFor="tuner-board">Board</label>
          <select
            id="tuner-board"
            value={form.board}
            onChange={(e) => set('board', e.target.value)}
          >
            {(boards.data?.data ?? [{ name: 'nano33ble', description: '' }]).map((board) => (
              <option key={board.name} value={board.name}>
                {board.name}
                {board.description ? ` — ${board.description}` : ''}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="field">
          <legend>Limits</legend>
          {(['board', 'custom'] as const).map((option) => (
            <div className="field-check" key={option}>
              <input
                type="radio"
                id={`tuner-limits-${option}`}
                name="tuner-limits"
                checked={form.limits === option}
                onChange={() => set('limits', option)}
              />
              <label htmlFor={`tuner-limits-${option}`}>
                {option === 'board' ? 'The board’s RAM and flash' : 'Custom (tighter) limits'}
              </label>
            </div>
          ))}
        </fieldset>
        {form.limits === 'custom' && (
          <>
            <NumberField
              id="tuner-latency"
              label="Max latency (ms)"
              value={form.maxLatencyMs}
              onChange={(v) => set('maxLatencyMs', v)}
            />
            <NumberField
              id="tuner-ram"
              label="Max RAM (kB)"
              value={form.maxRamKb}
              onChange={(v) => set('maxRamKb', v)}
            />
            <NumberField
              id="tuner-flash"
              label="Max flash (kB)"
              value={form.maxFlashKb}
              onChange={(v) => set('maxFlashKb', v)}
            />
          </>
        )}
        <fieldset className="field">
          <legend>Budget</legend>
          {(['trials', 'time'] as const).map((option) => (
            <div className="field-check" key={option}>
              <input
                type="radio"
                id={`tuner-budget-${option}`}
                name="tuner-budget"
                checked={form.budget === option}
                onChange={() => set('budget', option)}
              />
              <label htmlFor={`tuner-budget-${option}`}>
                {option === 'trials' ? 'A number of trials' : 'A time budget'}
              </label>
            </div>
          ))}
        </fieldset>
        {form.budget === 'trials' ? (
          <NumberField
            id="tuner-trials"
            label="Trials"
            value={form.trials}
            onChange={(v) => set('trials', v)}
          />
        ) : (
          <NumberField
            id="tuner-minutes"
            label="Minutes"
            value={form.minutes}
            onChange={(v) => set('minutes', v)}
          />
        )}
        <div className="field">
          <label htmlFor="tuner-objective">Objective</label>
          <select
            id="tuner-objective"
            value={form.objective}
            onChange={(e) => set('objective', e.target.value as Objective)}
          >
            <option value="accuracy">int8 accuracy</option>
            <option value="f1">F1 of chosen labels</option>
            <option value="mae">MAE (regression)</option>
          </select>
        </div>
        {form.objective === 'f1' && (
          <div className="field">
            <label htmlFor="tuner-labels">Labels (comma-separated)</label>
            <input
              id="tuner-labels"
              value={form.labels}
              onChange={(e) => set('labels', e.target.value)}
            />
          </div>
        )}
        <NumberField
          id="tuner-parallel"
          label="Trials at once"
          value={form.parallel}
          onChange={(v) => set('parallel', v)}
        />
        <NumberField
          id="tuner-epochs"
          label="Epochs per trial"
          value={form.epochs}
          onChange={(v) => set('epochs', v)}
        />
        <div className="field field-action">
          <button type="button" className="primary" disabled={start.isPending} onClick={submit}>
            {start.isPending ? 'Starting…' : 'Start search'}
          </button>
        </div>
      </div>
      {formError && (
        <p className="error-text" role="alert">
          {formError}
        </p>
      )}
      {start.error != null && <ErrorText error={apiErrorMessage(start.error)} />}
    </section>
  );
}

function NumberField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        inputMode="decimal"
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </div>
  );
}

function SearchPanel({
  projectId,
  searchId,
  canWrite,
}: {
  projectId: number;
  searchId: number;
  canWrite: boolean;
}) {
  const path = { project_id: projectId, search_id: searchId };
  const queryClient = useQueryClient();
  const search = useQuery({
    ...tunerReadTunerSearchOptions({ path }),
    refetchInterval: (query) => (query.state.data?.state === 'running' ? POLL_MS : false),
  });
  const refresh = () => void queryClient.invalidateQueries();
  const pause = useMutation({ ...tunerPauseTunerSearchMutation(), onSuccess: refresh });
  const resume = useMutation({ ...tunerResumeTunerSearchMutation(), onSuccess: refresh });
  const cancel = useMutation({ ...tunerCancelTunerSearchMutation(), onSuccess: refresh });
  const data = search.data;
  const objective = (data?.objective ?? 'accuracy') as Objective;
  const rows = useMemo(
    () => (data?.trials ?? []).map((trial) => trialRow(trial, objective)),
    [data, objective],
  );
  const traces = useMemo(() => scatterTraces(rows, objective), [rows, objective]);
  // One object per objective: a new one each poll would redraw the chart every time.
  const layout = useMemo(() => scatterLayout(objective), [objective]);
  const actionError = pause.error ?? resume.error ?? cancel.error;
  if (!data) return <ErrorText error={search.error} />;
  return (
    <section className="panel" aria-labelledby="search-heading">
      <h2 id="search-heading">
        Search #{data.id}: {data.state}
      </h2>
      <p className="muted">{describeSearch(data)}</p>
      <div className="job-progress" aria-live="polite">
        <progress max={100} value={searchPercent(data)} aria-label="Search progress" />{' '}
        <span data-testid="tuner-progress">{searchProgress(data)}</span>
      </div>
      {canWrite && (
        <div className="button-row">
          {data.state === 'running' && (
            <button type="button" onClick={() => pause.mutate({ path })} disabled={pause.isPending}>
              Pause
            </button>
          )}
          {data.state === 'paused' && (
            <button
              type="button"
              onClick={() => resume.mutate({ path })}
              disabled={resume.isPending}
            >
              Resume
            </button>
          )}
          {(data.state === 'running' || data.state === 'paused') && (
            <ConfirmButton
              label="Cancel"
              question="Cancel this search? Running trials stop; finished ones are kept."
              confirmLabel="Cancel search"
              onConfirm={() => cancel.mutate({ path })}
              busy={cancel.isPending}
            />
          )}
        </div>
      )}
      {actionError != null && <ErrorText error={apiErrorMessage(actionError)} />}
      {data.error && <p className="error-text">{data.error}</p>}
      {rows.some((row) => row.int8 !== null) && (
        <PlotlyChart
          data={traces}
          label={`${objective === 'mae' ? 'MAE' : 'Accuracy'} against latency of each trial`}
          heightPx={300}
          layout={layout}
        />
      )}
      <TrialsTable
        rows={rows}
        search={data}
        canWrite={canWrite}
        bestId={data.best_trial_id ?? null}
      />
    </section>
  );
}

function describeSearch(search: TunerSearchPublic): string {
  const limits = Object.entries(search.limits)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]) => `${name.replace(/_/g, ' ')} ${value}`);
  return (
    `Board ${search.board}${limits.length ? ` (${limits.join(', ')})` : ''}; objective ` +
    `${search.objective}${search.objective_labels.length ? ` of ${search.objective_labels.join(', ')}` : ''}` +
    `; ${search.multi_objective ? 'NSGA-II, Pareto front of objective vs latency' : 'TPE'}; ` +
    `${search.parallel_trials} at once, ${search.epochs} epochs each.`
  );
}

/** A failure's reason in the table: its headline, and the rest (what to do) a tap away. */
function Reason({ reason }: { reason: string }) {
  const { headline, rest } = reasonParts(reason);
  if (!rest) return <div className="muted cell-note">{headline}</div>;
  return (
    <details className="muted cell-note">
      <summary>{headline}</summary>
      {rest}
    </details>
  );
}

const percent = (value: number | null) => (value === null ? '—' : `${(100 * value).toFixed(1)} %`);
const ms = (value: number | null) => (value === null ? '—' : value.toFixed(2));

function TrialsTable({
  rows,
  search,
  canWrite,
  bestId,
}: {
  rows: ReadonlyArray<TrialRow>;
  search: TunerSearchPublic;
  canWrite: boolean;
  bestId: number | null;
}) {
  const apply = useMutation(tunerApplyTunerTrialMutation());
  const mae = search.objective === 'mae';
  const metric = (value: number | null) =>
    mae ? (value === null ? '—' : value.toPrecision(3)) : percent(value);
  if (rows.length === 0) return <p className="muted">Trials appear here as they start.</p>;
  return (
    <>
      {apply.data && (
        <p className="notice" role="status">
          Trial applied as impulse #{apply.data.impulse.id}
          {apply.data.job ? `; training job ${apply.data.job.id} started` : ''}.{' '}
          <Link to={`/projects/${search.project_id}/${apply.data.job ? 'training' : 'impulse'}`}>
            {apply.data.job ? 'Follow the training' : 'Open the impulse'}
          </Link>
        </p>
      )}
      {apply.error != null && <ErrorText error={apiErrorMessage(apply.error)} />}
      <div className="table-scroll">
        <table className="data-table compact tuner-table" data-testid="tuner-trials">
          <thead>
            <tr>
              <th>#</th>
              <th>State</th>
              <th className="num">int8 {mae ? 'MAE' : 'accuracy'}</th>
              <th className="num">float32</th>
              <th className="num">DSP ms</th>
              <th className="num">Model ms</th>
              <th className="num">RAM</th>
              <th className="num">Flash</th>
              <th>Fits?</th>
              {canWrite && <th>Apply</th>}
              <th>DSP block</th>
              <th>Network</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} className={row.onFront ? 'pareto' : undefined}>
                <td>
                  {row.number}
                  {row.id === bestId && <span title="best that fits"> ★</span>}
                  {row.current && (
                    <>
                      {' '}
                      <span className="tag">current impulse</span>
                    </>
                  )}
                  {row.sameAs !== null && (
                    <>
                      {' '}
                      <span className="tag" title="not trained again: its figures are repeated">
                        same as #{row.sameAs}
                      </span>
                    </>
                  )}
                  {row.onFront && <span className="visually-hidden"> (on the Pareto front)</span>}
                </td>
                <td>
                  {row.state}
                  {row.reason && row.state !== 'complete' && <Reason reason={row.reason} />}
                </td>
                <td className="num">{metric(row.int8)}</td>
                <td className="num">{metric(row.float32)}</td>
                <td className="num">{ms(row.dspMs)}</td>
                <td className="num">{ms(row.modelMs)}</td>
                <td className="num">{row.ramBytes === null ? '—' : formatBytes(row.ramBytes)}</td>
                <td className="num">
                  {row.flashBytes === null ? '—' : formatBytes(row.flashBytes)}
                </td>
                <td>{row.fits === null ? '?' : row.fits ? 'yes' : 'no'}</td>
                {canWrite && (
                  <td className="nowrap">
                    {row.state === 'complete' && (
                      <>
                        <button
                          type="button"
                          disabled={apply.isPending}
                          aria-label={`Apply trial ${row.number} as a new impulse`}
                          onClick={() =>
                            apply.mutate({
                              path: {
                                project_id: search.project_id,
                                search_id: search.id,
                                trial_id: row.id,
                              },
                              body: { train: false },
                            })
                          }
                        >
                          Apply
                        </button>{' '}
                        <button
                          type="button"
                          disabled={apply.isPending}
                          aria-label={`Apply trial ${row.number} and train it`}
                          onClick={() =>
                            apply.mutate({
                              path: {
                                project_id: search.project_id,
                                search_id: search.id,
                                trial_id: row.id,
                              },
                              body: { train: true },
                            })
                          }
                        >
                          Train
                        </button>
                      </>
                    )}
                  </td>
                )}
                <td className="cell-wrap">{row.dsp}</td>
                <td className="cell-wrap">{row.network}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
