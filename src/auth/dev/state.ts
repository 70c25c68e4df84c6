/**
 * What the development authorization server keeps between runs: its signing key,
 * cookie keys, and the records oidc-provider stores (registered clients, grants,
 * refresh tokens, sessions). One JSON file in `.mcp-oauth/` beside the manifest; that
 * directory carries its own `.gitignore`, so the private key is never committed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { McpOAuthError } from '../../errors.js';

export const DEV_STATE_DIR = '.mcp-oauth';
const FILE_NAME = 'dev-authorization-server.json';
const FORMAT = 1;

export interface StoredRecord {
  readonly payload: Record<string, unknown>;
  /** Milliseconds since the epoch; absent for records that do not expire. */
  readonly expiresAt?: number;
}

export interface DevState {
  readonly file: string;
  /** Private RS256 key that signs access tokens. */
  readonly signingKey: JWK;
  /** The public half, as a JWK Set. */
  readonly publicJwks: { keys: JWK[] };
  readonly cookieKeys: readonly string[];
  get(key: string): StoredRecord | undefined;
  set(key: string, record: StoredRecord): void;
  delete(key: string): void;
  /** Records whose key starts with `prefix`, expired ones left out. */
  entries(prefix: string): [string, StoredRecord][];
}

interface StateFile {
  format: number;
  signingKey: JWK;
  cookieKeys: string[];
  records: Record<string, StoredRecord>;
}

// One state object per file in a process, so reloads and the token command share it.
const opened = new Map<string, Promise<DevState>>();

/** Opens (creating on first use) the state beside the manifest in `dir`. */
export function openDevState(dir: string): Promise<DevState> {
  const file = join(dir, DEV_STATE_DIR, FILE_NAME);
  let state = opened.get(file);
  if (!state) {
    state = readOrCreate(file);
    opened.set(file, state);
    state.catch(() => opened.delete(file));
  }
  return state;
}

async function readOrCreate(file: string): Promise<DevState> {
  const data = existsSync(file) ? parseStateFile(file) : await createStateFile(file);
  const now = Date.now();
  const records = new Map(
    Object.entries(data.records).filter(([, r]) => r.expiresAt === undefined || r.expiresAt > now),
  );
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicKey } = data.signingKey;
  const save = () => {
    const next: StateFile = { ...data, records: Object.fromEntries(records) };
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(next, null, 1), { mode: 0o600 });
    renameSync(tmp, file);
  };
  const live = (record: StoredRecord | undefined) =>
    record && (record.expiresAt === undefined || record.expiresAt > Date.now()) ? record : undefined;
  return {
    file,
    signingKey: data.signingKey,
    publicJwks: { keys: [publicKey] },
    cookieKeys: data.cookieKeys,
    get: (key) => live(records.get(key)),
    set(key, record) {
      records.set(key, record);
      save();
    },
    delete(key) {
      if (records.delete(key)) save();
    },
    entries: (prefix) => [...records].filter(([key, record]) => key.startsWith(prefix) && live(record) !== undefined),
  };
}

function parseStateFile(file: string): StateFile {
  const invalid = (why: string) =>
    new McpOAuthError(
      'DEV_STATE_INVALID',
      `${file} ${why}; delete it and restart (clients will register and sign in again)`,
    );
  let data: Partial<StateFile>;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Partial<StateFile>;
  } catch (error) {
    throw invalid(`cannot be read (${(error as Error).message})`);
  }
  if (
    data.format !== FORMAT ||
    typeof data.signingKey?.d !== 'string' ||
    !Array.isArray(data.cookieKeys) ||
    typeof data.records !== 'object' ||
    data.records === null
  ) {
    throw invalid('is not a development authorization server state file of this version');
  }
  return data as StateFile;
}

async function createStateFile(file: string): Promise<StateFile> {
  const dir = join(file, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(dir, '.gitignore'),
    '# Development authorization server state: a private key. Never commit it.\n*\n',
  );
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const signingKey: JWK = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
  const data: StateFile = {
    format: FORMAT,
    signingKey,
    cookieKeys: [randomBytes(32).toString('base64url')],
    records: {},
  };
  writeFileSync(file, JSON.stringify(data, null, 1), { mode: 0o600 });
  return data;
}
