import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Flags for a sandboxed machine with no network: no background connections, no first-run work.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether Debian's Chromium (or CHROMIUM_PATH) is here; says in one line which test is skipped when not. */
export function chromiumFor(what: string): boolean {
  const found = existsSync(CHROMIUM);
  if (!found)
    console.warn(`no Chromium at ${CHROMIUM}: ${what} is skipped (install Debian's chromium, as .ci/run does, or set CHROMIUM_PATH)`);
  return found;
}

/** Headless Chromium as the browser tests run it. */
export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
