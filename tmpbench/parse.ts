function frames(spread: number, count: number): string[] {
  const out: string[] = []; const seqs = new Array(spread).fill(0);
  for (let i = 0; i < count; i++) { const c = i % spread; out.push(`{"type":"msg","id":"${c + 1}","seq":${++seqs[c]},"data":{"id":"dev-${c}","temperature":${20 + (i % 200) / 10},"unit":"celsius"}}`); }
  return out;
}
const a = frames(1, 300000), b = frames(10000, 300000);
const m = new Map<string, number>(); for (let i = 1; i <= 10000; i++) m.set(String(i), i);
for (let r = 0; r < 4; r++) {
  for (const [name, f] of [['1 id', a], ['10k ids', b]] as const) {
    let x = 0; const t0 = performance.now();
    for (const s of f) { const o = JSON.parse(s); x += m.get(o.id) ?? 0; }
    const ms = performance.now() - t0;
    process.stdout.write(`${name}: ${Math.round(300000 / ms)}k/s  `);
  }
  console.log();
}
