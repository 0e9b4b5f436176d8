// Starts the platform (API server + one worker, embedded broker, SQLite in a temporary data
// directory) on a free port, and makes the keyword clips; the returned function stops it all.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { CLIPS_DIR, FAKE_MIC_WAV, FRONTEND_DIR, REPO_DIR, SCREENSHOTS_DIR } from './paths';

// Two keywords, four voices each: enough windows per label for the feature explorer.
export const KEYWORDS = ['up', 'down'];
const VOICES: ReadonlyArray<[string, string]> = [
  ['140', '40'],
  ['170', '50'],
  ['200', '60'],
  ['230', '70'],
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function makeClips(): void {
  fs.rmSync(CLIPS_DIR, { recursive: true, force: true });
  fs.mkdirSync(CLIPS_DIR, { recursive: true });
  const raw = path.join(CLIPS_DIR, 'raw.wav');
  for (const word of KEYWORDS) {
    VOICES.forEach(([speedWpm, pitch], index) => {
      execFileSync('espeak-ng', ['-s', speedWpm, '-p', pitch, '-w', raw, word]);
      // 16 kHz mono 16-bit, padded or cut to exactly 1 s like the shared clips.
      const clip = path.join(CLIPS_DIR, `${word}.${index}.wav`);
      // -V1: errors only (sox warns about the pad effect even when it pads as asked).
      execFileSync('sox', [
        '-V1',
        raw,
        '-r',
        '16000',
        '-c',
        '1',
        '-b',
        '16',
        clip,
        'pad',
        '0',
        '1',
        'trim',
        '0',
        '1',
      ]);
    });
  }
  // The fake microphone says "up" again and again (Chromium loops the file).
  execFileSync('sox', [path.join(CLIPS_DIR, 'up.0.wav'), '-r', '48000', FAKE_MIC_WAV]);
  fs.rmSync(raw);
}

async function waitForHealth(
  baseUrl: string,
  server: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null)
      throw new Error(`mcuforge run exited (${server.exitCode}):\n${log()}`);
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`mcuforge run did not answer /api/health within 90 s:\n${log()}`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!fs.existsSync(path.join(FRONTEND_DIR, 'dist', 'index.html'))) {
    throw new Error('frontend/dist is missing: run `npm run build` before the end-to-end tests.');
  }
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  makeClips();
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcuforge-e2e-'));
  // MCUFORGE_E2E_ROOT runs the backend from another checkout (e.g. a clean export of HEAD).
  const root = process.env.MCUFORGE_E2E_ROOT ?? REPO_DIR;
  const venvBin = path.join(REPO_DIR, '.venv', 'bin');
  const [command, args] = process.env.MCUFORGE_E2E_ROOT
    ? [path.join(venvBin, 'python'), ['-m', 'backend.cli', 'run', '--port', String(port)]]
    : [path.join(venvBin, 'mcuforge'), ['run', '--port', String(port)]];
  let output = '';
  const server = spawn(command, args, {
    cwd: root,
    env: {
      ...process.env,
      MCUFORGE_DATA_DIR: dataDir,
      MCUFORGE_FRONTEND_DIST: path.join(FRONTEND_DIR, 'dist'),
      MCUFORGE_HOST: '127.0.0.1',
      TF_CPP_MIN_LOG_LEVEL: '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(baseUrl, server, () => output);
  } catch (error) {
    server.kill('SIGKILL');
    throw error;
  }
  process.env.E2E_BASE_URL = baseUrl;

  return async () => {
    if (server.exitCode === null) {
      // `mcuforge run` stops its worker on SIGTERM; give it the time it takes, then insist.
      server.kill('SIGTERM');
      const stopped = await Promise.race([
        new Promise<boolean>((resolve) => server.once('exit', () => resolve(true))),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 25_000)),
      ]);
      if (!stopped) server.kill('SIGKILL');
    }
    // The server's last output stays with the artifacts, for reading after a failure.
    fs.writeFileSync(path.join(CLIPS_DIR, 'server.log'), output);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
