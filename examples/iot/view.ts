import type { HomeView } from './client';
import type { DeviceState } from './protocol';

const color = (code: number, text: string) => `\u001b[${code}m${text}\u001b[0m`;

function indicator(view: HomeView): string {
  const s = view.connection;
  switch (s.status) {
    case 'open':
      return color(32, '● online');
    case 'connecting':
      return color(33, `◌ connecting (attempt ${s.attempt})`);
    case 'reconnecting':
      return color(33, `↻ reconnecting: retry ${s.attempt} in ${s.delay} ms (lost with ${s.code ?? 'no code'})`);
    case 'closed':
      return color(31, `○ offline (${s.code} ${s.reason})`);
  }
}

function describe(device: DeviceState): string {
  switch (device.kind) {
    case 'oven':
      return `${device.name.padEnd(14)} ${String(device.temperature).padStart(3)} °C → ${device.target} °C`;
    case 'dishwasher':
      return `${device.name.padEnd(14)} ${device.running ? `${device.minutesLeft} min left` : 'done'}`;
    case 'fridge':
      return `${device.name.padEnd(14)} ${device.temperature} °C, door ${device.doorOpen ? color(31, 'OPEN') : 'closed'}`;
  }
}

/** The terminal view of a home, as lines of text. */
export function renderView(view: HomeView): string {
  const lines = [`Smart home  ${indicator(view)}   reconnects: ${view.reconnects}`, ''];
  for (const device of [...view.devices.values()].sort((a, b) => a.id.localeCompare(b.id))) lines.push(`  ${describe(device)}`);
  if (view.alerts.length) lines.push('', 'Alerts:', ...view.alerts.map((a) => `  ⚠ ${a.message}`));
  if (view.problems.length) lines.push('', 'Refused:', ...view.problems.map((p) => `  ✗ ${p}`));
  return lines.join('\n');
}
