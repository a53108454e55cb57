/**
 * `lectern build https://...`: the page and its images fetched from a local HTTP server
 * (never the internet), then read like a saved page.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, listFiles, ROOT, tmpDir } from './helpers.js';

const PHOTO = readFileSync(path.join(ROOT, 'assets/sample/images/turbines.jpg'));
const PAGE = Buffer.from(
  `<html><head><meta charset="utf-8"><title>Quay caf\xe9s fear the \x93final\x94 rent rise | The Quay Post</title></head><body>
<article><h1>Quay caf\xe9s fear the \x93final\x94 rent rise</h1>
<p>The owners of the caf\xe9s along the quay say the council\x92s latest rent rise would cost each of them about \xa34,000 a year, and some of them say they would close in the winter rather than pay it.</p>
<figure><img src="img/quay.jpg" alt="Wind turbines on a hill above the quay"><figcaption>The quay in winter. Photo: Lowenna Tregear</figcaption></figure>
<figure><img src="/img/gone.jpg" alt="A caf\xe9 terrace"><figcaption>A terrace.</figcaption></figure>
<p>The council said the rise was the first in six years and that the money would pay for repairs to the sea wall, which was damaged in the storms of last winter.</p>
</article></body></html>`,
  'latin1',
);

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/old-address') return res.writeHead(301, { location: '/news/quay-rent.html' }).end();
    if (url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
    // The header gives the charset; the page's own meta says utf-8 and is wrong.
    if (url === '/news/quay-rent.html') return res.writeHead(200, { 'content-type': 'text/html; charset=windows-1252' }).end(PAGE);
    if (url === '/news/img/quay.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(PHOTO);
    if (url === '/report.pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4');
    if (url === '/big') return res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>${'<p>words</p>'.repeat(2000)}</body></html>`);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs the CLI without blocking this process, which serves the pages. */
function lecternAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('lectern build <url>', () => {
  it('fetches the page through a redirect, decodes its charset from the header, fetches its images and builds the book', async () => {
    const out = path.join(tmpDir(), 'out');
    const r = await lecternAsync(['build', `${base}/old-address`, '-o', out, '-s', 'epub']);
    expect(r.status, r.stderr).toBe(0);
    expect(listFiles(out)).toEqual(['old-address.epub']);
    // The missing image is a warning, not a failure.
    expect(r.stderr).toMatch(/warning: image http:\/\/127\.0\.0\.1:\d+\/img\/gone\.jpg could not be fetched: HTTP 404; the figure keeps its caption and credit without the image/);
    const zip = await JSZip.loadAsync(readFileSync(path.join(out, 'old-address.epub')));
    const xhtml = await zip.file('OEBPS/article.xhtml')!.async('string');
    expect(xhtml).toContain('Quay cafés fear the “final” rent rise');
    expect(xhtml).toContain('council’s latest rent rise would cost each of them about £4,000 a year');
    expect(xhtml).toMatch(/<img src="images\/[^"]+\.jpg" alt="Wind turbines on a hill above the quay"/);
    const opf = await zip.file('OEBPS/content.opf')!.async('string');
    expect(opf).toContain(`${base}/news/quay-rent.html`);
  }, 120_000);

  const failures: [string, string, RegExp][] = [
    ['an HTTP error', '/missing', /^URL: error: could not fetch the page: the server answered HTTP 404 Not Found$/],
    ['a redirect loop', '/loop', /^URL: error: could not fetch the page: more than 5 redirects$/],
    ['a PDF', '/report.pdf', /^URL: error: is not a web page \(the server says it is application\/pdf\)$/],
  ];
  for (const [name, p, message] of failures) {
    it(`${name}: one line naming the URL, exit 1, nothing written`, async () => {
      const out = path.join(tmpDir(), 'out');
      const r = await lecternAsync(['build', `${base}${p}`, '-o', out, '-s', 'epub']);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().replace(`${base}${p}`, 'URL')).toMatch(message);
      expect(listFiles(out)).toEqual([]);
    }, 60_000);
  }

  it('a page over --max-input-bytes is refused before it is all read', async () => {
    const r = await lecternAsync(['build', `${base}/big`, '-o', path.join(tmpDir(), 'out'), '-s', 'epub', '--max-input-bytes', '5000']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/\/big: error: the page is (?:more than )?\d+ bytes, over the( 5000-byte)? limit \(raise it with --max-input-bytes\)$/);
  }, 60_000);

  it('offline or refused: one line that says so', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await lecternAsync(['build', `http://127.0.0.1:${port}/story`, '-o', path.join(tmpDir(), 'out'), '-s', 'epub']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`http://127.0.0.1:${port}/story: error: could not fetch the page: 127.0.0.1:${port} refused the connection`);
    const dns = await lecternAsync(['build', 'http://no-such-host.invalid/story', '-o', path.join(tmpDir(), 'out'), '-s', 'epub']);
    expect(dns.status).toBe(1);
    expect(dns.stderr.trim()).toBe('http://no-such-host.invalid/story: error: could not fetch the page: could not find the host no-such-host.invalid (are you offline?)');
  }, 60_000);
});
