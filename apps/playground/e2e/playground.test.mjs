/**
 * End-to-end test of the BUILT playground (dist/, made by `vite build` after the libraries' build)
 * in Debian's headless Chromium driven by playwright-core. Serves dist/ from a tiny static server
 * on 127.0.0.1, drives the page with the keyboard, trains the deuteron for a few seconds and checks
 * that the energy went down toward the exact value, that the plots rendered, Stop/Resume, the
 * downloads and that errors appear in the page. Run: `pnpm --filter playground test`.
 *
 * Needs /usr/bin/chromium (Debian package `chromium`); never downloads a browser.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '..', 'dist');
const artifacts = resolve(here, '..', 'e2e-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** How long the deuteron trains before the checks (wall time, on a loaded 2-core machine). */
const TRAIN_MS = Number(process.env.PLAYGROUND_TRAIN_MS ?? 8000);

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

let server;
let baseUrl;
let context;
let page;
let profile;
const consoleErrors = [];

function serveDist() {
  return new Promise((res) => {
    const s = createServer((req, reply) => {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      let file = normalize(join(dist, path));
      if (!file.startsWith(dist)) {
        reply.writeHead(403).end();
        return;
      }
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!existsSync(file)) {
        reply.writeHead(404).end('not found');
        return;
      }
      reply.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      reply.end(readFileSync(file));
    });
    s.listen(0, '127.0.0.1', () => res(s));
  });
}

const text = (id) => page.locator(`#${id}`).innerText();

/** Press Tab until the element with `id` has focus (keyboard-only navigation). */
async function tabTo(id, max = 60) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((x) => document.activeElement?.id === x, id)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`#${id} was not reached with Tab in ${max} presses`);
}

/** Replace the value of a text/number field using the keyboard only. */
async function typeInto(id, value) {
  await tabTo(id);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(value);
}

async function download(id) {
  const [d] = await Promise.all([page.waitForEvent('download'), (async () => {
    await tabTo(id);
    await page.keyboard.press('Enter');
  })()]);
  const path = join(artifacts, d.suggestedFilename());
  await d.saveAs(path);
  return { name: d.suggestedFilename(), path };
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); the e2e test never downloads a browser`);
  assert.ok(existsSync(join(dist, 'index.html')), `${dist}/index.html is missing: run \`pnpm build\` (turbo builds the libraries, then the playground)`);
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  server = await serveDist();
  baseUrl = `http://127.0.0.1:${server.address().port}/`;
  profile = mkdtempSync(join(tmpdir(), 'nqs-playground-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1500 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(baseUrl);
});

after(async () => {
  await context?.close();
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('bad input is reported in the page (alert region), not only in the console', async () => {
  await page.goto(baseUrl);
  await typeInto('hidden', '-3');
  await page.keyboard.press('Enter'); // Enter in a form field submits (= Train)
  await page.waitForFunction(() => document.getElementById('error').textContent.includes('hidden units'));
  assert.match(await text('error'), /hidden units: '-3' is not allowed/);
  assert.equal(await page.locator('#hidden').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'hidden', 'focus returns to the bad field');
  assert.equal(await page.locator('#stop').isDisabled(), true, 'no training started');

  // a library error from the worker (unknown mesh spec) also lands in the alert region
  await typeInto('hidden', '60');
  await typeInto('mesh', 'paper:abc');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('error').textContent.length > 0, null, { timeout: 60_000 });
  assert.match(await text('error'), /mesh|paper:abc/i);
  assert.equal(await page.locator('#train').isDisabled(), false, 'Train is usable again after an error');

  // no backend: WebGPU requested in a browser without a GPU (--disable-gpu) → named error in the page
  await typeInto('mesh', 'paper64');
  await tabTo('backend-pref');
  await page.keyboard.press('Home'); // first option (auto), then one down = webgpu
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('#backend-pref').inputValue(), 'webgpu');
  await tabTo('train');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Backend/.test(document.getElementById('error').textContent), null, { timeout: 60_000 });
  assert.match(await text('error'), /PlaygroundBackendInputError: no backend could be started: webgpu: /);
});

