// Drives drorch serve's web UI in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) as an operator would:
// signs in with the token, plans and starts a run of a README payload
// (uploaded as a file) and watches it succeed live; starts a run that waits
// for a ManualApproval, approves it from its page and watches the run
// finish; opens the report. It prints one JSON object on stdout with what
// it saw (every request made, dialogs, console errors, statuses, live
// update timings) and saves screenshots in --out-dir.
//
//   node serve-ui.mjs --url http://127.0.0.1:PORT --token T --readme FILE --gated FILE --out-dir DIR
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({ options: {
  url: { type: 'string' }, token: { type: 'string' }, readme: { type: 'string' }, gated: { type: 'string' },
  'gated-text': { type: 'string' }, 'out-dir': { type: 'string' },
} });
for (const k of ['url', 'token', 'readme', 'gated-text', 'out-dir']) {
  if (!a[k]) { console.error('usage: node serve-ui.mjs --url URL --token T --readme FILE --gated-text TEXT --out-dir DIR'); process.exit(2); }
}
const out = (name) => join(a['out-dir'], 'serve-' + name + '.png');
const result = { requests: [], foreign: [], failed: [], dialogs: [], consoleErrors: [], steps: [] };
const t0 = Date.now();
const step = (s) => result.steps.push(s + ' @' + (Date.now() - t0) + 'ms');
const T = 30000;

