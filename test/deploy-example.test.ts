/**
 * examples/deploy, without Docker or a cluster: compose.yaml, haproxy.cfg and every
 * Kubernetes file parsed and held to each other, to the Dockerfile and to the README's
 * deploy section (three replicas of the image built from APP=examples/deploy/app, round
 * robin with no stickiness, /readyz for readiness and /healthz for liveness, the image
 * name, a grace period past the drain, secrets only from the environment); the manifest
 * validated by the real CLI with the values each deployment gives it; and the app served
 * as three real replicas on a real redis-server behind a round-robin proxy, and behind
 * the shipped haproxy.cfg itself when HAProxy is installed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { parse, parseAllDocuments } from 'yaml';
import { type Authority, startAuthority } from './support/authority.js';
import { onlyRpc, post, toolCall } from './support/clients.js';
import { freePort, SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from './support/redis.js';
import { allReady, eventually, type Replicas, readiness, startAppReplicas } from './support/replicas.js';
import { scratchDirectories } from './support/scratch.js';
import { ROOT } from './support/server.js';

const DEPLOY = join(ROOT, 'examples', 'deploy');
const APP = 'examples/deploy/app';
const MANIFEST = `${APP}/mcp-oauth.config.yaml`;
const BIN = join(ROOT, 'dist', 'src', 'bin.js');
/** mcp-serve's drain on SIGTERM (src/runtime/limits.ts, the README's "up to 10 s"). */
const DRAIN_SEC = 10;
const scratch = scratchDirectories('mcp-oauth-deploy-');

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, whose shape each test asserts
type Doc = Record<string, any>;

/** The haproxy executable, when installed: the shipped haproxy.cfg is then run in front of the replicas. */
const HAPROXY = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin']
  .map((dir) => join(dir, 'haproxy'))
  .find((path) => existsSync(path));

const read = (path: string) => readFileSync(join(DEPLOY, path), 'utf8');

// ---------------------------------------------------------------- the files

const compose = parse(read('compose.yaml'), { merge: true }) as Doc;
const services = compose['services'] as Record<string, Doc>;
const appServices = Object.entries(services).filter(([, s]) => s['build']?.args?.APP !== undefined);

/** Every document of every YAML file in k8s/, with the file it came from. */
const k8s = readdirSync(join(DEPLOY, 'k8s'))
  .filter((file) => /\.ya?ml$/.test(file))
  .flatMap((file) =>
    parseAllDocuments(read(join('k8s', file))).map((doc) => {
      assert.deepEqual(doc.errors, [], `k8s/${file}`);
      return { file, doc: doc.toJS() as Doc };
    }),
  )
  .filter(({ doc }) => doc !== null);

function kind(name: string, file?: string): Doc[] {
  return k8s.filter(({ doc, file: f }) => doc['kind'] === name && (file === undefined || f === file)).map((d) => d.doc);
}

function one(name: string, file?: string): Doc {
  const found = kind(name, file);
  assert.equal(found.length, 1, `one ${name}${file ? ` in k8s/${file}` : ''}, found ${found.length}`);
  return found[0]!;
}

const deployment = one('Deployment', 'deployment.yaml');
const podSpec = deployment['spec'].template.spec as Doc;
const container = (podSpec['containers'] as Doc[]).find((c) => c['image'] && !String(c['image']).startsWith('redis'))!;
const podLabels = deployment['spec'].template.metadata.labels as Record<string, string>;

/** The port the image listens on: the Dockerfile's EXPOSE. */
const EXPOSED = Number(/^EXPOSE\s+(\d+)/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1]);

/** The README's deploy section, and the image it builds from APP=examples/deploy/app. */
function readmeDeploySection(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n### Deploy several replicas: Compose and Kubernetes\n');
  assert.ok(start >= 0, 'the README has a "### Deploy several replicas: Compose and Kubernetes" section');
  const end = readme.indexOf('\n#', start + 1);
  const section = readme.slice(start, end);
  assert.ok(
    readme.indexOf('\n### Several replicas: the shared store\n') < start &&
      readme.indexOf('\n### Check the deployment\n') === end,
    'the section comes right after "Several replicas: the shared store" and before "Check the deployment"',
  );
  return section;
}

