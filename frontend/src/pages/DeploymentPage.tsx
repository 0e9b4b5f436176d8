// Deployment: choose a target and int8 or float32, compare the boards' estimates, build with
// progress and download the library.
import { useMutation, useQueries, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';

import {
  boardsReadBoardsOptions,
  deploymentCreateDeploymentBuildMutation,
  deploymentReadDeploymentBuildsOptions,
  deploymentReadDeploymentEstimatesOptions,
  deploymentReadDeploymentTargetsOptions,
  deploymentReadDeviceTestReportsOptions,
  jobsReadJobsOptions,
} from '../client/@tanstack/react-query.gen';
import { client } from '../client/client.gen';
import type {
  BoardPublic,
  DeploymentBuildPublic,
  DeploymentBuildRequest,
  ImpulsePublic,
} from '../client/types.gen';
import { ErrorText } from '../components/ErrorText';
import { ImpulseRequired } from '../components/ImpulseRequired';
import { apiErrorMessage } from '../lib/apiError';
import {
  boardFor,
  defaultTarget,
  describeBoard,
  estimateRows,
  type EstimateRow,
  unknownFitNotes,
  precisionFor,
  precisionNote,
} from '../lib/deployment';
import { agreementText, counterText, estimateComparison } from '../lib/deviceTest';
import { formatBytes, formatDateTime } from '../lib/format';
import { parseProjectId } from '../lib/projectId';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useJobStream } from '../lib/useJobStream';
import { useProjectImpulse } from '../lib/useProjectImpulse';
import { useProjectPermissions } from '../lib/useProjectPermissions';
import { NotFoundPage } from './NotFoundPage';

export function DeploymentPage() {
  const projectId = parseProjectId(useParams().projectId);
  if (projectId === null) return <NotFoundPage />;
  return <Deployment projectId={projectId} />;
}

function Deployment({ projectId }: { projectId: number }) {
  useDocumentTitle('Deployment');
  const { impulse, isPending, error } = useProjectImpulse(projectId);
  return (
    <>
      <header className="page-header">
        <h1>Deployment</h1>
        <p className="muted">
          A library for your board: plain C++ with the DSP and the compiled model, no interpreter.
        </p>
      </header>
      {impulse ? (
        <DeployImpulse impulse={impulse} />
      ) : (
        <ImpulseRequired projectId={projectId} isPending={isPending} error={error} />
      )}
    </>
  );
}

