import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { root } from './apps';

/** Debian's chromium (scripts/test.sh installs the package when it is missing); CHROMIUM_PATH names another. */
export const chromiumPath = (): string => process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export async function launch(): Promise<Browser> {
  const exe = chromiumPath();
  if (!existsSync(exe)) throw new Error(`${exe} is missing: apt-get install chromium (npm test installs it as root), or set CHROMIUM_PATH`);
  // as root, Chromium's sandbox needs user namespaces the test machine may not grant
  return chromium.launch({ executablePath: exe, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}

/** What the page logged as an error or threw, collected so a test can say none happened. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

/** Test artefacts under tmp/screenshots; PORTOLAN_README_SCREENSHOTS=1 also writes the README's to docs/screenshots. */
export async function screenshot(page: Page, name: string, opts: { readme?: boolean } = {}): Promise<string> {
  const dir = path.join(root, 'tmp/screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (opts.readme && process.env['PORTOLAN_README_SCREENSHOTS'] === '1') {
    mkdirSync(path.join(root, 'docs/screenshots'), { recursive: true });
    await page.screenshot({ path: path.join(root, 'docs/screenshots', `${name}.png`), fullPage: true });
  }
  return file;
}