function documentedImage(): string {
  const image = /docker build --build-arg APP=examples\/deploy\/app -t (\S+) \./.exec(readmeDeploySection())?.[1];
  assert.ok(
    image,
    'the deploy section builds the image with docker build --build-arg APP=examples/deploy/app -t NAME .',
  );
  return image;
}

/** A matchLabels selector selects the Deployment's pods. */
function selectsPods(matchLabels: Record<string, string> | undefined, what: string): void {
  assert.ok(matchLabels && Object.keys(matchLabels).length > 0, `${what} has a selector`);
  for (const [key, value] of Object.entries(matchLabels)) assert.equal(podLabels[key], value, `${what}: ${key}`);
}

/** A container port, by number or by name, as a number. */
function portNumber(c: Doc, port: number | string): number | undefined {
  const ports = (c['ports'] ?? []) as Doc[];
  return typeof port === 'number'
    ? ports.find((p) => p['containerPort'] === port)?.containerPort
    : ports.find((p) => p['name'] === port)?.containerPort;
}

/** Compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `$$`. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?:(:?)([-?])([^}]*))?\}/g,
    (whole, name?: string, colon?: string, op?: string, arg?: string) => {
      if (whole === '$$') return '$';
      const value = env[name!];
      const unset = value === undefined || (colon === ':' && value === '');
      if (!unset) return value;
      if (op === '-') return arg!;
      throw new Error(`compose needs ${name}: ${arg ?? 'unset'}`);
    },
  );
}

/** KEY=VALUE lines of a .env file. */
function dotenv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => /^([A-Za-z_]\w*)=(.*)$/.exec(line.trim()))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
}

/** Kubernetes' `$(VAR)` expansion in an env value, from the variables defined before it. */
function expandK8s(value: string, env: Record<string, string>): string {
  return value.replace(/\$\((\w+)\)/g, (whole, name: string) => env[name] ?? whole);
}

/** The environment the Deployment gives the container, with the ConfigMap and the example Secret's values. */
function deploymentEnv(): Record<string, string> {
  const configMaps = new Map(kind('ConfigMap').map((c) => [c['metadata'].name, c['data'] as Record<string, string>]));
  const secret = one('Secret', 'secret.example.yaml');
  const env: Record<string, string> = {};
  for (const from of (container['envFrom'] ?? []) as Doc[]) {
    if (from['configMapRef']) Object.assign(env, configMaps.get(from['configMapRef'].name));
    if (from['secretRef']) {
      assert.equal(from['secretRef'].name, secret['metadata'].name);
      Object.assign(env, secret['stringData']);
    }
  }
  for (const variable of (container['env'] ?? []) as Doc[]) {
    const ref = variable['valueFrom']?.secretKeyRef;
    if (ref) {
      assert.equal(
        ref.name,
        secret['metadata'].name,
        `${variable['name']} comes from the Secret secret.example.yaml shows`,
      );
      env[variable['name']] = secret['stringData'][ref.key];
    } else if (variable['valueFrom']?.configMapKeyRef) {
      const ref2 = variable['valueFrom'].configMapKeyRef;
      env[variable['name']] = configMaps.get(ref2.name)![ref2.key]!;
    } else env[variable['name']] = expandK8s(String(variable['value']), env);
  }
  return env;
}

function validate(env: Record<string, string>): { status: number | null; json: Doc; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, 'validate', '--config', MANIFEST, '--json'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
  });
  return { status: result.status, json: JSON.parse(result.stdout || '{}') as Doc, stderr: result.stderr };
}

// ---------------------------------------------------------------- Compose and HAProxy

