/** The protocol shared by the peer benchmark's rxwire clients and servers. */
import * as t from 'io-ts';
import { defineProtocol } from '../../src/index';

export const DeviceUpdate = t.type({ id: t.string, temperature: t.number, unit: t.string });

export const Echo = t.intersection([t.type({ n: t.number }), t.partial({ readings: t.array(t.number) })]);

export const peersProtocol = defineProtocol({
  channels: { device: { params: t.type({ id: t.string }), message: DeviceUpdate } },
  // `readings` makes the large payload of the request/reply scenario, validated element by element.
  requests: { echo: { request: Echo, response: Echo } },
});
