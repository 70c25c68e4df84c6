/**
 * A real headless Chromium for tests that need a browser's own rules (CSP, cookies,
 * redirects), driven by playwright-core. The system's Chromium is used; nothing is
 * downloaded.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

/** The executable: $CHROMIUM_PATH, else the first of NAMES on $PATH. */
export function findChromium(): string | undefined {
  const candidates = process.env['CHROMIUM_PATH']
    ? [process.env['CHROMIUM_PATH']]
    : NAMES.flatMap((name) =>
        (process.env['PATH'] ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, name)),
      );
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const CHROMIUM_PATH = findChromium();

export const NO_CHROMIUM = 'no Chromium found (set CHROMIUM_PATH, or: apt-get install chromium)';

/**
 * The `skip` option for a test that needs Chromium: skipped with one line saying how to
 * install it, except under CI, where the test runs and fails (see `launchChromium`).
 */
export const SKIP_WITHOUT_CHROMIUM: string | false = CHROMIUM_PATH === undefined && !process.env['CI'] && NO_CHROMIUM;

export async function launchChromium(): Promise<Browser> {
  if (CHROMIUM_PATH === undefined) throw new Error(NO_CHROMIUM);
  // Chromium refuses to start its sandbox as root (CI containers run as root).
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}