describe('examples/deploy/compose.yaml and haproxy.cfg', () => {
  test('Redis with AOF persistence and its password from the environment, three app replicas, one balancer', () => {
    const redis = services['redis'];
    assert.ok(redis, 'a redis service');
    assert.match(redis['image'], /^(redis|valkey\/valkey):/);
    const command = [redis['command']].flat().join(' ');
    assert.match(command, /--appendonly yes/);
    assert.match(command, /--requirepass "?\$\$?\{?REDIS_PASSWORD\b/, 'the password is a variable of the environment');
    assert.match(String(redis['environment']['REDIS_PASSWORD']), /^\$\{REDIS_PASSWORD(:\?[^}]*)?\}$/);
    assert.ok(redis['volumes']?.length, 'the AOF is on a volume');

    assert.equal(appServices.length, 3, `three app replicas, found ${appServices.map(([name]) => name)}`);
    assert.ok(services['balancer'], 'a balancer service');
    assert.match(services['balancer']['image'], /^haproxy:/);
    assert.ok(
      (services['balancer']['volumes'] as string[]).some((v) =>
        /^\.\/haproxy\.cfg:\/usr\/local\/etc\/haproxy\/haproxy\.cfg/.test(v),
      ),
      'the balancer runs the haproxy.cfg beside compose.yaml',
    );
  });

  test('each replica is the repository Dockerfile built with APP=examples/deploy/app, drained within its stop grace', () => {
    for (const [name, service] of appServices) {
      const build = service['build'] as Doc;
      assert.equal(resolve(DEPLOY, build['context']), ROOT, `${name} builds from the repository root`);
      assert.equal(build['dockerfile'] ?? 'Dockerfile', 'Dockerfile');
      assert.ok(existsSync(join(ROOT, build['dockerfile'] ?? 'Dockerfile')));
      assert.equal(build['args'].APP, APP, name);
      assert.equal(service['image'], documentedImage(), `${name} is tagged as the README's image`);
      assert.ok(parseSeconds(service['stop_grace_period']) > DRAIN_SEC, `${name}: stop_grace_period past the drain`);
      assert.deepEqual(Object.keys(service['environment']).sort(), ['MCP_URL', 'OIDC_ISSUER', 'REDIS_URL']);
      assert.equal(service['ports'], undefined, `${name} is reached through the balancer only`);
    }
    assert.equal(new Set(appServices.map(([, s]) => s['hostname'])).size, 3, 'each replica has its own host name');
  });

  test('the balancer goes round robin over the three replicas, with no stickiness, checking /readyz', () => {
    const cfg = haproxySections(read('haproxy.cfg'));
    const backends = cfg.filter((s) => s.head.startsWith('backend '));
    assert.equal(backends.length, 1);
    const backend = backends[0]!.lines;
    assert.ok(backend.includes('balance roundrobin'), 'balance roundrobin');
    const all = cfg.flatMap((s) => s.lines);
    for (const sticky of [/^cookie\b/, /^stick(-table)?\b/, /^balance (?!roundrobin)/, /^hash-type\b/, /^persist\b/])
      assert.ok(!all.some((line) => sticky.test(line)), `no stickiness (${sticky})`);
    assert.ok(backend.includes('option httpchk'));
    assert.ok(
      backend.some((l) => /^http-check send meth GET uri \/readyz\b/.test(l)),
      'the health check is GET /readyz',
    );
    assert.ok(backend.includes('http-check expect status 200'));
    const servers = backend.filter((l) => l.startsWith('server ')).map((l) => l.split(/\s+/));
    assert.deepEqual(
      servers.map(([, name, address]) => `${name} ${address}`).sort(),
      appServices.map(([name]) => `${name} ${name}:${EXPOSED}`).sort(),
      'one server per replica, on the port the image exposes',
    );
    const checked = (l: string) => /\bcheck\b/.test(l);
    assert.ok(
      backend.some((l) => l.startsWith('default-server ') && checked(l)) || servers.every((s) => checked(s.join(' '))),
      'every server is health-checked',
    );
    // The port compose publishes is the one HAProxy binds.
    const bind = /^bind \S*:(\d+)$/.exec(all.find((l) => l.startsWith('bind ')) ?? '')?.[1];
    assert.ok(
      (services['balancer']!['ports'] as string[]).some((p) => p.endsWith(`:${bind}`)),
      `the balancer publishes port ${bind}`,
    );
  });
});

