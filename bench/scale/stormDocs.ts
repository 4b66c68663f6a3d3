/**
 * Puts one storm run's figures into docs/benchmarks.md without a whole `npm run bench`:
 * `node --import tsx bench/scale/stormDocs.ts <data.json> [notes.md]` (the `--json` file of
 * `bench/scale/index.ts --storm-only`). Replaces the "Reconnect storm" subsection, the
 * storm lines of the scale section's targets and of the cost-of-growth table, and writes
 * the storm charts (docs/benchmarks/storm-<clients>.svg), linked beside the others. The notes,
 * if given, follow the table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median } from './common';
import { millis, scaleMarkdown, stormCharts, defaultContender } from './markdown';
import type { ScaleData } from './index';

const [file, notesFile] = process.argv.slice(2);
if (!file) throw new Error('usage: stormDocs.ts <data.json>');
const data = JSON.parse(readFileSync(file, 'utf8')) as ScaleData;
data.fanout.cases = [];
const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
let doc = readFileSync(`${docs}benchmarks.md`, 'utf8');

const storm = scaleMarkdown(data, { sizes: [], messages: 0, cases: [], rateOf: () => 0 });
const [table, targets] = storm.split('\n### Targets\n');
// The storm subsection: up to the next heading.
const source = `Measured by \`node --import tsx bench/scale/index.ts --storm-only --rounds ${data.rounds} --json <file>\` (then \`bench/scale/stormDocs.ts <file>\`) on ${data.date.slice(0, 10)}, Node ${data.node}, apart from the rest of this page's run; the other engineers' benchmarks shared the machine.`;
const notes = notesFile ? `\n${readFileSync(notesFile, 'utf8').trim()}\n` : '';
doc = doc.replace(/### Reconnect storm[\s\S]*?(?=\n### )/, `${table!.trim()}\n\n${source}\n${notes}`);
// The storm lines of the targets.
doc = doc.replace(/^- Reconnect storm of .*$\n?/gm, '');
doc = doc.replace(/(### Targets\n\n(?:- .*\n)+)/, (block) => `${block}${targets!.trim()}\n`);
// The cost-of-growth rows.
const mine = defaultContender(data);
const rows = [mine, 'socketio'].map((contender) => {
  const figures = data.storm.sizes.map((c) => `settled in ${millis(median(data.storm.rounds.filter((x) => x.contender === contender && x.clients === c).map((x) => x.settled)))} ms`);
  return `| Reconnect storm, ${contender === 'socketio' ? 'socket.io-client' : 'rxwire (defaults)'} | clients (× ${data.storm.channels} channels) | ${data.storm.sizes.map((c) => c.toLocaleString('en')).join(' → ')} | ${figures.join(' → ')} |  |`;
});
doc = doc.replace(/^\| Reconnect storm, .*$\n?/gm, '');
doc = doc.replace(/(\| Server fan-out, plain ws loop .*\n)/, `$1${rows.join('\n')}\n`);
// The charts.
for (const chart of stormCharts(data).reverse()) {
  writeFileSync(`${docs}benchmarks/${chart.name}.svg`, chart.svg);
  const link = `![${chart.caption}](benchmarks/${chart.name}.svg)\n`;
  if (!doc.includes(`(benchmarks/${chart.name}.svg)`)) doc = doc.replace(/(!\[Inbound throughput by message size[^\n]*\n)/, `$1\n${link}`);
}
writeFileSync(`${docs}benchmarks.md`, doc);
console.log(`written: ${docs}benchmarks.md`);
