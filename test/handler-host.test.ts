/**
 * Handler hosts: handlers in a real worker thread, loaded from real files
 * (test/fixtures/host/handlers.js), and the memory a reload leaves behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { type HandlerHost, type HostExit, startHandlerHost } from '../src/handlers/host.js';
import { importHandler } from '../src/handlers/modules.js';
import type { HandlerCall, HandlerToLoad } from '../src/handlers/runner.js';
import type { AuthContext } from '../src/handlers/types.js';
import { FIXTURES, ROOT } from './support/server.js';

const HANDLERS = join(FIXTURES, 'host', 'handlers.js');
const spec = (key: string, exportName = key): HandlerToLoad => ({
  key,
  ref: { spec: `./handlers.js#${exportName}`, file: HANDLERS, exportName },
  dir: join(FIXTURES, 'host'),
});
const SINKS = {
  log: async () => {},
  progress: async () => {},
  resourceUpdated: async () => {},
  closeStream: async () => {},
};
/** A call of the tool named `toolName`: no caller, a signal that never aborts, unless `call` says otherwise. */
const callOf = (toolName: string, call: Partial<HandlerCall> = {}): HandlerCall => ({
  auth: undefined,
  signal: new AbortController().signal,
  toolName,
  clientCapabilities: undefined,
  answers: {},
  sinks: SINKS,
  ...call,
});

/** A broken host tends to hang rather than fail; fail instead. */
const QUICK = { timeout: 10_000 };

const hosts: HandlerHost[] = [];
after(() => Promise.all(hosts.map((h) => h.terminate())));

async function start(specs: readonly HandlerToLoad[]): Promise<HandlerHost> {
  const started = await startHandlerHost(specs);
  if (!started.ok) assert.fail(started.problems.map((p) => p.message).join('\n'));
  hosts.push(started.host);
  return started.host;
}

/** Events that fixture handlers post from the worker (they share no globals with the test). */
function listen(): { next(): Promise<Record<string, unknown>>; close(): void } {
  const channel = new BroadcastChannel('handler-host-test');
  return {
    next: async () => ((await once(channel, 'message')) as [MessageEvent])[0].data as Record<string, unknown>,
    close: () => channel.close(),
  };
}

test('many calls in flight at once are answered by id', QUICK, async () => {
  const host = await start([spec('wait')]);
  const delays = [250, 50, 200, 0, 150, 100, 250, 50];
  const started = performance.now();
  const calls = delays.map((ms, i) => host.call('wait', [{ ms, tag: `call ${i}` }], callOf('wait')));
  assert.equal(host.pending, delays.length);
  const results = await Promise.all(calls);
  assert.deepEqual(
    results,
    delays.map((ms, i) => `waited ${ms} ms for call ${i}`),
  );
  // Run side by side, not one after the other (which would take 1050 ms).
  assert.ok(performance.now() - started < 800, `took ${performance.now() - started} ms`);
  assert.equal(host.pending, 0);
});

test("the handler gets the caller's auth context, a signal and the tool name", QUICK, async () => {
  const host = await start([spec('echo')]);
  const auth: AuthContext = {
    issuer: 'https://as.example.com',
    subject: 'alice',
    clientId: 'app',
    principal: '["https://as.example.com","alice","app"]',
    scopes: ['todo:read'],
    claims: { sub: 'alice', aud: 'https://mcp.example.com' },
    expiresAt: 1_900_000_000,
  };
  const seen = (await host.call('echo', [{ text: 'hi' }], callOf('echo', { auth }))) as Record<string, unknown>;
  assert.deepEqual(seen, {
    input: { text: 'hi' },
    toolName: 'echo',
    auth,
    authFrozen: true,
    ctxKeys: [
      'auth',
      'clientCapabilities',
      'closeStream',
      'elicit',
      'listRoots',
      'log',
      'notifyResourceUpdated',
      'progress',
      'sample',
      'signal',
      'toolName',
    ],
  });
  const anonymous = (await host.call('echo', [{}], callOf('echo'))) as Record<string, unknown>;
  assert.equal(anonymous['auth'], null);
});

test(
  "aborting the caller's signal aborts the handler's, with the same kind of reason, and drops the call",
  QUICK,
  async () => {
    const host = await start([spec('hang')]);
    const events = listen();
    try {
      const controller = new AbortController();
      const call = host.call('hang', [{ tag: 'cancelled' }], callOf('hang', { signal: controller.signal }));
      const event = events.next();
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      await assert.rejects(call, { name: 'AbortError' });
      assert.equal(host.pending, 0);
      assert.deepEqual(await event, {
        tag: 'cancelled',
        aborted: true,
        reasonName: 'AbortError',
        reasonMessage: 'This operation was aborted',
        isDomException: true,
      });

      const timedOut = host.call('hang', [{ tag: 'timed out' }], callOf('hang', { signal: AbortSignal.timeout(50) }));
      await assert.rejects(timedOut, { name: 'TimeoutError' });
      assert.deepEqual(await events.next(), {
        tag: 'timed out',
        aborted: true,
        reasonName: 'TimeoutError',
        reasonMessage: 'The operation was aborted due to timeout',
        isDomException: true,
      });
      // The handlers never settle, yet nothing waits for them any more.
      await host.retire();
    } finally {
      events.close();
    }
  },
);

