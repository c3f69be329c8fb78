// Opens HTML reports in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core), with JavaScript disabled and a fresh profile,
// and prints what a reader gets, one JSON line per page on stdout: every
// network request the page made, the timeline's bars with their sizes,
// whether the page fits a laptop screen, whether the timeline survives
// printing, and the page's text. It saves screenshots (screen and print)
// and a PDF of each page in --out-dir, named after the page.
//
//   node open-report.mjs --out-dir artifacts a.html b.html
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { 'out-dir': { type: 'string' } }, allowPositionals: true });
if (!values['out-dir'] || positionals.length === 0) {
  console.error('usage: node open-report.mjs --out-dir DIR FILE.html...');
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), 'drorch-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    javaScriptEnabled: false, // the report must read without scripts
    viewport: { width: 1366, height: 768 }, // a laptop
    timeout: 60000,
  });
  for (const file of positionals) {
    const out = join(values['out-dir'], basename(file, '.html'));
    process.stdout.write(JSON.stringify(await open(context, pathToFileURL(resolve(file)).href, out)) + '\n');
  }
} finally {
  if (context) await context.close();
  rmSync(profile, { recursive: true, force: true });
}

async function open(context, url, out) {
  const result = { url, requests: [], failed: [], consoleMessages: [], dialogs: [] };
  const onRequest = (r) => result.requests.push(r.url());
  const onFailed = (r) => result.failed.push(r.url());
  context.on('request', onRequest);
  context.on('requestfailed', onFailed);
  const page = await context.newPage();
  page.on('console', (m) => result.consoleMessages.push(m.text()));
  page.on('dialog', (d) => { result.dialogs.push(d.message()); d.dismiss(); });
  await page.goto(url, { waitUntil: 'load' });

  result.title = await page.title();
  result.svgCount = await page.locator('svg.timeline').count();
  const bars = page.locator('svg.timeline rect.bar');
  result.bars = [];
  for (let i = 0; i < await bars.count(); i++) {
    const b = bars.nth(i);
    const box = await b.boundingBox();
    result.bars.push({ id: await b.getAttribute('id'), status: await b.getAttribute('data-status'),
      width: box ? box.width : 0, height: box ? box.height : 0 });
  }
  result.calls = await page.locator('svg.timeline path.call').count();
  const svgBox = await page.locator('svg.timeline').boundingBox();
  result.svgWidth = svgBox ? svgBox.width : 0;
  const scroll = await page.locator('html').evaluate((e) => ({ sw: e.scrollWidth, cw: e.clientWidth }));
  result.fitsLaptop = scroll.sw <= scroll.cw;
  result.scriptElements = await page.locator('script').count();
  result.text = await page.locator('body').innerText();
  await page.screenshot({ path: out + '.png', fullPage: true });

  await page.emulateMedia({ media: 'print' });
  const printBox = await page.locator('svg.timeline').boundingBox();
  result.printSvgWidth = printBox ? printBox.width : 0;
  await page.screenshot({ path: out + '-print.png', fullPage: true });
  await page.pdf({ path: out + '.pdf', format: 'A4', printBackground: true });
  await page.close();
  context.off('request', onRequest);
  context.off('requestfailed', onFailed);
  return result;
}
