/**
 * Issue 16's targets in one table, each with rxwire's figure, the peer's figure from the
 * same `npm run bench` run and met / not met, gathered from the sections' data.
 */
import { ratios, runsOf, type PublishData } from './publish/index';
import { defaultContender, millis, settledOf, stormRounds, sum } from './scale/markdown';
import type { ScaleData } from './scale/index';
import type { SubscribeOutcome } from './subscribe/index';
import { median } from './stats';

/** What the run measured that the targets read. */
export interface TargetInputs {
  /**
   * rxwire's and the bare `Map`'s 10,000-channel rate over their own 1-channel rate (medians of
   * per-round ratios), and the same by client CPU time per message (1-channel over 10,000).
   */
  flatness: { rxwire: number; map: number; rxwireCpu: number; mapCpu: number };
  publish: PublishData;
  scale: ScaleData;
  subscribe: { batched: SubscribeOutcome[]; unbatched: SubscribeOutcome[] };
  /** Seconds `npm run bench -- --quick` took, run at the end of this run. */
  quickSeconds: number;
}

const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
const x2 = (x: number) => x.toFixed(2);

/** The targets table, as markdown. */
export function targetsSection(inputs: TargetInputs): string {
  const { flatness, publish, scale, subscribe, quickSeconds } = inputs;
  const rows: string[] = [];
  const row = (target: string, ours: string, peer: string, ok: boolean) => rows.push(`| ${target} | ${ours} | ${peer} | ${met(ok)} |`);

  const plainRate = (streams: number) => `plain \`ws\` pair ${Math.round(median(runsOf(publish, 'ws', streams).map((r) => r.rate)) / 100) / 10}k msgs/s (1.00)`;
  const publishRow = (label: string, server: string, streams: number) => {
    const ratio = median(ratios(publish, server, streams));
    const rate = median(runsOf(publish, server, streams).map((r) => r.rate));
    row(`Publish → delivery, ${label}: ≥ 0.80 of the plain \`ws\` pair`, `${Math.round(rate / 100) / 10}k msgs/s (${x2(ratio)})`, plainRate(streams), ratio >= 0.8);
  };
  publishRow('1 stream, awaiting each `publish`', 'rxwire', 1);
  publishRow('1 stream, pipelined', 'rxwire-pipelined', 1);
  publishRow('1,000 streams of one subscriber each', 'rxwire', 1000);

  const mine = defaultContender(scale);
  for (const size of scale.storm.sizes) {
    const ours = stormRounds(scale, mine, size);
    const theirs = stormRounds(scale, 'socketio', size);
    if (!ours.length || !theirs.length) continue;
    const ok = settledOf(ours) <= settledOf(theirs) && sum(ours, 'givenUp') === 0 && sum(ours, 'limitCloses') === 0 && ours.every((r) => r.back === size);
    row(
      `Reconnect storm, ${size.toLocaleString('en')} clients × ${scale.storm.channels} channels: settled no later than socket.io, none given up, no rate-limit close`,
      `${millis(settledOf(ours))} ms; ${sum(ours, 'givenUp')} given up, ${sum(ours, 'limitCloses')} closes 1008/1013`,
      `socket.io ${millis(settledOf(theirs))} ms`,
      ok,
    );
  }

  const ok = (outcomes: SubscribeOutcome[]) => outcomes.filter((o): o is Extract<SubscribeOutcome, { subscribeMs: number }> => 'subscribeMs' in o);
  const batched = ok(subscribe.batched);
  const unbatchedFailed = subscribe.unbatched.length - ok(subscribe.unbatched).length;
  if (subscribe.batched.length) {
    const sub = median(batched.map((o) => o.subscribeMs));
    const resub = median(batched.map((o) => o.resubscribeMs));
    row(
      'Subscribe 10,000 channels at once, and resubscribe them after a drop, within the default limits, ≤ 1 s',
      batched.length ? `${Math.round(sub)} ms / ${Math.round(resub)} ms; ${subscribe.batched.length - batched.length} of ${subscribe.batched.length} runs failed` : `all ${subscribe.batched.length} runs failed`,
      `one frame per subscribe: ${unbatchedFailed} of ${subscribe.unbatched.length} runs closed`,
      batched.length === subscribe.batched.length && Math.max(sub, resub) <= 1000,
    );
  }

  const big = Math.max(...scale.fanout.cases.map((c) => c.clients));
  const fixed = scale.fanout.cases.find((c) => c.clients === big && c.rate > 0);
  if (fixed) {
    const p99 = (server: string) => median(scale.fanout.rounds.filter((r) => r.server === server && r.clients === big && r.rate === fixed.rate).map((r) => r.p99));
    row(
      `${big.toLocaleString('en')} clients at ${fixed.rate} msgs/s: p99 within 10 % of the plain \`ws\` loop`,
      `p99 ${millis(p99('rxwire'))} ms (${x2(p99('rxwire') / p99('ws'))} of the loop's)`,
      `plain \`ws\` loop ${millis(p99('ws'))} ms`,
      p99('rxwire') <= p99('ws') * 1.1,
    );
  }

  row(
    'Routing flatness: 10,000 channels with uniform traffic within 0.05 of the bare `Map` floor (each vs its 1-channel rate)',
    x2(flatness.rxwire),
    `bare \`Map\` of 10,000 handlers over raw \`ws\`: ${x2(flatness.map)}`,
    flatness.rxwire >= flatness.map - 0.05,
  );
  row(
    'The same by client CPU time per message (not the issue\'s measure: steadier, as it leaves out time spent waiting)',
    x2(flatness.rxwireCpu),
    `bare \`Map\`: ${x2(flatness.mapCpu)}`,
    flatness.rxwireCpu >= flatness.mapCpu - 0.05,
  );
  row('`npm run bench -- --quick` (the CI smoke) under 2 minutes, with progress', `${quickSeconds.toFixed(0)} s`, '—', quickSeconds < 120);

  return [
    '## Issue 16: where rxwire was behind',
    '',
    'Every figure from this run (medians over its rounds; the sections below give the rounds, the ranges and how each was measured). The notes under a section are written by hand from separate, dated measurements: where a target is not met, they give the profile and what was tried.',
    '',
    '| target | rxwire | peer, same run | |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
