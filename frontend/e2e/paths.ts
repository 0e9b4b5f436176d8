// Where the end-to-end run keeps what it makes: git-ignored test-artifacts/ at the repository root.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FRONTEND_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = path.resolve(FRONTEND_DIR, '..');
export const ARTIFACTS_DIR = path.join(REPO_DIR, 'test-artifacts');
export const SCREENSHOTS_DIR = path.join(ARTIFACTS_DIR, 'screenshots');
/** Keyword clips made with espeak-ng + sox by the global setup, one folder per run. */
export const CLIPS_DIR = path.join(ARTIFACTS_DIR, 'e2e-clips');
/** What Chromium's fake microphone plays (written by the global setup before any page opens). */
export const FAKE_MIC_WAV = path.join(CLIPS_DIR, 'fake-microphone.wav');
export const SHARED_AUDIO_DIR = path.join(REPO_DIR, '..', 'shared', 'audio');