test("a throw rejects with the handler's message and the worker's stack", QUICK, async () => {
  const host = await start([spec('fail'), spec('throwString')]);
  const error = await host.call('fail', [{}], callOf('fail')).then(
    () => assert.fail('resolved'),
    (e: unknown) => e as Error,
  );
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'TypeError');
  assert.equal(error.message, 'the fixture failed on purpose');
  assert.match(
    error.stack ?? '',
    /^TypeError: the fixture failed on purpose\n\s+at fail \(file:\/\/.*\/fixtures\/host\/handlers\.js:\d+:\d+\)/,
  );
  await assert.rejects(
    host.call('throwString', [{}], callOf('throwString')),
    (e: unknown) => e instanceof Error && e.message === 'a plain string',
  );
});

test('a result JSON cannot carry is refused, naming the tool; other values arrive as their JSON', QUICK, async () => {
  const host = await start([
    spec('returnFunction'),
    spec('returnCycle'),
    spec('returnInstances'),
    spec('returnNothing'),
  ]);
  await assert.rejects(host.call('returnFunction', [{}], callOf('returnFunction')), {
    message:
      'tool "returnFunction" returned a value that cannot be sent as a tool result: result.items[0].save is a function; return plain data (objects, arrays, strings, numbers, booleans, null)',
  });
  await assert.rejects(host.call('returnCycle', [{}], callOf('returnCycle')), {
    message:
      /^tool "returnCycle" returned a value that cannot be sent as a tool result: it cannot be written as JSON \(Converting circular structure to JSON\); return plain data/,
  });
  // As in the main thread, where the result is sent as JSON: toJSON() applies, methods do not travel.
  assert.deepEqual(await host.call('returnInstances', [{}], callOf('returnInstances')), {
    todo: { title: 'milk' },
    price: '2.50 EUR',
    when: '1970-01-01T00:00:00.000Z',
  });
  assert.equal(await host.call('returnNothing', [{}], callOf('returnNothing')), undefined);
});

test("load problems come back all at once, with the manifest loader's messages", QUICK, async () => {
  const broken: HandlerToLoad[] = [
    spec('missing'),
    spec('notAFunction'),
    {
      key: 'broken',
      ref: { spec: './syntax-error.js', file: join(FIXTURES, 'host', 'syntax-error.js'), exportName: 'default' },
      dir: join(FIXTURES, 'host'),
    },
  ];
  const started = await startHandlerHost([spec('echo'), ...broken]);
  assert.equal(started.ok, false);
  const expected = await Promise.all(
    broken.map(async (h) => ({ key: h.key, message: await importHandler(h.ref, h.dir) })),
  );
  assert.deepEqual(started.ok ? [] : started.problems, expected);
  assert.match(
    expected[0]!.message as string,
    /^"\.\/handlers\.js#missing" has no export named "missing"; it exports "echo", /,
  );
  assert.equal(expected[1]!.message, '"./handlers.js#notAFunction": export "notAFunction" is a number, not a function');
  assert.match(expected[2]!.message as string, /^"\.\/syntax-error\.js" failed to load: /);
});