function DeployImpulse({ impulse }: { impulse: ImpulsePublic }) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id };
  const { canWrite } = useProjectPermissions(impulse.project_id);
  const targets = useQuery(deploymentReadDeploymentTargetsOptions({ path }));
  const [chosenTarget, setChosenTarget] = useState<string | null>(null);
  const [chosenPrecision, setChosenPrecision] = useState('int8');
  // The board profiles never change while the server runs.
  const boards = useQuery({ ...boardsReadBoardsOptions(), staleTime: Infinity });
  const boardList = boards.data?.data ?? [];
  const [chosenBoard, setChosenBoard] = useState<string | null>(null);
  const board = boardFor(boardList, chosenBoard);
  const boardProfile = boardList.find((profile) => profile.name === board);
  const targetName = chosenTarget ?? defaultTarget(targets.data?.data ?? []);
  const target = targets.data?.data.find((t) => t.name === targetName);
  const precision = precisionFor(target, chosenPrecision);

  const build = useMutation(deploymentCreateDeploymentBuildMutation());
  const jobs = useQuery(
    jobsReadJobsOptions({ path: { project_id: impulse.project_id }, query: { limit: 20 } }),
  );
  const runningBuild = jobs.data?.data.find(
    (job) =>
      job.kind === 'deployment.build' &&
      ['queued', 'running'].includes(job.state) &&
      job.params.impulse_id === impulse.id,
  );
  const followedId = build.data?.id ?? runningBuild?.id ?? null;
  const stream = useJobStream(impulse.project_id, followedId);
  const running = followedId !== null && !stream.ended;
  const lastLine = stream.logs[stream.logs.length - 1]?.line;
  const builtArtifactId =
    stream.job?.state === 'succeeded' && typeof stream.job.result?.artifact_id === 'number'
      ? stream.job.result.artifact_id
      : null;

  return (
    <>
      <section className="panel" aria-labelledby="target-heading">
        <h2 id="target-heading">Target</h2>
        <ErrorText error={targets.error} />
        {targets.data && (
          <fieldset className="target-list">
            <legend className="visually-hidden">What to build</legend>
            {targets.data.data.map((option) => (
              <div
                key={option.name}
                className={`target-option ${option.available ? '' : 'unavailable'}`}
              >
                <input
                  type="radio"
                  id={`target-${option.name}`}
                  name="target"
                  value={option.name}
                  checked={option.name === targetName}
                  disabled={!option.available}
                  aria-describedby={`target-${option.name}-hint`}
                  onChange={() => setChosenTarget(option.name)}
                />
                <label htmlFor={`target-${option.name}`}>{option.title}</label>
                <p className="hint" id={`target-${option.name}-hint`}>
                  {option.description}
                  {!option.available && (
                    <span className="error-text"> Not available: {option.reason}</span>
                  )}
                </p>
              </div>
            ))}
          </fieldset>
        )}
        <div className="form-grid">
          <fieldset className="field">
            <legend>Model precision</legend>
            {['int8', 'float32'].map((option) => (
              <div className="field-check" key={option}>
                <input
                  type="radio"
                  id={`precision-${option}`}
                  name="precision"
                  value={option}
                  checked={precision === option}
                  disabled={target ? !target.precisions.includes(option) : false}
                  onChange={() => setChosenPrecision(option)}
                />
                <label htmlFor={`precision-${option}`}>
                  {option === 'int8' ? 'int8 (quantized, recommended)' : 'float32 (unoptimized)'}
                </label>
              </div>
            ))}
            {precisionNote(precision, boardProfile) && (
              <p className="hint" data-testid="precision-note">
                {precisionNote(precision, boardProfile)}
              </p>
            )}
          </fieldset>
          <div className="field">
            <label htmlFor="deploy-board">Board</label>
            <select
              id="deploy-board"
              value={board ?? ''}
              disabled={boardList.length === 0}
              aria-describedby="deploy-board-hint"
              onChange={(event) => setChosenBoard(event.target.value)}
            >
              {boardList.map((profile) => (
                <option key={profile.name} value={profile.name}>
                  {profile.name} — {profile.description}
                </option>
              ))}
            </select>
            <p className="hint" id="deploy-board-hint">
              {boardProfile
                ? describeBoard(boardProfile)
                : boards.isPending
                  ? 'Loading boards…'
                  : ''}
            </p>
            <ErrorText error={boards.error} />
          </div>
          {canWrite && (
            <div className="field field-action">
              <button
                type="button"
                className="primary"
                disabled={!target?.available || board === null || running || build.isPending}
                onClick={() =>
                  build.mutate({
                    path,
                    body: {
                      target: target!.name as DeploymentBuildRequest['target'],
                      precision: precision as DeploymentBuildRequest['precision'],
                      board: board!,
                    },
                  })
                }
              >
                {running ? 'Building…' : 'Build'}
              </button>
            </div>
          )}
        </div>
        {build.error != null && <ErrorText error={apiErrorMessage(build.error)} />}
        {followedId !== null && (
          <div className="job-progress" aria-live="polite">
            <progress max={100} value={stream.progress} aria-label="Build progress" />{' '}
            <span data-testid="build-job-state">
              {stream.job?.state ?? 'queued'} · {stream.progress} %
            </span>
            {lastLine && <p className="muted job-last-line">{lastLine}</p>}
            {stream.job?.error && <p className="error-text">Failed: {stream.job.error}</p>}
          </div>
        )}
      </section>
      <EstimatesPanel impulse={impulse} boards={boardList} />
      <BuildsPanel impulse={impulse} highlightId={builtArtifactId} />
      <DeviceTestPanel projectId={impulse.project_id} />
    </>
  );
}