test('keyboard-only: the deuteron trains in a worker, the energy decreases toward the exact value, plots render', async () => {
  await page.goto(baseUrl);
  consoleErrors.length = 0;
  // defaults: lo500, paper64, 1sc, 60 hidden, sigmoid, L-BFGS; make the run short and deterministic
  await typeInto('pretrain', '300');
  await tabTo('train');
  const t0 = Date.now();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.body.dataset.state === 'running', null, { timeout: 60_000 });
  const startup = (Date.now() - t0) / 1000;
  const backend = await text('backend');
  assert.match(backend, /^(webgpu|webgl|wasm|cpu): /, `backend shown: ${backend}`);

  // the page stays responsive while the worker trains: a 0 ms timer fires promptly
  const lag = await page.evaluate(() => new Promise((r) => { const t = performance.now(); setTimeout(() => r(performance.now() - t), 0); }));
  assert.ok(lag < 250, `main thread blocked for ${lag} ms`);

  // Stop and Resume (keyboard) while the pre-training runs (the energy phase can converge to the
  // float32 floor in well under a second, so it is no place for a timing-dependent check)
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'running', 'still pre-training right after the first progress report');
  await tabTo('stop');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.body.dataset.state === 'stopped');
  const iterStopped = Number(await text('n-iter'));
  const energyStopped = Number(await text('n-energy'));
  await page.waitForTimeout(500);
  assert.equal(Number(await text('n-iter')), iterStopped, 'nothing moves after Stop');
  assert.equal(await page.locator('#resume').isDisabled(), false);
  await tabTo('resume');
  await page.keyboard.press(' '); // Space works on buttons too
  await page.waitForFunction((n) => Number(document.getElementById('n-iter').textContent) > n + 5, iterStopped, { timeout: 60_000 });

  await page.waitForFunction(() => /energy/.test(document.getElementById('n-phase').textContent), null, { timeout: 60_000 });
  const tEnergy = Date.now();

  // train until converged or TRAIN_MS after the energy phase began, then stop
  await page.waitForFunction(() => document.body.dataset.state === 'done', null, { timeout: Math.max(1000, TRAIN_MS - (Date.now() - tEnergy)) }).catch(() => {});
  await page.screenshot({ path: join(artifacts, 'playground-training.png'), fullPage: true });
  if ((await page.evaluate(() => document.body.dataset.state)) === 'running') {
    await tabTo('stop');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.body.dataset.state === 'stopped');
  }
  const exact = Number(await text('n-exact'));
  const energy = Number(await text('n-energy'));
  assert.ok(Number.isFinite(exact) && exact < -1 && exact > -3, `exact LO500 deuteron energy ≈ −2.2 MeV, got ${exact}`);
  assert.ok(energy >= exact - 1e-4 * Math.abs(exact), `variational: E = ${energy} ≥ E_exact = ${exact}`);
  assert.ok(energy <= energyStopped + 1e-6 * Math.abs(exact), `resume kept improving: ${energy} ≤ ${energyStopped}`);
  const rel = (energy - exact) / Math.abs(exact);

  // the history (downloaded as CSV) shows the decrease
  const csv = await download('dl-csv');
  const rows = readFileSync(csv.path, 'utf8').trim().split('\n');
  assert.equal(rows[0], 'phase,iteration,step,loss,energyMeV,relativeError,infidelityS,infidelityD,pD,seconds');
  const recs = rows.slice(1).map((r) => r.split(','));
  const energyRecs = recs.filter((r) => r[0] === 'energy').map((r) => Number(r[4]));
  assert.ok(energyRecs.length >= 20, `at least 20 energy iterations (got ${energyRecs.length})`);
  const first = energyRecs[0];
  const last = energyRecs[energyRecs.length - 1];
  assert.ok(last < first, `energy decreased: first ${first}, last ${last}`);
  assert.ok(last - exact < 0.25 * (first - exact), `energy moved toward the exact value: first ${first}, last ${last}, exact ${exact}`);
  assert.ok(rel < 1e-2, `relative error after a few seconds ${rel} < 1e-2`);
  assert.ok(Math.abs(last - energy) < 1e-9 * Math.abs(exact) + 1e-6, `CSV last energy ${last} = shown ${energy}`);

  // plots rendered: ψ with 4 curves (network and exact S, D), energy and convergence plots
  for (const id of ['plot-psi', 'plot-energy', 'plot-fidelity']) {
    const paths = await page.locator(`#${id} svg path, #${id} svg polyline`).count();
    assert.ok(paths >= 1, `${id} has drawn curves (${paths})`);
  }
  assert.ok((await page.locator('#plot-psi svg').innerHTML()).includes('ψ_S network'), 'ψ plot has the network curve');

  // downloads: JSON, ψ CSV, SVG, PNG
  const json = JSON.parse(readFileSync((await download('dl-json')).path, 'utf8'));
  assert.ok(Math.abs(json.exactEnergyMeV - exact) < 1e-5, 'JSON has the exact energy');
  assert.equal(json.params.length, json.numParams);
  assert.equal(json.psiS.length, 64);
  const psiCsv = readFileSync((await download('dl-psi-csv')).path, 'utf8').trim().split('\n');
  assert.equal(psiCsv.length, 65);
  const svg = readFileSync((await download('dl-svg')).path, 'utf8');
  assert.match(svg, /^<svg[\s\S]*ψ_S network[\s\S]*<\/svg>$/);
  const png = readFileSync((await download('dl-png')).path);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.ok(png.length > 10_000, `PNG has content (${png.length} bytes)`);

  await page.screenshot({ path: join(artifacts, 'playground.png'), fullPage: true });
  writeFileSync(join(artifacts, 'summary.json'), JSON.stringify({ backend, startupSeconds: startup, exact, energy, relativeError: rel, energyAtStop: energyStopped, energyIterations: energyRecs.length }, null, 2));
  console.log(`# backend ${backend}; startup ${startup.toFixed(1)} s; final state ${await page.evaluate(() => document.body.dataset.state)}: E = ${energy} MeV (exact ${exact}), rel. error ${rel.toExponential(2)}, ${energyRecs.length} energy iterations`);
  assert.deepEqual(consoleErrors.filter((e) => !/favicon/.test(e)), [], 'no console errors');
});