test(
  'process.exit() in a handler ends the worker only: calls in flight reject, the exit is reported',
  QUICK,
  async () => {
    const host = await start([spec('exit'), spec('wait')]);
    const why =
      /the handler worker exited \(a handler called process\.exit\(1\) at exit \(file:\/\/.*handlers\.js:\d+:\d+\); a handler should return or throw instead\)/;
    const slow = assert.rejects(host.call('wait', [{ ms: 5_000 }], callOf('wait')), {
      message: new RegExp(`^tool "wait" did not answer: ${why.source}`),
    });
    await assert.rejects(host.call('exit', [{}], callOf('exit')), {
      message: new RegExp(`^tool "exit" did not answer: ${why.source}`),
    });
    await slow;
    const exit = await host.exited;
    assert.equal(exit.code, 1);
    assert.equal(exit.requested, false);
    assert.match(exit.reason, /^a handler called process\.exit\(1\)/);
    await assert.rejects(host.call('wait', [{ ms: 1 }], callOf('wait')), {
      message: /^tool "wait" cannot run: its handler worker exited \(a handler called process\.exit\(1\)/,
    });
    assert.equal(host.pending, 0);
  },
);

test("an uncaught throw from a handler's stray async code ends the worker only", QUICK, async () => {
  const host = await start([spec('throwLater')]);
  const error = await host.call('throwLater', [{}], callOf('throwLater')).then(
    () => assert.fail('resolved'),
    (e: unknown) => e as Error,
  );
  assert.match(
    error.message,
    /^tool "throwLater" did not answer: the handler worker exited \(uncaught Error: stray async failure, outside any call's promise/,
  );
  assert.equal((error.cause as Error | undefined)?.message, 'stray async failure');
  const exit = await host.exited;
  assert.equal(exit.code, 1);
  assert.equal(exit.requested, false);
  assert.match(exit.reason, /^uncaught Error: stray async failure/);
});

test('running out of memory ends the worker only', QUICK, async () => {
  // In a child process with a small heap, which the worker inherits (resourceLimits are left at their defaults).
  // (Not --input-type=module: workers inherit execArgv, and that flag fails without -e.)
  const script = `import(${JSON.stringify(new URL('../src/handlers/host.js', import.meta.url).href)}).then(async ({ startHandlerHost }) => {
    const started = await startHandlerHost([${JSON.stringify(spec('hog'))}]);
    const message = await started.host.call('hog', [{}], { auth: undefined, signal: new AbortController().signal, toolName: 'hog', clientCapabilities: undefined, answers: {}, sinks: { log: async () => {}, progress: async () => {}, resourceUpdated: async () => {}, closeStream: async () => {} } }).then(String, (e) => e.message);
    console.log(JSON.stringify({ message, exit: await started.host.exited }));
  });`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=64', '-e', script]);
  const { message, exit } = JSON.parse(stdout) as { message: string; exit: HostExit };
  assert.match(
    message,
    /^tool "hog" did not answer: the handler worker exited \(it ran out of memory: .*; a handler holds too much, or start Node with a larger --max-old-space-size\)$/,
  );
  assert.equal(exit.requested, false);
});

test('retire() waits for the call in flight, refuses new ones, then terminates the worker', QUICK, async () => {
  const host = await start([spec('wait')]);
  const started = performance.now();
  const slow = host.call('wait', [{ ms: 300 }], callOf('wait'));
  const retired = host.retire();
  await assert.rejects(host.call('wait', [{ ms: 1 }], callOf('wait')), {
    message: 'tool "wait" cannot run: its handler host is retired; calls go to the host of the current snapshot',
  });
  assert.equal(host.pending, 1);
  await retired;
  assert.equal(await slow, 'waited 300 ms for wait');
  assert.ok(performance.now() - started >= 290);
  assert.deepEqual(await host.exited, { code: 1, reason: 'retired', requested: true });
});

test('terminate() stops at once: calls in flight reject', QUICK, async () => {
  const host = await start([spec('wait')]);
  const slow = assert.rejects(host.call('wait', [{ ms: 5_000 }], callOf('wait')), {
    message: 'tool "wait" did not answer: its handler host was terminated while the call was running',
  });
  await host.terminate();
  await slow;
  assert.deepEqual(await host.exited, { code: 1, reason: 'terminated', requested: true });
});

test('a new host imports edited files afresh; the old one keeps the old code until retired', QUICK, async () => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tmp', 'handler-host-'));
  try {
    // The edit is in a module the handler imports, so the whole graph must be fresh.
    const writeGreeting = (text: string) =>
      writeFileSync(join(dir, 'greeting.js'), `export const GREETING = ${JSON.stringify(text)};\n`);
    writeGreeting('hello from v1');
    writeFileSync(
      join(dir, 'greet.js'),
      `import { GREETING } from './greeting.js';\nexport const greet = () => GREETING;\n`,
    );
    const greet: HandlerToLoad = {
      key: 'greet',
      ref: { spec: './greet.js#greet', file: join(dir, 'greet.js'), exportName: 'greet' },
      dir,
    };
    const first = await start([greet]);
    assert.equal(await first.call('greet', [{}], callOf('greet')), 'hello from v1');
    writeGreeting('hello from v2');
    const second = await start([greet]);
    assert.equal(await second.call('greet', [{}], callOf('greet')), 'hello from v2');
    assert.equal(await first.call('greet', [{}], callOf('greet')), 'hello from v1');
    await first.retire();
    assert.equal(await second.call('greet', [{}], callOf('greet')), 'hello from v2');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reloads leave no memory behind (scripts/bench-reload.mjs)', { timeout: 120_000 }, async (t) => {
  // 200 reloads take about 30 s here; 50 keep the suite quick and a leak still shows
  // (importing the 2.5 MB module again in one isolate costs several MB per reload).
  // The script exits 1 when over budget; its numbers are on stdout either way.
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--expose-gc',
    join(ROOT, 'scripts', 'bench-reload.mjs'),
    '--reloads',
    '50',
    '--json',
  ]).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout || assert.fail(`bench-reload.mjs failed: ${error.stderr}`),
  }));
  const result = JSON.parse(stdout) as {
    reloads: number;
    medianMs: number;
    rssBeforeMb: number;
    rssAfterMb: number;
    rssPeakMb: number;
    growthMb: number;
  };
  t.diagnostic(
    `${result.reloads} reloads, median ${result.medianMs} ms; RSS ${result.rssBeforeMb} → ${result.rssAfterMb} MB (peak ${result.rssPeakMb} MB)`,
  );
  assert.equal(result.reloads, 50);
  assert.ok(result.growthMb < 30, `RSS grew by ${result.growthMb} MB over ${result.reloads} reloads`);
});
