import type { Alert, DeviceState } from './protocol';

/** A simulated home: devices that change on every tick and raise alerts. */
export interface Home {
  /** The devices by id. */
  readonly devices: Map<string, DeviceState>;
  /** Advances the simulation by one tick; returns the alerts it raised. */
  tick(now?: number): Alert[];
}

/** How many ticks a fridge door may stay open before the alert. */
const DOOR_TICKS = 2;

/**
 * A home with two ovens, a dishwasher and a fridge. Each tick the oven moves 15 °C
 * toward its target, the dishwasher counts down one minute, and a fridge door left
 * open warms the fridge and raises an alert.
 */
export function createHome(): Home {
  const devices = new Map<string, DeviceState>([
    ['oven-1', { kind: 'oven', id: 'oven-1', name: 'Kitchen oven', temperature: 20, target: 180 }],
    ['dishwasher-1', { kind: 'dishwasher', id: 'dishwasher-1', name: 'Dishwasher', minutesLeft: 45, running: true }],
    ['fridge-1', { kind: 'fridge', id: 'fridge-1', name: 'Fridge', temperature: 4, doorOpen: false }],
    ['oven-2', { kind: 'oven', id: 'oven-2', name: "Bob's oven", temperature: 20, target: 0 }],
  ]);
  const doorOpenFor = new Map<string, number>();

  return {
    devices,
    tick(now = Date.now()) {
      const alerts: Alert[] = [];
      for (const [id, device] of devices) {
        if (device.kind === 'oven') {
          const goal = device.target > 0 ? device.target : 20;
          const step = Math.max(-15, Math.min(15, goal - device.temperature));
          devices.set(id, { ...device, temperature: device.temperature + step });
          if (step !== 0 && device.temperature + step === device.target) alerts.push({ device: id, message: `${device.name} reached ${device.target} °C`, at: now });
        } else if (device.kind === 'dishwasher' && device.running) {
          const minutesLeft = Math.max(0, device.minutesLeft - 1);
          devices.set(id, { ...device, minutesLeft, running: minutesLeft > 0 });
          if (minutesLeft === 0) alerts.push({ device: id, message: 'Dishwasher finished', at: now });
        } else if (device.kind === 'fridge') {
          const open = device.doorOpen ? (doorOpenFor.get(id) ?? 0) + 1 : 0;
          doorOpenFor.set(id, open);
          const temperature = device.doorOpen ? device.temperature + 1 : Math.max(4, device.temperature - 1);
          devices.set(id, { ...device, temperature });
          if (open === DOOR_TICKS) alerts.push({ device: id, message: `${device.name} door left open`, at: now });
        }
      }
      return alerts;
    },
  };
}
