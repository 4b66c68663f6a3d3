/** The protocol shared by the peer benchmark's rxwire clients and servers. */
import * as t from 'io-ts';
import { defineProtocol } from '../../src/index';

export const DeviceUpdate = t.type({ id: t.string, temperature: t.number, unit: t.string });

export const peersProtocol = defineProtocol({
  channels: { device: { params: t.type({ id: t.string }), message: DeviceUpdate } },
  requests: { echo: { request: t.type({ n: t.number }), response: t.type({ n: t.number }) } },
});