function parseSeconds(value: string | number | undefined): number {
  const m = /^(\d+)(s|m)?$/.exec(String(value ?? '10s'));
  assert.ok(m, `a duration: ${value}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

/** haproxy.cfg as sections (`global`, `defaults`, `frontend x`, …) of lines, comments dropped. */
function haproxySections(text: string): { head: string; lines: string[] }[] {
  const sections: { head: string; lines: string[] }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').replace(/^#.*$/, '');
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) sections.push({ head: line.trim(), lines: [] });
    else sections.at(-1)?.lines.push(line.trim().replace(/\s+/g, ' '));
  }
  return sections;
}

// ---------------------------------------------------------------- Kubernetes

describe('examples/deploy/k8s', () => {
  test('the Deployment: 3 replicas of the README image, /readyz readiness, /healthz liveness, grace past the drain', () => {
    assert.equal(deployment['apiVersion'], 'apps/v1');
    assert.equal(deployment['spec'].replicas, 3);
    selectsPods(deployment['spec'].selector.matchLabels, 'the Deployment');
    assert.equal(container['image'], documentedImage());
    assert.equal(container['readinessProbe']?.httpGet?.path, '/readyz');
    assert.equal(container['livenessProbe']?.httpGet?.path, '/healthz');
    for (const probe of ['readinessProbe', 'livenessProbe'])
      assert.equal(portNumber(container, container[probe].httpGet.port), EXPOSED, `${probe} on the image's port`);
    assert.equal(portNumber(container, 'http') ?? container['ports'][0].containerPort, EXPOSED);
    const preStop = container['lifecycle']?.preStop?.exec?.command as string[] | undefined;
    const pause = preStop?.[0] === 'sleep' ? Number(preStop[1]) : 0;
    assert.ok(
      podSpec['terminationGracePeriodSeconds'] > pause + DRAIN_SEC,
      `terminationGracePeriodSeconds ${podSpec['terminationGracePeriodSeconds']} > preStop ${pause} s + drain ${DRAIN_SEC} s`,
    );
  });

  test('the pod runs as a non-root user the kubelet can check, with resource requests and limits', () => {
    const security = { ...podSpec['securityContext'], ...container['securityContext'] };
    assert.equal(security.runAsNonRoot, true);
    assert.ok(Number.isInteger(security.runAsUser) && security.runAsUser > 0, 'a numeric non-root runAsUser');
    assert.equal(security.allowPrivilegeEscalation, false);
    for (const what of ['requests', 'limits'])
      for (const resource of ['cpu', 'memory'])
        assert.ok(container['resources']?.[what]?.[resource], `${what}.${resource}`);
  });

  test('the secret comes from a Secret (secretKeyRef), the rest from a ConfigMap; the Service reaches the container port without affinity', () => {
    const fromSecret = ((container['env'] ?? []) as Doc[]).filter((e) => e['valueFrom']?.secretKeyRef);
    assert.ok(
      fromSecret.length > 0 || (container['envFrom'] as Doc[]).some((f) => f['secretRef']),
      'env from a Secret',
    );
    assert.ok(fromSecret.some((e) => e['name'] === 'REDIS_PASSWORD'));
    const redisUrl = ((container['env'] ?? []) as Doc[]).find((e) => e['name'] === 'REDIS_URL');
    assert.match(
      redisUrl?.['value'] ?? '',
      /^rediss?:\/\/:\$\(REDIS_PASSWORD\)@/,
      'REDIS_URL names the password by reference',
    );

    const service = one('Service', 'service.yaml');
    selectsPods(service['spec'].selector, 'the Service');
    assert.notEqual(service['spec'].sessionAffinity, 'ClientIP', 'no session affinity');
    for (const port of service['spec'].ports as Doc[])
      assert.equal(
        portNumber(container, port['targetPort'] ?? port['port']),
        EXPOSED,
        'targetPort is the container port',
      );
  });

  test('the PodDisruptionBudget and the HorizontalPodAutoscaler act on the Deployment', () => {
    const pdb = one('PodDisruptionBudget', 'pdb.yaml');
    assert.equal(pdb['apiVersion'], 'policy/v1');
    selectsPods(pdb['spec'].selector.matchLabels, 'the PodDisruptionBudget');
    assert.ok(pdb['spec'].minAvailable === 2 || pdb['spec'].maxUnavailable === 1, 'minAvailable 2 or maxUnavailable 1');

    const hpa = one('HorizontalPodAutoscaler', 'hpa.yaml');
    assert.equal(hpa['apiVersion'], 'autoscaling/v2');
    const target = hpa['spec'].scaleTargetRef as Doc;
    assert.deepEqual(
      [target['apiVersion'], target['kind'], target['name']],
      ['apps/v1', 'Deployment', deployment['metadata'].name],
    );
    assert.ok(hpa['spec'].minReplicas >= 3, 'never fewer than the Deployment asks for');
    const cpu = (hpa['spec'].metrics as Doc[]).find((m) => m['type'] === 'Resource' && m['resource'].name === 'cpu');
    assert.equal(cpu?.['resource'].target.type, 'Utilization');
  });

  test('kustomization.yaml lists files that exist, every manifest but the example Secret, and the README image', () => {
    const kustomization = parse(read('k8s/kustomization.yaml')) as Doc;
    const resources = kustomization['resources'] as string[];
    for (const resource of resources) assert.ok(existsSync(join(DEPLOY, 'k8s', resource)), `k8s/${resource} exists`);
    const files = readdirSync(join(DEPLOY, 'k8s')).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    assert.deepEqual(
      files.filter((f) => !resources.includes(f)),
      ['secret.example.yaml'],
      'only the example Secret stays out',
    );
    const [name, tag] = documentedImage().split(':');
    const images = (kustomization['images'] ?? []) as Doc[];
    for (const image of images.filter((i) => i['name'] === name))
      assert.equal(
        `${image['newName'] ?? name}:${image['newTag'] ?? tag}`,
        documentedImage(),
        'kustomize keeps the image',
      );
    // The Redis for trying it out: AOF on, the same Secret, a volume.
    const redis = one('StatefulSet', 'redis.yaml')['spec'].template.spec.containers[0] as Doc;
    assert.match((redis['args'] as string[]).join(' '), /--appendonly yes --requirepass \$\(REDIS_PASSWORD\)/);
    assert.equal(one('Service', 'redis.yaml')['metadata'].name, new URL(deploymentEnv()['REDIS_URL']!).hostname);
  });
});