test('1D fermions: trains in a worker, density and pair distribution render, Stop/Resume continue the run', async () => {
  await page.goto(baseUrl);
  consoleErrors.length = 0;
  await typeInto('f-walkers', '256');
  await typeInto('f-pretrain', '10');
  await typeInto('f-epochs', '40');
  await tabTo('f-train');
  await page.keyboard.press('Enter');
  const state = () => page.evaluate(() => document.getElementById('fermions-form').closest('section').dataset.state);
  await page.waitForFunction(() => Number(document.getElementById('f-epoch').textContent) >= 3 && /energy/.test(document.getElementById('f-phase').textContent), null, { timeout: 90_000 });
  await tabTo('f-stop');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('fermions-form').closest('section').dataset.state === 'stopped', null, { timeout: 30_000 });
  const epochStopped = Number(await text('f-epoch'));
  assert.ok(epochStopped < 40, `stopped before the end (epoch ${epochStopped})`);
  await tabTo('f-resume');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('fermions-form').closest('section').dataset.state === 'done', null, { timeout: 120_000 });
  assert.equal(await state(), 'done');
  assert.equal(Number(await text('f-epoch')), 40, 'resume ran the remaining epochs');
  const [e, err] = (await text('f-energy')).split('±').map(Number);
  assert.ok(Number.isFinite(e) && e > 0 && e < 5 && err >= 0, `energy ${e} ± ${err} ħω is finite and in range`);
  assert.match(await page.locator('#f-plot-density svg').innerHTML(), /n\(x\) walkers/);
  assert.ok((await page.locator('#f-plot-pair svg rect').count()) > 100, 'pair distribution heat map drawn');
  assert.ok((await page.locator('#f-plot-energy svg').count()) === 1, 'energy plot drawn');
  // the reference (A = 2 grid, exact) arrives from its own worker
  await page.waitForFunction(() => /grid/.test(document.getElementById('f-ref').textContent), null, { timeout: 60_000 });
  const json = JSON.parse(readFileSync((await download('f-dl-json')).path, 'utf8'));
  const dx = json.density.x[1] - json.density.x[0];
  const integral = json.density.n.reduce((s, v) => s + v * dx, 0);
  assert.ok(Math.abs(integral - 2) < 0.05, `∫n dx = ${integral} ≈ A = 2`);
  assert.equal(json.history.filter((h) => h.phase === 'train').length, 40);
  assert.equal(json.checkpoint.format, 'nqs-fermions-checkpoint');
  await page.screenshot({ path: join(artifacts, 'playground-fermions.png'), fullPage: true });
  console.log(`# fermions A=2 V0=-10, 256 walkers, 40 epochs: E = ${e} ± ${err}; reference ${await text('f-ref')}`);
  assert.deepEqual(consoleErrors.filter((x) => !/favicon/.test(x)), [], 'no console errors');
});
