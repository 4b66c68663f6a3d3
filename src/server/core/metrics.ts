// The server's figures in Prometheus's text exposition format (version 0.0.4), written
// directly: no client library to install, and nothing is computed until a scrape.

/** Upper bounds of the request-duration histogram, in seconds. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Why a peer was refused, as the `reason` label of `rxwire_refused_total`. */
export type RefusalReason = 'unauthorized' | 'forbidden' | 'unavailable' | 'origin' | 'capacity' | 'address_capacity' | 'closing' | 'not_found';

/** Counters the server keeps for its metrics, beyond those of `stats$`. */
export class ServerMetrics {
  private readonly refusals = new Map<RefusalReason, number>();
  private readonly closes = new Map<number, number>();
  private readonly durations = new Map<string, { buckets: number[]; sum: number; count: number }>();
  /** Frames not sent because their connection was closing. */
  dropped = 0;

  refused(reason: RefusalReason): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  closed(code: number): void {
    this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
  }

  /** Records how long a request of `name` took to answer, in milliseconds. */
  request(name: string, ms: number): void {
    let entry = this.durations.get(name);
    if (!entry) this.durations.set(name, (entry = { buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 }));
    const seconds = ms / 1000;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) if (seconds <= DURATION_BUCKETS[i]!) entry.buckets[i]! += 1;
    entry.sum += seconds;
    entry.count += 1;
  }

  /** The exposition text, with the gauges and counters the server passes in. */
  render(gauges: { connections: number; subscriptions: number }, counters: { messagesIn: number; messagesOut: number; published: number }): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: Array<[string, number]>): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric('rxwire_connections', 'gauge', 'Connections open now.', [['', gauges.connections]]);
    metric('rxwire_subscriptions', 'gauge', 'Subscriptions live now, over every connection.', [['', gauges.subscriptions]]);
    metric('rxwire_frames_received_total', 'counter', 'Frames received from peers.', [['', counters.messagesIn]]);
    metric('rxwire_frames_sent_total', 'counter', 'Frames sent to peers (deliveries, replies, control frames).', [['', counters.messagesOut]]);
    metric('rxwire_frames_dropped_total', 'counter', 'Frames not sent because their connection was closing.', [['', this.dropped]]);
    metric('rxwire_messages_published_total', 'counter', 'Messages published through this server.', [['', counters.published]]);
    metric('rxwire_refused_total', 'counter', 'Peers refused at the upgrade, by reason.', [...this.refusals].map(([reason, n]) => [`{reason="${reason}"}`, n]));
    metric('rxwire_closed_total', 'counter', 'Connections ended, by the close code this side sent or received.', [...this.closes].map(([code, n]) => [`{code="${code}"}`, n]));
    const histogram: Array<[string, number]> = [];
    for (const [name, entry] of this.durations) {
      const label = name.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
      DURATION_BUCKETS.forEach((bound, i) => histogram.push([`_bucket{request="${label}",le="${bound}"}`, entry.buckets[i]!]));
      histogram.push([`_bucket{request="${label}",le="+Inf"}`, entry.count], [`_sum{request="${label}"}`, entry.sum], [`_count{request="${label}"}`, entry.count]);
    }
    metric('rxwire_request_duration_seconds', 'histogram', 'Time from a request frame to its reply, by request name.', histogram);
    return `${lines.join('\n')}\n`;
  }
}
