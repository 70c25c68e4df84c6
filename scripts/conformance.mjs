#!/usr/bin/env node
// Runs the official MCP conformance suite (@modelcontextprotocol/conformance) against
// mcp-serve serving examples/everything, once per protocol revision:
//   2025-11-25  with the newest stable release of the suite
//   2026-07-28  with the newest pre-release (the stable line has no 2026-07-28 scenarios)
// and prints one table of every scenario's verdict. Each run passes the suite its
// baseline, conformance/expected-failures.<revision>.yaml, and this script exits
// non-zero exactly when a suite run does (an unexpected failure or a stale baseline entry).
//
//   npm run conformance
//   npm run conformance -- --revision 2026-07-28 --scenario server-stateless
//   npm run conformance -- --config path/to/another/mcp-oauth.config.yaml
//
// The suite needs Node >= 22; it runs under the Node that scripts/node24.mjs provides.
// Both suite versions are installed once into .cache/conformance/<version>/ and reused.
import { execFile, spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, stripVTControlCharacters } from 'node:util';
import { isScalar, isSeq, parseDocument } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, '.cache', 'conformance');
const PACKAGE = '@modelcontextprotocol/conformance';
const REVISIONS = /** @type {const} */ (['2025-11-25', '2026-07-28']);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const USAGE = `Usage: npm run conformance -- [options]

Runs the MCP conformance suite's server scenarios against mcp-serve.

Options:
  --config FILE         manifest to serve (default examples/everything/mcp-oauth.config.yaml)
  --revision REV        run only this protocol revision: ${REVISIONS.join(' or ')}
  --scenario NAME       run only this scenario
  --stable VERSION      suite version for 2025-11-25 (default: newest stable release)
  --prerelease VERSION  suite version for 2026-07-28 (default: newest pre-release)
  --verbose             echo the suite's own output
  -h, --help            show this help`;

// ----- output -----

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line) => process.stdout.write(`${line}\n`);

/** Runs `work`, saying what it does, and every 10 s that it still does it. */
async function step(label, work) {
  say(`» ${label}`);
  const t0 = Date.now();
  const timer = setInterval(
    () => say(`  … still ${label.replace(/^./, (c) => c.toLowerCase())} (${Math.round((Date.now() - t0) / 1000)} s)`),
    10_000,
  );
  try {
    const result = await work();
    const seconds = (Date.now() - t0) / 1000;
    if (seconds >= 2) say(`  done in ${seconds.toFixed(1)} s`);
    return result;
  } finally {
    clearInterval(timer);
  }
}

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, ...options }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve(stdout);
    });
  });
}

// ----- versions -----

