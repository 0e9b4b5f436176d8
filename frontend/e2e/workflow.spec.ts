// The whole workflow in the browser: project -> upload -> record -> impulse -> features ->
// explorer, asserting what each page shows and saving a screenshot of every page.
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { OWNER } from './accounts';
import { KEYWORDS } from './global-setup';
import { CLIPS_DIR, SCREENSHOTS_DIR, SHARED_AUDIO_DIR } from './paths';

const VIEWER = {
  username: 'e2e-viewer',
  email: 'viewer@example.com',
  password: 'staple battery horse',
};

// Mono clips of the shared set (marvin is stereo), uploaded as LABEL.shared.wav.
const SHARED_CLIPS = ['yes', 'no', 'noise', 'silence'];

test.use({ baseURL: process.env.E2E_BASE_URL });

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}

function uploadFiles(): Array<{ name: string; mimeType: string; buffer: Buffer }> {
  const files = [];
  for (const label of SHARED_CLIPS) {
    const file = path.join(SHARED_AUDIO_DIR, `${label}_1000ms.wav`);
    // Without ../shared (outside CI) the generated clips alone carry the test.
    if (fs.existsSync(file)) {
      files.push({
        name: `${label}.shared.wav`,
        mimeType: 'audio/wav',
        buffer: fs.readFileSync(file),
      });
    }
  }
  for (const name of fs
    .readdirSync(CLIPS_DIR)
    .filter((n) => KEYWORDS.some((k) => n.startsWith(`${k}.`)))) {
    files.push({
      name,
      mimeType: 'audio/wav',
      buffer: fs.readFileSync(path.join(CLIPS_DIR, name)),
    });
  }
  return files;
}

