// End-to-end tests: Debian's Chromium (never a downloaded browser) against a real backend and
// worker that e2e/global-setup.ts starts with `mcuforge run` on a free port.
import { defineConfig } from '@playwright/test';
import path from 'node:path';

import { ARTIFACTS_DIR, FAKE_MIC_WAV } from './e2e/paths';

export default defineConfig({
  testDir: 'e2e',
  globalSetup: './e2e/global-setup.ts',
  outputDir: path.join(ARTIFACTS_DIR, 'playwright'),
  // One backend, one worker process and two CPU cores: the steps run in order, one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 150_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  // The workflow spec signs the first account (the administrator) up through the UI, so it runs
  // first; the other specs sign in as that account (e2e/accounts.ts). Run one of them on its
  // own with `--no-deps`: it then makes the account itself.
  projects: [
    { name: 'workflow', testMatch: 'workflow.spec.ts' },
    { name: 'after-workflow', testIgnore: 'workflow.spec.ts', dependencies: ['workflow'] },
  ],
  use: {
    viewport: { width: 1280, height: 800 },
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-audio-capture=${FAKE_MIC_WAV}`,
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
    // Motion sensors allowed too: a desktop has none, and the page must say so.
    permissions: ['microphone', 'accelerometer', 'gyroscope'],
  },
});
