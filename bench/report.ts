/**
 * The benchmark report: collects what each section prints, draws simple SVG bar charts,
 * and writes docs/benchmarks.md with the charts beside it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Runs `work`, printing as usual, and also returns everything it printed with console.log. */
export async function capture<T>(work: () => Promise<T>): Promise<{ result: T; text: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => {
    lines.push(parts.map(String).join(' '));
    log(...parts);
  };
  try {
    const result = await work();
    return { result, text: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

/** One bar of a chart. */
export interface Bar {
  label: string;
  value: number;
  /** Drawn in rxwire's color. */
  ours?: boolean;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart as an SVG document. */
export function barChart(title: string, unit: string, bars: readonly Bar[], format: (v: number) => string = (v) => v.toFixed(2)): string {
  const width = 760;
  const labelWidth = 330;
  const rowHeight = 26;
  const top = 40;
  const height = top + bars.length * rowHeight + 20;
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const scale = (width - labelWidth - 90) / max;
  const rows = bars.map((bar, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(1, bar.value * scale);
    return [
      `<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end" font-size="13">${escape(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${bar.ours ? '#7b3fe4' : '#9aa5b1'}"/>`,
      `<text x="${labelWidth + w + 6}" y="${y + 17}" font-size="12">${escape(format(bar.value))}${unit ? ` ${escape(unit)}` : ''}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="12" y="24" font-size="15" font-weight="bold">${escape(title)}</text>
${rows.join('\n')}
</svg>
`;
}

/** Writes docs/benchmarks.md and its charts. */
export function writeReport(intro: string, sections: readonly string[], charts: ReadonlyArray<{ name: string; svg: string; caption: string }>): string {
  const docs = fileURLToPath(new URL('../docs/', import.meta.url));
  mkdirSync(`${docs}benchmarks`, { recursive: true });
  for (const chart of charts) writeFileSync(`${docs}benchmarks/${chart.name}.svg`, chart.svg);
  const body = [
    '---',
    'title: Benchmarks',
    '---',
    '',
    '# Benchmarks',
    '',
    intro,
    '',
    ...charts.map((chart) => `![${chart.caption}](benchmarks/${chart.name}.svg)\n`),
    ...sections,
  ].join('\n');
  writeFileSync(`${docs}benchmarks.md`, `${body}\n`);
  return `${docs}benchmarks.md`;
}

/**
 * A section run as its own script: prints its markdown, writes its figures to the file
 * after `--json` when given, and exits 0, or prints the error and exits 1.
 */
export function runAsScript(work: Promise<{ markdown: string; data?: unknown }>, args: readonly string[] = process.argv.slice(2)): void {
  const json = args.indexOf('--json');
  work
    .then(async ({ markdown, data }) => {
      console.log(markdown);
      if (json >= 0 && args[json + 1]) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(args[json + 1]!, JSON.stringify(data, null, 2));
      }
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
