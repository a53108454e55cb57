const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const { default: sharp } = await import('sharp'); sharp.cache(false);
const { readFileSync } = await import('node:fs');
// Recreate the cover svg via drawCover's internals: monkeypatch by rendering template with fields similar
const svgT = readFileSync('templates/cover.svg', 'utf8');
const fields = { accent: '#9e2a2b', kicker: 'ENERGY', headlineSize: '118', headlineLines: '<tspan x="120" y="598">Tidal lagoon approved</tspan><tspan x="120" y="737">after a decade of</tspan><tspan x="120" y="876">argument over fish</tspan><tspan x="120" y="1015">and power</tspan>', ruleY: '1125', bylineY: '1245', byline: 'By Jane Doe, Swansea', datelineY: '1325', dateline: 'June 3, 2024', publisher: 'The Sample Times' };
const svg = Buffer.from(svgT.replace(/\{\{(\w+)\}\}/g, (_, k) => fields[k] ?? ''));
async function time(label, f, n = 5) {
  await f(); const ts = [];
  for (let i = 0; i < n; i++) { const t = cpu(); await f(); ts.push(cpu() - t); }
  ts.sort((a, b) => a - b); console.log(label.padEnd(50), ts[n >> 1].toFixed(1), 'ms cpu');
}
const t0 = cpu(); await sharp(svg, { density: 72 }).raw().toBuffer(); console.log('first render (fonts)', (cpu() - t0).toFixed(1));
await time('current: svg resize jpeg q85 optimise', () => sharp(svg, { density: 72 }).resize(1600, 2560).jpeg({ quality: 85, optimiseCoding: true }).toBuffer());
await time('no resize', () => sharp(svg, { density: 72 }).jpeg({ quality: 85, optimiseCoding: true }).toBuffer());
await time('render only raw', () => sharp(svg, { density: 72 }).raw().toBuffer());
const raw = await sharp(svg, { density: 72 }).raw().toBuffer({ resolveWithObject: true });
console.log(raw.info);
const rgb = await sharp(svg, { density: 72 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
await time('jpeg from raw rgba', () => sharp(raw.data, { raw: raw.info }).jpeg({ quality: 85, optimiseCoding: true }).toBuffer());
await time('jpeg from raw rgb', () => sharp(rgb.data, { raw: rgb.info }).jpeg({ quality: 85, optimiseCoding: true }).toBuffer());
await time('jpeg from raw rgb no optimise', () => sharp(rgb.data, { raw: rgb.info }).jpeg({ quality: 85 }).toBuffer());
const a = await sharp(svg, { density: 72 }).resize(1600, 2560).jpeg({ quality: 85, optimiseCoding: true }).toBuffer();
const b = await sharp(svg, { density: 72 }).jpeg({ quality: 85, optimiseCoding: true }).toBuffer();
const c = await sharp(rgb.data, { raw: rgb.info }).jpeg({ quality: 85, optimiseCoding: true }).toBuffer();
console.log('no-resize same bytes', a.equals(b), 'raw-rgb same', a.equals(c), a.length);
await time('no resize + removeAlpha', () => sharp(svg, { density: 72 }).removeAlpha().jpeg({ quality: 85, optimiseCoding: true }).toBuffer());
await time('no resize + flatten', () => sharp(svg, { density: 72 }).flatten({background:'#f6f1e7'}).jpeg({ quality: 85, optimiseCoding: true }).toBuffer());
await time('no resize + extractChannel-ish', () => sharp(svg, { density: 72 }).toColourspace('srgb').removeAlpha().jpeg({ quality: 85, optimiseCoding: true }).toBuffer());
const d = await sharp(svg, { density: 72 }).removeAlpha().jpeg({ quality: 85, optimiseCoding: true }).toBuffer();
console.log('removeAlpha same bytes', a.equals(d));
await time('no resize + removeAlpha, 4:4:4?', () => sharp(svg, { density: 72 }).removeAlpha().jpeg({ quality: 85, optimiseCoding: true, chromaSubsampling: '4:2:0' }).toBuffer());
await time('mozjpeg', () => sharp(svg, { density: 72 }).removeAlpha().jpeg({ quality: 85, mozjpeg: true }).toBuffer());
await time('render to png palette', () => sharp(svg, { density: 72 }).removeAlpha().png({ palette: true }).toBuffer());