// ---------------------------------------------------------------- no secret anywhere

describe('no file under examples/deploy carries a secret', () => {
  const files = walk(DEPLOY);
  /** `${VAR}` (Compose, the manifest), `$VAR` and `$$VAR` (shells), `$(VAR)` (Kubernetes) or `$(command)` (a shell). */
  const reference = /^(\$\{\w+(:?[-?][^}]*)?\}?|\$\$?\w+|\$\()/;
  const placeholder = /^(change-me|<[\w -]+>)$/;
  /** A variable's name (`key: REDIS_PASSWORD`), a boolean or number, a YAML flow collection scanned by its own keys. */
  const harmless = /^([A-Z_]+|true|false|\d+|[{[].*)$/;

  test('every password-like value is a placeholder or a reference to the environment', () => {
    assert.ok(
      files.some((f) => f.endsWith('.env.example')),
      'the .env.example is scanned too',
    );
    const offending: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const where = `${relative(ROOT, file)}:${i + 1}: ${line.trim()}`;
          const values = [
            // KEY: value, KEY=value, "KEY": "value" for a password-like KEY
            ...line.matchAll(
              /(?<![\w${(-])([\w-]*(?:password|passwd|secret|token|auth|api[_-]?key)[\w-]*)["']?[ \t]*[:=][ \t]*\\?["']?(?:(?:Bearer|Basic) +)?([^\s"'#,`\\]+)/gi,
            ),
          ].map((m) => m[2]!);
          // --requirepass VALUE; redis://user:VALUE@host
          for (const m of line.matchAll(/--requirepass\s+\\?"?([^\s"\\]+)/g)) values.push(m[1]!);
          for (const m of line.matchAll(/\/\/[^\s/@:]*:([^\s/@]+)@/g)) values.push(m[1]!);
          for (const value of values)
            if (!reference.test(value) && !placeholder.test(value) && !harmless.test(value))
              offending.push(`${where} (${value})`);
          if (/eyJ[\w-]{8,}\.[\w-]{8,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|\b[0-9a-f]{32,}\b/i.test(line))
            offending.push(`${where} (a token, key or digest)`);
        });
    }
    assert.deepEqual(offending, []);
  });

  test('the example Secret holds placeholders only, as stringData; no .env is shipped', () => {
    const secret = one('Secret', 'secret.example.yaml');
    assert.equal(secret['data'], undefined, 'no base64 data');
    for (const [key, value] of Object.entries(secret['stringData'] as Record<string, string>))
      assert.match(value, placeholder, key);
    assert.ok(!files.some((f) => /(^|\/)\.env$/.test(f)), 'no .env');
    for (const [key, value] of Object.entries(dotenv(read('.env.example'))))
      if (/PASSWORD|SECRET|TOKEN/.test(key)) assert.match(value, placeholder, `.env.example ${key}`);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// ---------------------------------------------------------------- the manifest through the CLI

describe(`${MANIFEST} through mcp-serve validate`, () => {
  test('valid with what Compose gives each replica (from .env.example), and with what the Deployment gives', () => {
    const dotEnv = dotenv(read('.env.example'));
    for (const [name, service] of appServices) {
      const env = Object.fromEntries(
        Object.entries(service['environment'] as Record<string, string>).map(([k, v]) => [k, interpolate(v, dotEnv)]),
      );
      const { status, json, stderr } = validate(env);
      assert.equal(status, 0, `${name}: ${stderr}${JSON.stringify(json)}`);
      assert.equal(json['resource'], `${dotEnv['MCP_URL']}/mcp`);
    }
    const { status, json, stderr } = validate(deploymentEnv());
    assert.equal(status, 0, `the Deployment: ${stderr}${JSON.stringify(json)}`);
    assert.deepEqual(json['auth'].issuers, [kind('ConfigMap')[0]!['data'].OIDC_ISSUER]);
  });

  test('the server, the jwt issuer from OIDC_ISSUER and three scoped tools; no secret printed', () => {
    const env = {
      OIDC_ISSUER: 'https://auth.example.com',
      MCP_URL: 'https://mcp.example.com',
      REDIS_URL: 'redis://:change-me@redis:6379',
    };
    const { status, json } = validate(env);
    assert.equal(status, 0, JSON.stringify(json));
    assert.equal(json['server'].name, 'fleet');
    assert.equal(json['resource'], 'https://mcp.example.com/mcp');
    assert.deepEqual(json['auth'].issuers, ['https://auth.example.com']);
    assert.deepEqual(
      (json['tools'] as Doc[]).map((t) => [t['name'], t['scopes']]),
      [
        ['whoami', { allOf: ['fleet:read'] }],
        ['wait', { allOf: ['fleet:read'] }],
        ['tick', { allOf: ['fleet:write'] }],
      ],
    );
    assert.deepEqual(json['warnings'], [], 'self-contained: the image holds it alone');
    assert.ok(!JSON.stringify(json).includes('change-me'));
  });

  test('every deployment value is required from the environment: without REDIS_URL it is refused, naming it', () => {
    const { status, json } = validate({ OIDC_ISSUER: 'https://auth.example.com', MCP_URL: 'https://mcp.example.com' });
    assert.equal(status, 1);
    assert.match(JSON.stringify(json['problems']), /REDIS_URL/);
  });
});

// ---------------------------------------------------------------- served, on a real Redis

describe('examples/deploy/app as three replicas on a real redis-server', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let authority: Authority;
  let fleet: Replicas;
  before(async () => {
    redis = await startRedis({ persistent: true });
    authority = await startAuthority();
    fleet = await startAppReplicas(3, join(ROOT, APP), (publicUrl) => ({
      OIDC_ISSUER: authority.issuer,
      MCP_URL: publicUrl,
      REDIS_URL: redis.url,
    }));
    await allReady(fleet);
  });
  after(async () => {
    await fleet?.close();
    await authority?.close();
    await redis?.close();
  });

  const bearer = async (sub: string, scope = 'fleet:read') => ({
    Authorization: `Bearer ${await authority.mint({ aud: fleet.url, sub, scope })}`,
  });

  test('every replica is alive and ready; calls round-robin over all three; a tool needs its scope', async () => {
    for (const replica of fleet.replicas) {
      assert.equal((await fetch(`${replica.origin}/healthz`)).status, 200);
      assert.equal((await readiness(replica)).status, 200);
    }
    const headers = await bearer('ada');
    const from = fleet.served.length;
    for (let i = 0; i < 6; i++) {
      const answer = onlyRpc(await (await post(fleet.url, toolCall('whoami'), { headers })).text());
      assert.deepEqual(answer.result?.structuredContent?.['scopes'], ['fleet:read']);
      assert.equal(answer.result?.structuredContent?.['subject'], 'ada');
    }
    assert.deepEqual(new Set(fleet.served.slice(from)), new Set([0, 1, 2]));
    const refused = await post(fleet.url, toolCall('tick'), { headers });
    assert.equal(refused.status, 403);
    const challenge = refused.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="fleet:write"/);
  });

  test('a tick on any replica reaches a 2025-11-25 session subscribed to fleet://clock, whichever replica holds its stream', async () => {
    const client = new LegacyClient({ name: 'deploy-subscriber', version: '1.0.0' });
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    await client.connect(new LegacyTransport(new URL(fleet.url), { requestInit: { headers: await bearer('grace') } }));
    try {
      await client.subscribeResource({ uri: 'fleet://clock' });
      const clock = await client.readResource({ uri: 'fleet://clock' });
      assert.match(String((clock.contents[0] as { text?: string }).text), /"now":"\d{4}-/);
      const headers = await bearer('ticker', 'fleet:write');
      const from = fleet.served.length;
      for (let i = 0; i < 3; i++) assert.equal((await post(fleet.url, toolCall('tick'), { headers })).status, 200);
      assert.deepEqual(new Set(fleet.served.slice(from)), new Set([0, 1, 2]), 'the ticks were served by every replica');
      await eventually('three updates on the session stream', async () => updates.length >= 3);
      assert.deepEqual(new Set(updates), new Set(['fleet://clock']));
    } finally {
      await client.close();
    }
  });

  test('behind the shipped haproxy.cfg: round robin by X-Served-By, a Redis outage takes every replica out, back after', {
    skip: HAPROXY === undefined && !process.env['CI'] && 'no haproxy found (apt-get install haproxy)',
    timeout: 60_000,
  }, async () => {
    const balancer = await startHaproxy(fleet.replicas.map((r) => r.origin));
    let redisDown = false;
    try {
      const headers = await bearer('ada');
      await eventually(
        'all three replicas up in HAProxy',
        async () => {
          const seen = new Set<string>();
          for (let i = 0; i < 3; i++)
            seen.add((await fetch(`${balancer.origin}/readyz`)).headers.get('x-served-by') ?? '');
          return seen.size === 3;
        },
        20_000,
      );
      const servedBy: string[] = [];
      for (let i = 0; i < 6; i++) {
        const response = await post(`${balancer.origin}/mcp`, toolCall('whoami'), { headers });
        assert.equal(response.status, 200);
        servedBy.push(response.headers.get('x-served-by') ?? '');
      }
      assert.deepEqual(servedBy.slice(3), servedBy.slice(0, 3), `round robin: ${servedBy}`);
      assert.deepEqual(new Set(servedBy), new Set(['app1', 'app2', 'app3']));

      await redis.stop();
      redisDown = true;
      // Every /readyz turns 503, HAProxy marks each server down, and answers 503 itself.
      await eventually(
        'HAProxy without a ready replica',
        async () => {
          const response = await post(`${balancer.origin}/mcp`, toolCall('whoami'), { headers });
          return response.status === 503 && response.headers.get('x-served-by') === null;
        },
        20_000,
      );
      await redis.start();
      redisDown = false;
      await eventually(
        'HAProxy with the replicas back',
        async () => {
          const response = await post(`${balancer.origin}/mcp`, toolCall('whoami'), { headers });
          return response.status === 200;
        },
        20_000,
      );
    } finally {
      await balancer.close();
      if (redisDown) await redis.start();
    }
  });
});

// ---------------------------------------------------------------- HAProxy, when installed

/**
 * The shipped haproxy.cfg, run as it is but for the addresses: it binds a free port on
 * 127.0.0.1, and app1..app3 are the replicas' origins instead of Docker's names.
 */
async function startHaproxy(origins: string[]): Promise<{ origin: string; close(): Promise<void> }> {
  assert.ok(HAPROXY, 'haproxy');
  const port = await freePort();
  let cfg = read('haproxy.cfg')
    .replace(/^(\s*bind )\S+/m, `$1127.0.0.1:${port}`)
    .replace(/^resolvers docker\n([ \t]+.*\n)*/m, '')
    .replace(/ resolvers docker/g, '');
  origins.forEach((origin, i) => {
    cfg = cfg.replace(new RegExp(`^(\\s*server app${i + 1} )app${i + 1}:${EXPOSED}`, 'm'), `$1${new URL(origin).host}`);
  });
  assert.doesNotMatch(cfg, /server app\d app\d:/, 'every server rewritten');
  const file = join(scratch(), 'haproxy.cfg');
  writeFileSync(file, cfg);
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const origin = `http://127.0.0.1:${port}`;
  try {
    await eventually(
      'haproxy listening',
      async () => {
        if (child.exitCode !== null) return true;
        return (await fetch(`${origin}/healthz`)).status > 0;
      },
      10_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error}:\n${output}`);
  }
  assert.equal(child.exitCode, null, `haproxy exited:\n${output}`);
  return {
    origin,
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