/** The last report of `mcuforge device-test`: the board's results on the test windows. */
function DeviceTestPanel({ projectId }: { projectId: number }) {
  const reports = useQuery(
    deploymentReadDeviceTestReportsOptions({
      path: { project_id: projectId },
      query: { limit: 1 },
    }),
  );
  const last = reports.data?.data[0];
  const comparison = last ? estimateComparison(last) : null;
  return (
    <section className="panel" aria-labelledby="device-test-heading">
      <h2 id="device-test-heading">On-device test</h2>
      <ErrorText error={reports.error} />
      {reports.data && !last && (
        <p className="muted">
          No board tested yet. Flash the <code>device_test</code> example of the C++ SDK or the
          Arduino library, then run <code>mcuforge device-test --port … --project {projectId}</code>
          .
        </p>
      )}
      {last && (
        <dl className="stats" data-testid="device-test-report">
          <dt>Agreement with the platform</dt>
          <dd className={last.windows_agreeing === last.windows_total ? '' : 'error-text'}>
            {agreementText(last)}
          </dd>
          <dt>On the board</dt>
          <dd>
            {counterText(last)}
            {comparison && <span className="muted"> · {comparison}</span>}
          </dd>
          <dt>Tested</dt>
          <dd>
            {formatDateTime(last.created_at)} · model {last.trained_model_id}
          </dd>
        </dl>
      )}
    </section>
  );
}

