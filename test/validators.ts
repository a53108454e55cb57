/**
 * The real validators, run when installed: EPUBCheck (Debian's jar) and Ace by DAISY
 * (npm, driving Debian's chromium). Tests skip what is missing; CI installs both.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tmpDir, hasCommand } from './helpers.js';

export const EPUBCHECK_JAR = process.env['EPUBCHECK_JAR'] ?? '/usr/share/java/epubcheck.jar';
export const hasEpubcheck = existsSync(EPUBCHECK_JAR) && hasCommand('java');
const ACE = path.join(ROOT, 'node_modules/.bin/ace-cli');
export const hasAce = existsSync(ACE) && existsSync('/usr/bin/chromium');
export const hasChromium = existsSync('/usr/bin/chromium');

export interface EpubcheckResult {
  errors: number;
  warnings: number;
  messages: string[];
}

export function epubcheck(file: string): EpubcheckResult {
  const out = path.join(tmpDir(), 'epubcheck.json');
  spawnSync('java', ['-jar', EPUBCHECK_JAR, file, '--json', out], { encoding: 'utf8', timeout: 180_000 });
  const report = JSON.parse(readFileSync(out, 'utf8')) as { messages: { severity: string; ID: string; message: string; locations: unknown[] }[] };
  const count = (sev: string[]) => report.messages.filter((m) => sev.includes(m.severity)).reduce((n, m) => n + Math.max(1, m.locations.length), 0);
  return {
    errors: count(['FATAL', 'ERROR']),
    warnings: count(['WARNING']),
    messages: report.messages.filter((m) => ['FATAL', 'ERROR', 'WARNING'].includes(m.severity)).map((m) => `${m.severity} ${m.ID}: ${m.message}`),
  };
}

/** Chromium as puppeteer must start it here: headless, no sandbox (root), no background network. */
export function chromiumWrapper(): string {
  const file = path.join(tmpDir(), 'chromium');
  writeFileSync(file, '#!/bin/sh\nexec /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run "$@"\n');
  chmodSync(file, 0o755);
  return file;
}

export function ace(file: string): { violations: string[] } {
  const out = tmpDir();
  const r = spawnSync(ACE, ['-f', '-o', out, file], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1', PUPPETEER_EXECUTABLE_PATH: chromiumWrapper() },
  });
  const reportFile = path.join(out, 'report.json');
  if (!existsSync(reportFile)) throw new Error(`ace produced no report: ${r.stderr.slice(-500)}`);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as unknown;
  const violations: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const test = o['earl:test'] as Record<string, string> | undefined;
      const result = o['earl:result'] as Record<string, string> | undefined;
      if (test && result?.['earl:outcome'] === 'fail') violations.push(`${test['earl:impact']} ${test['dct:title']}`);
      Object.values(o).forEach(walk);
    }
  };
  walk(report);
  return { violations };
}

/** The DOM Chromium builds from an XHTML file, serialised. */
export function chromiumDom(file: string): string {
  const r = spawnSync('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', `--user-data-dir=${tmpDir()}`, '--dump-dom', file], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return r.stdout;
}