const profile = mkdtempSync(join(tmpdir(), 'drorch-ui-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1366, height: 768 }, acceptDownloads: true, timeout: 60000,
  });
  context.on('request', (r) => {
    const u = r.url();
    result.requests.push(r.method() + ' ' + u);
    if (!u.startsWith(a.url + '/') && !u.startsWith('blob:' + a.url + '/') && u !== 'about:blank') result.foreign.push(u);
    if (/[?&](token|access_token)=/i.test(u)) result.foreign.push('token in URL: ' + u);
  });
  // A run's event stream that the page read to its end is still reported
  // aborted when the page is left (Chromium's accounting of streamed
  // bodies): those are kept apart, and the pages' own counts say whether
  // each stream was read to its end.
  result.abortedStreams = [];
  context.on('requestfailed', (r) => {
    const f = (r.failure() || {}).errorText;
    if (/\/stream$/.test(r.url()) && f === 'net::ERR_ABORTED') result.abortedStreams.push(r.url());
    else result.failed.push(r.url() + ' ' + f);
  });
  const watch = (page) => {
    page.on('dialog', (d) => { result.dialogs.push(d.message()); d.dismiss(); });
    page.on('console', (m) => { if (m.type() === 'error') result.consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => result.consoleErrors.push('page error: ' + e.message));
  };
  const page = await context.newPage();
  watch(page);

  // Signing in: the UI sends to the login page, which keeps the token.
  await page.goto(a.url + '/ui/');
  await page.waitForURL('**/ui/login**', { timeout: T });
  await page.screenshot({ path: out('login') });
  await page.fill('#token', 'not-the-token-000000');
  await page.click('#login-form button');
  await page.locator('#status.error').waitFor({ timeout: T });
  result.badTokenMessage = await page.locator('#status').innerText();
  await page.fill('#token', a.token);
  await page.click('#login-form button');
  await page.waitForURL(a.url + '/ui/', { timeout: T });
  await page.locator('#who').filter({ hasText: 'signed in as' }).waitFor({ timeout: T });
  result.who = await page.locator('#who').innerText();
  // The refused token's 401 is the one error expected: said, then cleared.
  result.signInConsole = result.consoleErrors.splice(0);
  result.signInFailed = result.failed.splice(0);
  step('signed in');

  // 1. A README payload, uploaded as a file: plan, start, watch.
  await page.click('a[data-nav="new"]');
  await page.waitForURL('**/ui/new');
  await page.setInputFiles('#payload-file', a.readme);
  await page.waitForFunction(() => document.getElementById('payload').value.includes('StatePayload'));
  await page.fill('#region', 'us-west-2');
  await page.click('#plan-form button[type="submit"]');
  await page.locator('section.plan').waitFor({ timeout: T });
  result.readmePlan = { blocked: await page.locator('section.plan').getAttribute('data-blocked'),
    text: (await page.locator('section.plan').innerText()).slice(0, 2000) };
  await page.screenshot({ path: out('plan'), fullPage: true });
  await page.click('button[data-action="start"]');
  await page.waitForURL('**/ui/runs/*', { timeout: T });
  result.readmeRun = page.url().split('/').pop();
  await page.locator('#run-status').filter({ hasText: 'succeeded' }).waitFor({ timeout: T });
  step('README run shown succeeded');
  // The stream ends with the run: wait for its end event before leaving.
  await page.waitForFunction(() => window.drorchStream.ended, null, { timeout: T });
  result.readmeStream = await page.evaluate(() => ({ c: window.drorchStream.connections, done: window.drorchStream.completed }));
  result.readmeResources = await page.locator('tr.resource').evaluateAll((rows) => rows.map((r) => r.dataset.status));
  result.readmeBars = await page.locator('#timeline svg.timeline rect.bar').count();
  result.readmeLive = await page.evaluate(() => window.drorchStream.received.length);
  await page.screenshot({ path: out('run-succeeded'), fullPage: true });
  step('README run succeeded');

  // 2. A run that waits for a person: watched live, approved from its page.
  await page.click('a[data-nav="new"]');
  await page.waitForURL('**/ui/new');
  await page.fill('#payload', a['gated-text']);
  await page.click('#plan-form button[type="submit"]');
  await page.locator('section.plan').waitFor({ timeout: T });
  const navigations = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });
  await page.click('button[data-action="start"]');
  await page.waitForURL('**/ui/runs/*', { timeout: T });
  result.gatedRun = page.url().split('/').pop();
  await page.locator('form.approval').waitFor({ timeout: T });
  result.waitingStatus = await page.locator('#run-status').innerText();
  result.gateRow = await page.locator('tr.resource').first().innerText();
  result.approvalText = await page.locator('form.approval').innerText();
  await page.screenshot({ path: out('run-waiting'), fullPage: true });
  const before = await page.evaluate(() => window.drorchStream.received.length);
  await page.fill('form.approval input[name="comment"]', 'replication lag is 0 s <b>ok</b>');
  // A live refresh while the operator types keeps what they typed.
  await page.evaluate(() => window.drorchRefresh());
  result.commentKept = await page.inputValue('form.approval input[name="comment"]');
  const clicked = Date.now();
  await page.click('form.approval button[data-action="approve"]');
  await page.locator('#run-status').filter({ hasText: 'succeeded' }).waitFor({ timeout: T });
  result.approveToSucceededMs = Date.now() - clicked;
  await page.waitForFunction(() => window.drorchStream.ended, null, { timeout: T });
  result.gatedStream = await page.evaluate(() => ({ c: window.drorchStream.connections, done: window.drorchStream.completed }));
  result.gatedResources = await page.locator('tr.resource').evaluateAll((rows) => rows.map((r) => r.dataset.status));
  result.gatedRowsText = await page.locator('table.resources').allInnerTexts();
  result.navigationsWhileLive = navigations.length; // the page itself, once: updates came live
  const stream = await page.evaluate(() => window.drorchStream);
  result.eventsAfterApproval = stream.received.length - before;
  // Latency of the events journaled after the click (live ones only): from
  // the journal's timestamp to the browser's receipt (same machine clock).
  const lat = stream.received.filter((r) => Date.parse(r.time) >= clicked).map((r) => r.at - Date.parse(r.time)).sort((x, y) => x - y);
  result.sseLatencyMs = { n: lat.length, median: lat[Math.floor(lat.length / 2)], p90: lat[Math.floor(lat.length * 0.9)], max: lat[lat.length - 1] };
  result.elapsedShown = await page.locator('dl.facts').innerText();
  await page.screenshot({ path: out('run-approved'), fullPage: true });
  step('gated run approved and succeeded');

  // The page printed: no buttons, the timeline kept.
  await page.emulateMedia({ media: 'print' });
  result.printHidesButtons = !(await page.locator('.actions').isVisible());
  result.printTimelineWidth = ((await page.locator('#timeline svg').boundingBox()) || {}).width || 0;
  await page.screenshot({ path: out('run-print'), fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  const scroll = await page.locator('html').evaluate((e) => ({ sw: e.scrollWidth, cw: e.clientWidth }));
  result.fitsLaptop = scroll.sw <= scroll.cw;

  // 3. The report, opened from the run's page.
  const [report] = await Promise.all([context.waitForEvent('page', { timeout: T }), page.click('button[data-action="report"]')]);
  watch(report);
  await report.waitForLoadState('load');
  await report.locator('svg.timeline').waitFor({ timeout: T });
  result.report = {
    title: await report.title(),
    bars: await report.locator('svg.timeline rect.bar').count(),
    styled: await report.evaluate(() => getComputedStyle(document.querySelector('main')).maxWidth !== 'none' ||
      getComputedStyle(document.body).margin !== '8px'),
    scripts: await report.locator('script').count(),
    text: (await report.locator('body').innerText()).slice(0, 6000),
  };
  await report.screenshot({ path: out('report'), fullPage: true });
  step('report opened');

  // 4. The runs list shows both.
  await page.goto(a.url + '/ui/');
  await page.locator('table.list tbody tr').nth(1).waitFor({ timeout: T });
  result.listed = await page.locator('table.list tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.run));
  await page.screenshot({ path: out('runs'), fullPage: true });
  result.tokenInStorage = await page.evaluate(() => !!sessionStorage.getItem('drorch.token'));
  result.cookies = (await context.cookies()).length;
} catch (e) {
  result.error = String(e && e.stack || e);
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(result) + '\n');
