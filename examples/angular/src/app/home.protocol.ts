import * as t from 'io-ts';
import { defineProtocol } from 'rxwire';

// The smart home's protocol: the browser's copy of examples/iot/protocol.ts, which the
// server uses (test/examples/angular.spec.ts checks that the two agree). In your own
// project the app and the server import one shared file or package.

/** An oven heating toward its target temperature. */
export const Oven = t.type({ kind: t.literal('oven'), id: t.string, name: t.string, temperature: t.number, target: t.number });
/** A dishwasher counting its program down. */
export const Dishwasher = t.type({ kind: t.literal('dishwasher'), id: t.string, name: t.string, minutesLeft: t.number, running: t.boolean });
/** A fridge whose door may be left open. */
export const Fridge = t.type({ kind: t.literal('fridge'), id: t.string, name: t.string, temperature: t.number, doorOpen: t.boolean });
/** The state of one device, as the `device` channel sends it. */
export const DeviceState = t.union([Oven, Dishwasher, Fridge]);
/** The state of one device. */
export type DeviceState = t.TypeOf<typeof DeviceState>;
/** Something the home wants its owner to know. */
export const Alert = t.type({ device: t.string, message: t.string, at: t.number });
/** An alert. */
export type Alert = t.TypeOf<typeof Alert>;

/** The smart home's protocol, shared by its server and its clients. */
export const smartHome = defineProtocol({
  channels: {
    device: { params: t.type({ id: t.string }), message: DeviceState },
  },
  events: { alert: Alert },
  requests: {
    setTarget: {
      request: t.type({ id: t.string, target: t.number }),
      response: t.type({ id: t.string, target: t.number }),
      error: t.type({ min: t.number, max: t.number }),
    },
    setDoor: { request: t.type({ id: t.string, open: t.boolean }), response: t.type({ id: t.string, open: t.boolean }) },
  },
});