function EstimatesPanel({
  impulse,
  boards,
}: {
  impulse: ImpulsePublic;
  boards: ReadonlyArray<BoardPublic>;
}) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id };
  const estimates = useQueries({
    queries: boards.map((board) => ({
      ...deploymentReadDeploymentEstimatesOptions({ path, query: { board: board.name } }),
      // Measured on an emulator: worth keeping for the page's life.
      staleTime: Infinity,
    })),
  });
  const rows = estimateRows(estimates.flatMap((query) => (query.data ? [query.data] : [])));
  const loading = estimates.some((query) => query.isPending);
  const firstError = estimates.find((query) => query.error)?.error;
  const notes = estimates.find((query) => query.data)?.data?.notes ?? [];
  return (
    <section className="panel" aria-labelledby="estimates-heading">
      <h2 id="estimates-heading">On-device estimates</h2>
      <p className="muted">
        DSP and model together, per inference, with the library mcuforge builds. RAM = DSP buffers +
        model RAM (mcuforge tensor arena for the activations + the model&apos;s other static data +
        stack); the TensorFlow Lite Micro arena on the Training page is for comparison only. int8
        and float32 are both compiled and run once in an emulator of the board&apos;s core; on a
        core without an FPU float32 runs in soft float (a library call for every float operation),
        so it is many times slower there.
      </p>
      {loading && <p className="muted">Estimating on each board…</p>}
      {firstError != null && rows.length === 0 ? (
        <p className="muted">
          {apiErrorMessage(firstError)}{' '}
          <Link to={`/projects/${impulse.project_id}/training`}>Training</Link>
        </p>
      ) : (
        <ErrorText error={firstError ?? null} />
      )}
      {rows.length > 0 && <EstimatesTable rows={rows} />}
      {notes.length > 0 && (
        <ul className="muted notes">
          {notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

const CYCLES_TITLE = '≈ cycles, Cortex-M4 model; instructions are a lower bound';

/** The boards' estimates side by side: latency, cycles beside instructions, RAM, flash, fit. */
export function EstimatesTable({ rows }: { rows: ReadonlyArray<EstimateRow> }) {
  const assumptions = rows.filter((row) => row.cycleAssumption !== null);
  return (
    <div className="table-scroll">
      <table className="data-table compact estimates-table" data-testid="estimates-table">
        <thead>
          <tr>
            <th scope="col" rowSpan={2}>
              Board
            </th>
            <th scope="colgroup" colSpan={5}>
              int8
            </th>
            <th scope="colgroup" colSpan={5}>
              float32
            </th>
          </tr>
          <tr>
            {['int8', 'float32'].flatMap((precision) =>
              ['Latency', '≈ Cycles', 'RAM', 'Flash', 'Fits'].map((title) => (
                <th
                  scope="col"
                  key={`${precision}-${title}`}
                  className="num"
                  title={
                    title === 'RAM'
                      ? 'DSP buffers + mcuforge tensor arena + static data + stack'
                      : title === '≈ Cycles'
                        ? CYCLES_TITLE
                        : undefined
                  }
                >
                  {title}
                </th>
              )),
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.board}>
              <th scope="row" title={row.description}>
                {row.board}
                <span className="muted cell-share"> {row.description}</span>
              </th>
              {[row.int8, row.float32].flatMap((cell, index) => [
                <td key={`${index}-l`} className="num" title={`method: ${cell.method}`}>
                  {cell.latency}
                  {cell.latencySplit && (
                    <span className="muted cell-share"> {cell.latencySplit}</span>
                  )}
                </td>,
                <td
                  key={`${index}-c`}
                  className="num"
                  title={cell.cycleBasis ?? undefined}
                  data-testid="cycles-cell"
                >
                  {cell.cycles}
                  {cell.cycleLatency && (
                    <span className="muted cell-share"> {cell.cycleLatency}</span>
                  )}
                  <span className="muted cell-share"> {cell.instructions} instructions</span>
                  {cell.cycleSplit && <span className="muted cell-share"> {cell.cycleSplit}</span>}
                </td>,
                <td key={`${index}-r`} className="num">
                  {cell.ram}
                  {cell.dspRam && <span className="muted cell-share"> {cell.dspRam}</span>}
                </td>,
                <td key={`${index}-f`} className="num">
                  {cell.flash}
                </td>,
                <td
                  key={`${index}-x`}
                  className={cell.fit === 'too big' ? 'error-text' : ''}
                  title={cell.fitReason ?? undefined}
                >
                  {cell.fit}
                </td>,
              ])}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted" data-testid="cycles-note">
        ≈ Cycles: a Cortex-M4 cycle model. Every instruction of one inference is traced in the
        emulator and priced by the Arm Cortex-M4 Technical Reference Manual&apos;s instruction
        timings; below the cycles, the latency they take at the board&apos;s clock and the
        instruction count, which is a lower bound on a Cortex-M4&apos;s cycles. Latency:
        instructions × the core&apos;s cycles per instruction.
      </p>
      {assumptions.length > 0 && (
        <ul className="muted notes" aria-label="What the cycle estimates assume">
          {assumptions.map((row) => (
            <li key={row.board}>
              {row.board}: {row.cycleAssumption}
            </li>
          ))}
        </ul>
      )}
      {unknownFitNotes(rows).length > 0 && (
        <ul className="muted notes" aria-label="Why a fit is unknown">
          {unknownFitNotes(rows).map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function BuildsPanel({
  impulse,
  highlightId,
}: {
  impulse: ImpulsePublic;
  highlightId: number | null;
}) {
  const path = { project_id: impulse.project_id, impulse_id: impulse.id };
  const builds = useQuery(deploymentReadDeploymentBuildsOptions({ path }));
  return (
    <section className="panel" aria-labelledby="builds-heading">
      <h2 id="builds-heading">Builds</h2>
      <ErrorText error={builds.error} />
      {builds.data?.count === 0 && <p className="muted">Nothing built yet.</p>}
      {builds.data && builds.data.count > 0 && (
        <table className="data-table compact builds-table">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Target</th>
              <th scope="col">Precision</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">Built</th>
            </tr>
          </thead>
          <tbody>
            {builds.data.data.map((entry) => (
              <BuildRow
                key={entry.id}
                impulse={impulse}
                entry={entry}
                highlight={entry.id === highlightId}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function BuildRow({
  impulse,
  entry,
  highlight,
}: {
  impulse: ImpulsePublic;
  entry: DeploymentBuildPublic;
  highlight: boolean;
}) {
  const href = client.buildUrl({
    url: '/api/projects/{project_id}/impulses/{impulse_id}/deployment/builds/{artifact_id}/download',
    path: { project_id: impulse.project_id, impulse_id: impulse.id, artifact_id: entry.id },
  });
  return (
    <tr className={highlight ? 'just-built' : undefined}>
      <td>
        <a href={href} download={entry.file_name}>
          Download {entry.file_name}
        </a>
      </td>
      <td>{entry.target}</td>
      <td>{entry.precision ?? '—'}</td>
      <td className="num">{formatBytes(entry.size_bytes)}</td>
      <td className="nowrap">{formatDateTime(entry.created_at)}</td>
    </tr>
  );
}
