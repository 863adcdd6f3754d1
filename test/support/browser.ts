// Shared by the browser tests: Debian's Chromium driven by playwright-core, and what is missing
// when they cannot run (they skip then, saying so).
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** [path, how to get it] for each missing prerequisite. */
export function missingForBrowser(extra: [string, string][] = []): [string, string][] {
  return [[CHROMIUM, 'apt-get install -y chromium'], ['node_modules/playwright-core', 'npm install'], ['dist/index.js', 'npm run build'], ...extra].filter(([p]) => !existsSync(p)) as [string, string][];
}

export const skipReason = (missing: [string, string][]) => (missing.length ? ` (skipped: missing ${missing.map(([p, fix]) => `${p}; ${fix}`).join(', ')})` : '');

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // Playwright gives every launch a fresh temporary user-data-dir and removes it on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 15_000,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Collects the page's console, errors, failed requests and HTTP errors, for failure messages. */
export function pageLog(page: Page): string[] {
  const log: string[] = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) log.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return log;
}