test('from sign-up and a new project to the feature explorer, then sharing it', async ({
  page,
  browser,
}) => {
  const files = uploadFiles();
  const expectedSamples = files.length + 1; // and one microphone recording

  await test.step('sign up through the sign-in page', async () => {
    // Signed out, any page sends the browser to sign in, remembering where it was going.
    await page.goto('/projects');
    await expect(page).toHaveURL(/\/signin$/);
    await expect(page.getByRole('heading', { name: 'Sign in', level: 1 })).toBeVisible();
    await screenshot(page, '00-sign-in');
    await page.getByRole('link', { name: 'Sign up' }).click();
    await expect(page.getByRole('heading', { name: 'Sign up', level: 1 })).toBeVisible();
    await page.getByLabel('Username').fill(OWNER.username);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    // The server's rule appears beside the field it concerns.
    await expect(page.locator('#signup-password-error')).toContainText('At least 8 characters');
    await screenshot(page, '00-sign-up');
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(/\/projects$/);
    await expect(page.getByTestId('account-username')).toHaveText(OWNER.username);
  });

  await test.step('create a project', async () => {
    await page.goto('/projects');
    await expect(page.getByRole('heading', { name: 'Projects', level: 1 })).toBeVisible();
    await screenshot(page, '01-projects');
    await page.getByLabel('Name').fill('Keyword spotting e2e');
    await page.getByRole('button', { name: 'Create project' }).click();
    await expect(page).toHaveURL(/\/projects\/\d+\/data$/);
    await expect(page.getByRole('heading', { name: 'Data acquisition' })).toBeVisible();
  });

  await test.step('upload the shared and generated keyword clips', async () => {
    await page.locator('#upload-files').setInputFiles(files);
    await page.getByRole('button', { name: `Upload ${files.length} files` }).click();
    await expect(
      page.getByText(`${files.length} stored, 0 refused of ${files.length} files.`),
    ).toBeVisible();
    await expect(page.getByText(`of ${files.length}`, { exact: false }).first()).toBeVisible();
  });

  await test.step('move one clip of each keyword to the test split', async () => {
    for (const keyword of KEYWORDS) {
      await page.locator('#filter-label').selectOption(keyword);
      // Act on the filtered rows, not on the previous list still shown while they load.
      const table = page.locator('table[aria-describedby="dataset-range"]');
      await expect(table).toHaveAttribute('aria-busy', 'false');
      await expect(table.locator('tbody .tag').filter({ hasNotText: keyword })).toHaveCount(0);
      const category = page.getByLabel(`Category of ${keyword}.0.wav`);
      await category.selectOption('testing');
      await expect(category).toHaveValue('testing');
    }
    await page.locator('#filter-label').selectOption('');
  });

  await test.step('record 1 s from the (fake) microphone', async () => {
    await page.locator('#record-label').fill('mic');
    await expect(page.locator('#record-rate')).toHaveValue('16000');
    await page.getByRole('button', { name: 'Start recording' }).click();
    await expect(page.getByText(/Recorded and stored mic\.mic\..*\.wav\./)).toBeVisible();
    await page.locator('#filter-label').selectOption('mic');
    await expect(page.getByRole('link', { name: /^mic\.mic\..*\.wav$/ })).toBeVisible();
    await expect(page.locator('.data-table tbody tr')).toHaveCount(1);
    await screenshot(page, '02-data-acquisition');
  });

  await test.step('motion recording says why it cannot record on a desktop browser', async () => {
    await page.getByLabel('Accelerometer (phone motion sensors)').check();
    await page.locator('#record-label').fill('wave');
    await page.getByRole('button', { name: 'Start recording' }).click();
    await expect(page.getByText(/No motion readings arrived/)).toBeVisible();
  });

  await test.step('the recorded sample: 1 s at 16 kHz, its signal and an audio player', async () => {
    await page.getByRole('link', { name: /^mic\.mic\..*\.wav$/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: /^mic\.mic\./ })).toBeVisible();
    await expect(page.locator('.page-header')).toContainText('16 kHz');
    await expect(page.locator('.page-header')).toContainText(/1(\.0+)? s|1000 ms/);
    await expect(page.locator('audio')).toHaveAttribute('src', /\/samples\/\d+\/wav$/);
    await expect(page.locator('.chart .main-svg').first()).toBeVisible();
    await expect(page.getByText('Add one in Create impulse')).toBeVisible();
    await page.locator('#crop-end_ms').fill('5000');
    await page.getByRole('button', { name: 'Crop sample' }).click();
    await expect(page.locator('#crop-end_ms-error')).toContainText("past the sample's end");
    await screenshot(page, '03-sample');
  });

  await test.step('create an impulse; a refused field shows the server message beside it', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Create impulse' })
      .click();
    await expect(page.getByRole('heading', { name: 'Create impulse', level: 1 })).toBeVisible();
    await expect(
      page.getByText('None stored. Learning blocks are chosen with training.'),
    ).toBeVisible();
    await page.locator('#new-dsp-type').selectOption('mfcc');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(page.locator('.block-card')).toContainText('MFCC');
    await page.getByLabel('Window size (ms)').fill('0');
    await page.getByRole('button', { name: 'Save impulse' }).click();
    await expect(page.locator('#input-window_size_ms-error')).toContainText(/More than 0/);
    // Three windows of each 1 s clip: training needs at least three windows of every label.
    await page.getByLabel('Window size (ms)').fill('500');
    await page.getByLabel('Window increase (ms)').fill('250');
    await page.getByRole('button', { name: 'Save impulse' }).click();
    await expect(page.getByText('Impulse saved.')).toBeVisible();
    await expect(page.locator('#input-window_size_ms-error')).toHaveCount(0);
    await screenshot(page, '04-create-impulse');
  });

  await test.step('the MFCC page: schema form, 422 beside the field, graphs of a window', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'MFCC' })
      .click();
    await expect(page.getByRole('heading', { level: 1, name: 'MFCC' })).toBeVisible();
    // Generated from the schema: the unit in the label, the range in the hint.
    await expect(page.getByLabel('Frame length (s)')).toHaveValue('0.02');
    await expect(page.locator('[id$="-frame_length_s-hint"]')).toContainText(
      'a number, more than 0 and at most 1 s',
    );
    await expect(page.getByLabel('Normalize variance')).not.toBeChecked();
    const coefficients = page.getByLabel('Number of coefficients');
    await expect(coefficients).toHaveValue('13');
    await coefficients.fill('0');
    await page.getByRole('button', { name: 'Save parameters' }).click();
    await expect(page.locator('[id$="-n_coefficients-error"]')).toBeVisible();
    await coefficients.fill('13');
    await page.getByRole('button', { name: 'Save parameters' }).click();
    await expect(page.getByText('Parameters saved.')).toBeVisible();
    await expect(page.getByText(/Features per window: \d+ × \d+/)).toBeVisible();
    await expect(page.locator('.graph .main-svg').first()).toBeVisible();
  });

  await test.step('generate features and see them in the explorer', async () => {
    await page.getByRole('button', { name: 'Generate features', exact: true }).click();
    await expect(page.getByTestId('features-job-state')).toContainText('succeeded', {
      timeout: 90_000,
    });
    await expect(page.getByTestId('features-state')).toContainText(/Ready: \d+ windows/);
    await expect(page.getByTestId('explorer-summary')).toContainText(/\d+ windows, projected with/);
    const points = page.locator('.scatterlayer .point');
    await expect(points.first()).toBeVisible();
    expect(await points.count()).toBeGreaterThanOrEqual(expectedSamples);
    for (const label of ['up', 'down', 'mic']) {
      await expect(page.getByRole('list', { name: 'Windows per label' })).toContainText(
        `${label}:`,
      );
    }
    // The same windows as links, reachable from the keyboard.
    const summary = page.getByText('Windows as a table');
    await summary.focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('.explorer-table tbody tr')).toHaveCount(await points.count());
    await screenshot(page, '05-dsp-block');
  });

  await test.step('the jobs indicator opens the finished job with its streamed log', async () => {
    const indicator = page.locator('.jobs-indicator');
    await expect(indicator.getByTestId('jobs-running')).toHaveText('0');
    // A compact button in the navigation; the last jobs open in a list under it.
    await indicator.getByRole('button', { name: /^Jobs: none running/ }).click();
    await indicator.getByRole('button', { name: /Generate features #\d+/ }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByTestId('job-dialog-state')).toHaveText('succeeded');
    await expect(dialog.getByLabel('Job log')).not.toHaveText('No log lines yet.');
    await screenshot(page, '06-job-log');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  });

  await test.step('a failed job shows its reason in the jobs indicator', async () => {
    // A worker self-check told to fail half-way: no page starts one, so ask the API directly.
    const projectId = /\/projects\/(\d+)\//.exec(page.url())?.[1];
    const csrf = (await page.context().cookies()).find((c) => c.name === 'mcuforge_csrf')?.value;
    const check = await page.request.post(`/api/projects/${projectId}/jobs/check`, {
      data: { seconds: 0.5, steps: 4, fail: true },
      headers: { 'X-CSRF-Token': csrf ?? '' },
    });
    expect(check.status(), await check.text()).toBe(202);
    const failed = page.locator('.jobs-indicator .job-failed');
    await page.locator('.jobs-button').click();
    await expect(failed).toContainText('Worker self-check');
    // The reason is one click further, in the job's dialog.
    await failed.getByRole('button').click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByText(/^Failed: .+/)).toBeVisible();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toBeHidden();
  });

  await test.step('clicking an explorer point opens its sample, with the spectrogram preview', async () => {
    const point = page.locator('.scatterlayer .point').first();
    await point.scrollIntoViewIfNeeded();
    const box = await point.boundingBox();
    expect(box).not.toBeNull();
    // Plotly picks the point under the pointer on hover; the click then reports it.
    await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await page.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await expect(page).toHaveURL(/\/projects\/\d+\/data\/\d+$/);
    await expect(page.getByRole('heading', { name: /Spectrogram \(MFCC block\)/ })).toBeVisible();
    await expect(page.locator('.graph .main-svg').first()).toBeVisible();
    await screenshot(page, '07-sample-from-explorer');
  });

  await test.step('training: add a classifier, edit its layers, read the script, train a few epochs', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Training' })
      .click();
    await expect(page.getByRole('heading', { name: 'Training', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'Add classifier' }).click();
    // Saved with the impulse, the block's layers come from the preset that fits MFCC.
    const layerItems = page.getByRole('list', { name: 'Network layers' }).getByRole('listitem');
    await expect(layerItems.first()).toBeVisible();
    const presetCount = await layerItems.count();
    await page.getByLabel('Layer type').selectOption('dropout');
    await page.getByRole('button', { name: 'Add layer' }).click();
    await expect(layerItems).toHaveCount(presetCount + 1);
    const added = `layer ${presetCount + 1}`;
    await page.locator(`#layer-${presetCount + 1}-rate`).fill('0.1');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(layerItems.last()).toContainText('rate 0.1');
    await page.getByRole('button', { name: `Move ${added} up` }).click();
    await expect(layerItems.nth(presetCount - 1)).toContainText('Dropout: rate 0.1');
    await page.getByRole('button', { name: 'Save network' }).click();
    await expect(page.getByText('Network saved.')).toBeVisible();
    await expect(layerItems.nth(presetCount - 1)).toContainText('Dropout: rate 0.1');

    // Expert mode shows the script the layers generate, in CodeMirror.
    await page.getByLabel('Expert mode (Keras script)').check();
    await expect(page.getByTestId('script-editor').locator('.cm-content')).toContainText(
      'Dropout(0.1)',
    );
    await screenshot(page, '08-training-script');
    await page.getByLabel('Expert mode (Keras script)').uncheck();

    await page.getByLabel('Epochs').fill('0');
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect(page.locator('#train-epochs-error')).toBeVisible();
    await page.getByLabel('Epochs').fill('4');
    await page.getByRole('button', { name: 'Start training' }).click();
    // Fail at once with the job's reason rather than waiting out the timeout.
    await expect(page.getByTestId('train-job-state')).toContainText(/succeeded|failed/, {
      timeout: 120_000,
    });
    await expect(page.getByTestId('train-job-state')).toContainText('succeeded');
    await expect(page.getByLabel('Training log')).toContainText('Epoch 4/4');
    await expect(
      page.getByTestId('training-curves').first().locator('.main-svg').first(),
    ).toBeVisible();
    await expect(page.getByTestId('model-summary')).toContainText('classes');
    await expect(page.getByTestId('accuracy-float32')).toHaveText(/\d+\.\d%/);
    await expect(page.getByTestId('accuracy-int8')).toHaveText(/\d+\.\d%/);
    await expect(page.locator('.confusion-matrix')).toHaveCount(2);
    await screenshot(page, '09-training');
  });

  await test.step('model testing: classify the test split, drill down into one sample', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Model testing' })
      .click();
    await expect(page.getByRole('heading', { name: 'Model testing', level: 1 })).toBeVisible();
    await expect(page.getByText('Not tested yet.')).toBeVisible();
    await page.getByLabel('Uncertain below').fill('2');
    await page.getByRole('button', { name: 'Classify all' }).click();
    await expect(page.locator('#uncertain-below-error')).toContainText('At most 1.');
    await page.getByLabel('Uncertain below').fill('0.5');
    await page.getByRole('button', { name: 'Classify all' }).click();
    await expect(page.getByTestId('test-job-state')).toContainText(/succeeded|failed/, {
      timeout: 90_000,
    });
    await expect(page.getByTestId('test-job-state')).toContainText('succeeded');
    await expect(page.getByTestId('test-sample-accuracy')).toHaveText(/\d+\.\d%/);
    const rows = page.locator('.test-results-table tbody tr');
    await expect(rows.first()).toBeVisible();
    await rows
      .first()
      .getByRole('button', { name: /^Windows of / })
      .click();
    await expect(page.getByTestId('window-classification')).toContainText('windows');
    await expect(page.getByTestId('window-votes')).not.toBeEmpty();
    await screenshot(page, '10-model-testing');
  });

  await test.step('live classification on the server: a test sample, then the (fake) microphone', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Live classification' })
      .click();
    await expect(
      page.getByRole('heading', { name: 'Live classification', level: 1 }),
    ).toBeVisible();
    await expect(page.getByTestId('device-build-status')).toContainText('has no WebAssembly build');
    await page.getByLabel('Sample', { exact: true }).selectOption({ label: 'up.0.wav (up)' });
    await page.getByRole('button', { name: 'Classify', exact: true }).click();
    await expect(page.getByTestId('window-classification')).toContainText('Labelled up');
    await expect(page.locator('.window-classification tbody tr')).toHaveCount(3);
    const samplesUrl = `/api${new URL(page.url()).pathname.replace(/\/live$/, '/samples')}`;
    const countBefore = (await (await page.request.get(samplesUrl)).json()).count;
    await page.getByLabel('Length (s)').fill('2');
    await page.getByRole('button', { name: 'Record and classify' }).click();
    await expect(page.getByTestId('live-record-status')).toContainText(
      'Recorded 2.0 s at 16000 Hz',
      { timeout: 30_000 },
    );
    await expect(page.getByTestId('window-classification')).toContainText('A recording');
    // 2 s in 500 ms windows every 250 ms.
    await expect(page.locator('.window-classification tbody tr')).toHaveCount(7);
    // Classifying a recording stores nothing.
    expect((await (await page.request.get(samplesUrl)).json()).count).toBe(countBefore);
    await screenshot(page, '11-live-classification');
  });

  await test.step('deployment: estimates per board, build the C++ SDK, download it', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Deployment' })
      .click();
    await expect(page.getByRole('heading', { name: 'Deployment', level: 1 })).toBeVisible();
    await page.getByLabel('C++ library').check();
    await page.getByLabel(/^int8/).check();
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await expect(page.getByTestId('build-job-state')).toContainText(/succeeded|failed/, {
      timeout: 120_000,
    });
    await expect(page.getByTestId('build-job-state')).toContainText('succeeded');
    const link = page.locator('.builds-table .just-built a');
    await expect(link).toContainText('_sdk.zip');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const zipPath = path.join(CLIPS_DIR, download.suggestedFilename());
    await download.saveAs(zipPath);
    const listing = execFileSync('python3', ['-m', 'zipfile', '-l', zipPath]).toString();
    expect(listing).toContain('mf_classifier.h');
    expect(listing).toContain('model-parameters/model_metadata.h');
    await expect(page.getByTestId('estimates-table')).toContainText('nano33ble', {
      timeout: 120_000,
    });
    await screenshot(page, '12-deployment');
  });

  await test.step('deployment: build the WebAssembly target', async () => {
    await page.getByLabel('WebAssembly', { exact: true }).check();
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await expect(page.locator('.builds-table .just-built a')).toContainText('_wasm.zip', {
      timeout: 300_000,
    });
  });

  await test.step('live classification with the device build in the browser', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Live classification' })
      .click();
    await expect(page.getByTestId('device-build-status')).toContainText(/Running \S+_wasm\.zip/);
    await page.getByLabel('Sample', { exact: true }).selectOption({ label: 'up.0.wav (up)' });
    await page.getByRole('button', { name: 'Classify', exact: true }).click();
    await expect(page.locator('.device-classification tbody tr')).toHaveCount(3);
    const agreementText = await page.getByTestId('device-agreement').textContent();
    console.log(`device build vs server: ${agreementText}`);
    // Bit for bit on every window, or at least the same answer on every one.
    const agrees = /on all 3 windows, bit for bit|\(the same answer on 3\)/;
    await expect(page.getByTestId('device-agreement')).toContainText(agrees);
    await screenshot(page, '13-live-classification-device');
    // A microphone recording goes through the device build too.
    await page.getByLabel('Length (s)').fill('1');
    await page.getByRole('button', { name: 'Record and classify' }).click();
    await expect(page.getByTestId('window-classification')).toContainText('A recording', {
      timeout: 30_000,
    });
    await expect(page.locator('.device-classification tbody tr')).toHaveCount(3);
    await expect(page.getByTestId('device-agreement')).toContainText(agrees);
    console.log(
      `device build vs server, recording: ${await page.getByTestId('device-agreement').textContent()}`,
    );
  });

  const projectPath = /\/projects\/\d+/.exec(page.url())![0];
  const projectName = 'Keyword spotting e2e';

  await test.step('the owner creates an API key (shown once), makes the project public and adds a viewer', async () => {
    // Sign-up is closed by default after the first account (the owner, hence administrator):
    // the viewer signs up with an invitation link from the Users page.
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
    await page.getByLabel('Email to invite').fill(VIEWER.email);
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const invitationLink = await page.locator('#invitation-link').inputValue();
    expect(invitationLink).toMatch(/\/signup\?invitation=mfi_/);
    await expect(page.getByText('copy this link and send it')).toBeVisible();
    await screenshot(page, '13b-admin-users');
    await page.getByRole('button', { name: 'Done' }).click();
    const invitedContext = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
    const invited = await invitedContext.newPage();
    await invited.goto(invitationLink);
    await expect(invited.getByTestId('signup-invitation')).toContainText(VIEWER.email);
    await invited.getByLabel('Username').fill(VIEWER.username);
    await invited.getByLabel('Password').fill(VIEWER.password);
    await invited.getByRole('button', { name: 'Create account' }).click();
    await expect(invited).toHaveURL(/\/projects$/);
    await invitedContext.close();
    await page.reload();
    await expect(page.getByText('No pending invitations.')).toBeVisible(); // used up
    await page.goto(projectPath);
    await expect(page.getByTestId('project-role')).toHaveText('Owner');
    // The impulse and its latest model's figures.
    await expect(page.getByRole('list', { name: 'Blocks of the impulse' })).toContainText('MFCC');
    await expect(page.getByTestId('latest-models')).toContainText(/\d+\.\d%/);

    await page.getByLabel('Key name').fill('field device');
    await page.getByLabel('Scope').selectOption('ingestion');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await expect(page.locator('#api-key-secret')).toHaveValue(/^\S{16,}$/);
    await expect(page.getByText('it is shown only this once')).toBeVisible();
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.locator('#api-key-secret')).toHaveCount(0);
    const keyRow = page.locator('.api-keys-table tbody tr', { hasText: 'field device' });
    await expect(keyRow).toContainText('ingestion');
    await expect(keyRow).toContainText('never');

    await page.getByLabel('Public project').check();
    await expect(page.locator('.page-header')).toContainText('public');

    await page.getByLabel('Username or email').fill('nobody-here');
    await page.getByRole('button', { name: 'Add collaborator' }).click();
    await expect(page.locator('#member-user-error')).toBeVisible();
    await page.getByLabel('Username or email').fill(VIEWER.email);
    await page.locator('#member-role').selectOption('viewer');
    await page.getByRole('button', { name: 'Add collaborator' }).click();
    const viewerRow = page.locator('.members-table tbody tr', { hasText: VIEWER.username });
    await expect(viewerRow.getByLabel(`Role of ${VIEWER.username}`)).toHaveValue('viewer');
    await screenshot(page, '14-dashboard-owner');
  });

  await test.step('sign out, then sign in again and land on the page asked for', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/signin$/);
    // Closed sign-up (the default): no sign-up link once the administrator exists.
    await expect(page.getByText('Accounts are made by invitation')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Sign up' })).toHaveCount(0);
    await page.goto(`${projectPath}/data`);
    await expect(page).toHaveURL(/\/signin\?next=%2Fprojects%2F\d+%2Fdata$/);
    await page.getByLabel('Username or email').fill(OWNER.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('#signin-password-error')).toContainText('wrong password');
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(new RegExp(`${projectPath}/data$`));
    await expect(page.getByRole('heading', { name: 'Data acquisition' })).toBeVisible();
  });

  await test.step('a viewer reads the project without editing controls, then clones it', async () => {
    const context = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
    const viewer = await context.newPage();
    await viewer.goto(`${projectPath}/data`);
    await viewer.getByLabel('Username or email').fill(VIEWER.username);
    await viewer.getByLabel('Password').fill(VIEWER.password);
    await viewer.getByRole('button', { name: 'Sign in' }).click();
    await expect(viewer.getByRole('heading', { name: 'Data acquisition' })).toBeVisible();
    await expect(viewer.locator('.data-table tbody tr').first()).toBeVisible();
    // Nothing that the server would refuse a viewer (403).
    await expect(viewer.locator('#upload-files')).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: 'Start recording' })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: /^Delete / })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: /^Relabel / })).toHaveCount(0);
    await screenshot(viewer, '15-data-acquisition-viewer');
    await viewer.goto(projectPath);
    await expect(viewer.getByTestId('project-role')).toHaveText('Viewer');
    await expect(viewer.getByRole('heading', { name: 'Collaborators' })).toHaveCount(0);
    await expect(viewer.getByRole('heading', { name: 'API keys' })).toHaveCount(0);
    await viewer.goto(`${projectPath}/impulse`);
    await expect(viewer.getByTestId('read-only-note')).toBeVisible();
    await expect(viewer.getByRole('button', { name: 'Save impulse' })).toHaveCount(0);

    await viewer
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Public projects' })
      .click();
    await expect(viewer.getByRole('heading', { name: 'Public projects', level: 1 })).toBeVisible();
    await screenshot(viewer, '16-public-projects');
    await viewer.getByRole('button', { name: `Clone ${projectName}` }).click();
    // The clone job runs in the new project; the page opens that project when it is done.
    await expect(viewer).not.toHaveURL(/\/public$/, { timeout: 60_000 });
    await expect(viewer).toHaveURL(/\/projects\/\d+$/);
    expect(viewer.url()).not.toContain(projectPath + '/');
    expect(new URL(viewer.url()).pathname).not.toBe(projectPath);
    await expect(viewer.getByTestId('project-role')).toHaveText('Owner');
    await expect(viewer.locator('.stats')).toContainText(String(expectedSamples));
    await screenshot(viewer, '17-cloned-project');

    await viewer.getByRole('link', { name: 'Account and tokens' }).click();
    await viewer.getByLabel('Token name').fill('ci');
    await viewer.getByRole('button', { name: 'Create token' }).click();
    await expect(viewer.locator('#token-secret')).toHaveValue(/^\S{16,}$/);
    await screenshot(viewer, '18-account');
    await context.close();
  });
});
