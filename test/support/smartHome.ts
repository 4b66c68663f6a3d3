import * as t from 'io-ts';
import { defineProtocol } from '../../src/protocol/defineProtocol';

export const DeviceUpdate = t.type({ id: t.string, temperature: t.number }, 'DeviceUpdate');
export const Alert = t.type({ device: t.string, message: t.string }, 'Alert');
export const SetTarget = t.type({ id: t.string, target: t.number }, 'SetTarget');
export const SetTargetResult = t.type({ ok: t.boolean, target: t.number }, 'SetTargetResult');

/** The protocol the client specs use. */
export const smartHome = defineProtocol({
  channels: {
    device: { params: t.type({ id: t.string }), message: DeviceUpdate },
    room: { params: t.type({ building: t.string, floor: t.number }), message: t.type({ text: t.string }) },
  },
  events: { alert: Alert },
  requests: {
    setTarget: { request: SetTarget, response: SetTargetResult, error: t.type({ max: t.number }) },
  },
});