/** Semantic-version order (SemVer 2.0.0 §11), enough for npm version strings. */
function compareVersions(a, b) {
  const split = (v) => {
    const [core, pre] = v.split('+')[0].split(/-(.*)/s);
    return { core: core.split('.').map(Number), pre: pre === undefined ? [] : pre.split('.') };
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i] - y.core[i];
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

const newest = (versions) => [...versions].sort(compareVersions).at(-1);
const isPrerelease = (v) => v.split('+')[0].includes('-');

/** The newest stable release and the newest pre-release: from the registry, else from the cache. */
async function resolveVersions(pinned) {
  if (pinned.stable && pinned.prerelease)
    return { stable: pinned.stable, prerelease: pinned.prerelease, from: 'command line' };
  let versions;
  let from = 'the npm registry';
  try {
    versions = JSON.parse(
      await run(
        NPM,
        ['view', PACKAGE, 'versions', '--json', '--loglevel=error', '--fetch-retries=1', '--fetch-timeout=20000'],
        { timeout: 45_000 },
      ),
    );
    if (!Array.isArray(versions)) versions = [versions];
  } catch (error) {
    versions = existsSync(CACHE) ? readdirSync(CACHE).filter((name) => installedVersion(name) === name) : [];
    from = 'the cache (the registry did not answer)';
    if (versions.length === 0) throw new Error(`cannot list ${PACKAGE} versions: ${firstLine(error)}`);
  }
  const stable = pinned.stable ?? newest(versions.filter((v) => !isPrerelease(v)));
  const prerelease = pinned.prerelease ?? newest(versions.filter(isPrerelease));
  if (!stable || !prerelease)
    throw new Error(`${from} has no ${stable ? 'pre-release' : 'stable release'} of ${PACKAGE}`);
  return { stable, prerelease, from };
}

// ----- installation -----

const suiteDir = (version) => join(CACHE, version, 'node_modules', ...PACKAGE.split('/'));

function installedVersion(version) {
  try {
    return JSON.parse(readFileSync(join(suiteDir(version), 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Installs the suite into .cache/conformance/<version>/ unless it is there; returns its CLI. */
async function ensureSuite(version) {
  const cli = join(suiteDir(version), 'dist', 'index.js');
  if (installedVersion(version) === version && existsSync(cli)) {
    say(`» ${PACKAGE}@${version}: cached in ${relative(ROOT, join(CACHE, version))}`);
    return cli;
  }
  await step(`Installing ${PACKAGE}@${version} into ${relative(ROOT, join(CACHE, version))}`, async () => {
    // Installed beside the cache and renamed into place, so an interrupted install
    // never leaves a half-written copy that looks complete.
    mkdirSync(CACHE, { recursive: true });
    const staging = join(CACHE, `.${version}.${process.pid}.tmp`);
    try {
      await run(
        NPM,
        [
          'install',
          '--prefix',
          staging,
          `${PACKAGE}@${version}`,
          '--no-save',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
        ],
        { timeout: 300_000 },
      );
      rmSync(join(CACHE, version), { recursive: true, force: true });
      renameSync(staging, join(CACHE, version));
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  });
  if (installedVersion(version) !== version)
    throw new Error(`${PACKAGE}@${version} did not install into ${join(CACHE, version)}`);
  return cli;
}

// ----- the server -----

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}

/** Child processes still running; killed if this script exits early (an error, a closed stdout). */
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts mcp-serve and waits for /healthz; the log goes to `logFile`. */
async function startServer(config, logFile) {
  const port = await freePort();
  const log = createWriteStream(logFile);
  const child = track(
    spawn(process.execPath, [join(ROOT, 'dist', 'src', 'bin.js'), '--config', config, '--port', String(port)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  const collect = (chunk) => {
    output += chunk;
    log.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await Promise.race([
      exited.then((how) => ({ how })),
      new Promise((resolve) => setTimeout(resolve, 100)),
    ]);
    if (status) throw new Error(`mcp-serve exited (${status.how}) before it served:\n${output.trim()}`);
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mcp-serve did not answer ${origin}/healthz within 30 s:\n${output.trim()}`);
    }
  }
  return {
    url: `${origin}/mcp`,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await new Promise((resolve) => log.end(resolve));
    },
  };
}

// ----- the baseline -----

/**
 * Reads a baseline in the suite's own format (`server:` lists `scenario` or
 * `scenario:check-id`) with the reason for each entry as a YAML comment on its line
 * (or the line above). An entry without a reason is refused.
 */
function readBaseline(file) {
  if (!existsSync(file)) return { file: undefined, reasons: new Map(), problems: [] };
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const problems = doc.errors.map((e) => `${relative(ROOT, file)}: ${e.message}`);
  const reasons = new Map();
  const list = doc.get('server');
  if (list !== undefined && !isSeq(list))
    problems.push(`${relative(ROOT, file)}: "server" must be a list of scenario names`);
  for (const item of isSeq(list) ? list.items : []) {
    if (!isScalar(item)) {
      problems.push(
        `${relative(ROOT, file)}: ${JSON.stringify(item?.toJSON?.() ?? item)} is not a scenario name (write "scenario" or "scenario:check-id")`,
      );
      continue;
    }
    const entry = String(item.value);
    const reason = (item.comment ?? item.commentBefore ?? '').trim().replace(/\s*\n\s*/g, ' ');
    if (!reason)
      problems.push(
        `${relative(ROOT, file)}: "${entry}" has no reason; add it as a comment: - ${entry}  # why it fails`,
      );
    reasons.set(entry, reason);
  }
  return { file, reasons, problems };
}

// ----- a suite run -----

/** Runs one suite version for one revision; returns its exit code, log and per-scenario checks. */
async function runSuite({ node, cli, version, revision, url, scenario, extension, baseline, runDir, verbose }) {
  const outDir = join(runDir, revision);
  const logFile = join(runDir, extension ? `suite-${revision}-${scenario}.log` : `suite-${revision}.log`);
  mkdirSync(outDir, { recursive: true });
  const args = [cli, 'server', '--url', url, '--spec-version', revision, '-o', outDir];
  // An extension's scenarios are off the spec timeline: the suite runs them at a revision only when forced.
  if (extension) args.push('--force');
  if (scenario) args.push('--scenario', scenario);
  else args.push('--suite', 'all');
  if (baseline.file) args.push('--expected-failures', baseline.file);

  say(`» Running ${PACKAGE}@${version} at ${revision} against ${url}`);
  const log = createWriteStream(logFile);
  const child = track(spawn(node, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let pending = '';
  let total = scenario ? 1 : undefined;
  let index = 0;
  let current = scenario;
  let currentSince = Date.now();
  const timer = setInterval(() => {
    if (current && Date.now() - currentSince > 10_000)
      say(`    … still in ${current} (${Math.round((Date.now() - currentSince) / 1000)} s)`);
  }, 10_000);
  const onLine = (line) => {
    const plain = stripVTControlCharacters(line);
    const count = /^Running .*\((\d+) scenarios?\)/.exec(plain);
    if (count) total = Number(count[1]);
    // A whole-suite run announces each scenario with "=== Running scenario: x ===";
    // a single-scenario run only with "Running client scenario 'x' against server".
    const next = scenario
      ? /^Running client scenario '([^']+)' against server/.exec(plain)
      : /^=== Running scenario: (\S+) ===/.exec(plain);
    if (next) {
      index++;
      current = next[1];
      currentSince = Date.now();
      say(`  [${revision} ${String(index).padStart(2)}/${total ?? '?'}] ${current}  (${elapsed()})`);
    }
    if (verbose) say(`    | ${line}`);
  };
  child.stdout.on('data', (chunk) => {
    const text = chunk.toString();
    stdout += text;
    log.write(text);
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(onLine);
  });
  child.stderr.on('data', (chunk) => {
    log.write(chunk);
    if (verbose) process.stderr.write(chunk);
  });
  const code = await new Promise((resolve) =>
    child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1))),
  );
  clearInterval(timer);
  if (pending) onLine(pending);
  await new Promise((resolve) => log.end(resolve));

  if (scenario && /^SKIPPED: scenario '/m.test(stripVTControlCharacters(stdout)))
    say(`  ${scenario} is not applicable at ${revision}; the suite skipped it`);
  return {
    revision,
    version,
    code,
    logFile,
    stdout: stripVTControlCharacters(stdout),
    results: readResults(outDir),
    ran: orderRun(stdout, scenario),
  };
}

/** Whether the suite's `list` names `scenario` among its server scenarios at `revision`. */
async function listsScenario(node, cli, revision, scenario) {
  const listing = stripVTControlCharacters(await run(node, [cli, 'list', '--server', '--spec-version', revision]));
  return listing.split('\n').some((line) => line.trim().split(/\s+/)[1] === scenario && line.trim().startsWith('- '));
}

/**
 * The server scenarios of the extensions mcp-serve serves (the tasks extension,
 * io.modelcontextprotocol/tasks), which the suite lists as `[extension]`; they run at
 * 2026-07-28, the revision the extension is defined for.
 */
const EXTENSION_PREFIXES = ['tasks-'];
const EXTENSION_REVISION = '2026-07-28';

async function extensionScenarios(node, cli) {
  const listing = stripVTControlCharacters(await run(node, [cli, 'list', '--server']));
  return listing
    .split('\n')
    .map((line) => /^\s*- (\S+) \[extension\]/.exec(line)?.[1])
    .filter((name) => name !== undefined && EXTENSION_PREFIXES.some((prefix) => name.startsWith(prefix)));
}

/** Scenario names in the order the suite ran them. */
function orderRun(stdout, scenario) {
  const plain = stripVTControlCharacters(stdout);
  if (scenario) return /^SKIPPED: scenario '/m.test(plain) ? [] : [scenario];
  return [...plain.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((m) => m[1]);
}

/** checks.json of each scenario, from the suite's -o directory (server-<scenario>-<timestamp>/). */
function readResults(outDir) {
  const results = new Map();
  for (const name of existsSync(outDir) ? readdirSync(outDir) : []) {
    const match = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(name);
    if (!match) continue;
    try {
      results.set(match[1], JSON.parse(readFileSync(join(outDir, name, 'checks.json'), 'utf8')));
    } catch {
      // a scenario that crashed before writing its checks; reported from the log
    }
  }
  return results;
}

/** The suite's own baseline verdicts, from its printed lists (~ expected, ✓ stale, ✗ unexpected). */
function baselineVerdicts(stdout) {
  const verdicts = { expected: new Set(), stale: new Set(), unexpected: new Set() };
  let section;
  for (const line of stdout.split('\n')) {
    if (/^Expected failures \(in baseline\):/.test(line)) section = verdicts.expected;
    else if (/^Stale baseline entries/.test(line)) section = verdicts.stale;
    else if (/^Unexpected failures \(not in baseline\):/.test(line)) section = verdicts.unexpected;
    else if (/^\s+[~✓✗] \S/.test(line) && section) section.add(line.trim().slice(2));
    else if (line.trim() !== '') section = undefined;
  }
  return verdicts;
}

const failed = (check) => check.status === 'FAILURE' || check.status === 'WARNING';

function firstProblem(checks) {
  const worst = checks.find((c) => c.status === 'FAILURE') ?? checks.find((c) => c.status === 'WARNING');
  if (!worst) return '';
  return `${worst.id}: ${(worst.errorMessage ?? worst.description ?? '').replace(/\s+/g, ' ')}`;
}

/** One table row per scenario run. */
function rows(outcome, baseline) {
  const verdicts = baselineVerdicts(outcome.stdout);
  const entriesOf = (scenario, set) => [...set].filter((e) => e === scenario || e.startsWith(`${scenario}:`));
  return outcome.ran.map((scenario) => {
    const checks = outcome.results.get(scenario);
    const revision = outcome.revision;
    if (!checks)
      return { scenario, revision, result: 'FAIL', reason: 'the scenario did not complete; see the suite log' };
    const failing = checks.filter(failed);
    const warnings = checks.filter((c) => c.status === 'WARNING').length;
    const unexpected = entriesOf(scenario, verdicts.unexpected);
    const stale = entriesOf(scenario, verdicts.stale);
    const expected = entriesOf(scenario, verdicts.expected);
    const baselined = (entries) =>
      entries
        .map(
          (e) =>
            `${e.includes(':') ? `${e.slice(scenario.length + 1)}: ` : ''}${baseline.reasons.get(e) || '(no reason given)'}`,
        )
        .join('; ');
    if (unexpected.length > 0 || (!baseline.file && failing.length > 0)) {
      const problem = firstProblem(
        unexpected.some((e) => e.includes(':'))
          ? failing.filter((c) => unexpected.includes(`${scenario}:${c.id}`))
          : failing,
      );
      return { scenario, revision, result: 'FAIL', reason: problem };
    }
    if (stale.length > 0)
      return {
        scenario,
        revision,
        result: 'STALE',
        reason: `passes now; remove ${stale.join(', ')} from ${relative(ROOT, baseline.file)}`,
      };
    if (expected.length > 0) return { scenario, revision, result: 'expected', reason: baselined(expected) };
    if (failing.length > 0) return { scenario, revision, result: 'FAIL', reason: firstProblem(failing) };
    return { scenario, revision, result: 'pass', reason: warnings ? `${warnings} warning(s)` : '' };
  });
}

function table(all, width) {
  const head = { scenario: 'scenario', revision: 'revision', result: 'result', reason: 'reason' };
  const w = (key) => Math.max(...[head, ...all].map((r) => r[key].length));
  const fixed = w('scenario') + w('revision') + w('result') + 6;
  const room = Math.max(30, width - fixed);
  const line = (r) =>
    `${r.scenario.padEnd(w('scenario'))}  ${r.revision.padEnd(w('revision'))}  ${r.result.padEnd(w('result'))}  ${r.reason.length > room ? `${r.reason.slice(0, room - 1)}…` : r.reason}`.trimEnd();
  return [
    line(head),
    line({
      scenario: '-'.repeat(w('scenario')),
      revision: '-'.repeat(w('revision')),
      result: '-'.repeat(w('result')),
      reason: '-'.repeat(Math.min(room, Math.max(6, w('reason')))),
    }),
    ...all.map(line),
  ].join('\n');
}

function markdown(all) {
  const cell = (text) => text.replace(/\|/g, '\\|');
  return [
    '| scenario | revision | result | reason |',
    '| --- | --- | --- | --- |',
    ...all.map((r) => `| ${cell(r.scenario)} | ${r.revision} | ${r.result} | ${cell(r.reason)} |`),
  ].join('\n');
}

const firstLine = (error) => String(error instanceof Error ? error.message : error).split('\n')[0];

// ----- main -----

async function main() {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'examples/everything/mcp-oauth.config.yaml' },
      revision: { type: 'string' },
      scenario: { type: 'string' },
      stable: { type: 'string' },
      prerelease: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    say(USAGE);
    return 0;
  }
  if (values.revision && !REVISIONS.includes(values.revision))
    throw new Error(`--revision must be one of ${REVISIONS.join(', ')}`);
  const revisions = values.revision ? [values.revision] : [...REVISIONS];
  const config = join(ROOT, values.config);
  if (!existsSync(config)) throw new Error(`no manifest at ${values.config}`);

  const baselines = new Map(
    revisions.map((r) => [r, readBaseline(join(ROOT, 'conformance', `expected-failures.${r}.yaml`))]),
  );
  const problems = [...baselines.values()].flatMap((b) => b.problems);
  if (problems.length > 0) throw new Error(`the baseline has problems:\n  ${problems.join('\n  ')}`);

  await step('Building (npm run build)', () => run(NPM, ['run', 'build', '--silent']));
  const node = await step('Finding a Node >= 22 for the suite (scripts/node24.mjs)', async () => {
    const path = (await run(process.execPath, [join(ROOT, 'scripts', 'node24.mjs')], { timeout: 600_000 })).trim();
    say(`  ${path} (${(await run(path, ['--version'])).trim()})`);
    return path;
  });
  const versions = await step(`Resolving ${PACKAGE} versions`, () =>
    resolveVersions({ stable: values.stable, prerelease: values.prerelease }),
  );
  say(
    `  stable ${versions.stable} (2025-11-25), pre-release ${versions.prerelease} (2026-07-28), from ${versions.from}`,
  );
  const versionFor = { '2025-11-25': versions.stable, '2026-07-28': versions.prerelease };
  const clis = new Map();
  for (const revision of revisions) clis.set(revision, await ensureSuite(versionFor[revision]));

  // A single scenario runs only at the revisions whose suite lists it there.
  const selected = [];
  const extensions = revisions.includes(EXTENSION_REVISION)
    ? await extensionScenarios(node, clis.get(EXTENSION_REVISION))
    : [];
  for (const revision of revisions) {
    const extension = revision === EXTENSION_REVISION && extensions.includes(values.scenario);
    if (values.scenario && !extension && !(await listsScenario(node, clis.get(revision), revision, values.scenario))) {
      say(`» ${values.scenario} is not a ${revision} server scenario of ${PACKAGE}@${versionFor[revision]}; skipped`);
    } else {
      selected.push(revision);
    }
  }
  if (selected.length === 0) throw new Error(`no suite run has a server scenario named ${values.scenario}`);

  const runDir = join(CACHE, 'runs', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(runDir, { recursive: true });
  const server = await step(`Starting mcp-serve --config ${values.config}`, () =>
    startServer(config, join(runDir, 'server.log')),
  );
  say(`  serving ${server.url}`);
  const stop = () => void server.stop().then(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const outcomes = [];
  try {
    for (const revision of selected) {
      const suite = {
        node,
        cli: clis.get(revision),
        version: versionFor[revision],
        revision,
        url: server.url,
        baseline: baselines.get(revision),
        runDir,
        verbose: values.verbose,
      };
      const extensionRun = revision === EXTENSION_REVISION;
      if (values.scenario) {
        const extension = extensionRun && extensions.includes(values.scenario);
        outcomes.push(await runSuite({ ...suite, scenario: values.scenario, extension }));
        continue;
      }
      outcomes.push(await runSuite(suite));
      if (extensionRun)
        for (const scenario of extensions) outcomes.push(await runSuite({ ...suite, scenario, extension: true }));
    }
  } finally {
    await server.stop();
  }

  const all = outcomes.flatMap((o) => rows(o, baselines.get(o.revision)));
  say('');
  say(table(all, Math.max(process.stdout.columns ?? 0, 160)));
  const count = (result) => all.filter((r) => r.result === result).length;
  say('');
  say(
    `${all.length} scenario runs: ${count('pass')} pass, ${count('expected')} expected failures (baselined), ${count('FAIL')} unexpected failures, ${count('STALE')} stale baseline entries`,
  );
  writeFileSync(join(runDir, 'report.md'), `${markdown(all)}\n`);
  for (const o of outcomes) {
    say(
      `  ${o.revision}: ${PACKAGE}@${o.version} exited ${o.code}; log ${relative(ROOT, o.logFile)}${baselines.get(o.revision).file ? `; baseline ${relative(ROOT, baselines.get(o.revision).file)}` : ''}`,
    );
  }
  say(
    `  checks per scenario: ${relative(ROOT, runDir)}/<revision>/; server log ${relative(ROOT, join(runDir, 'server.log'))}; this table as Markdown: ${relative(ROOT, join(runDir, 'report.md'))}`,
  );
  const code = outcomes.reduce((worst, o) => Math.max(worst, o.code), 0);
  say(
    code === 0
      ? `Conformance: as expected (${elapsed()})`
      : `Conformance: the suite reports unexpected results (exit ${code}; ${elapsed()})`,
  );
  return code;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`conformance: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error?.stderr) process.stderr.write(String(error.stderr));
    process.exitCode = 2;
  },
);
