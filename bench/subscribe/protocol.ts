/** The subscribe benchmark's protocol: one channel keyed by an id. */
import * as t from 'io-ts';
import { defineProtocol } from '../../src/index';

export const subscribeProtocol = defineProtocol({
  channels: { item: { params: t.type({ id: t.string }), message: t.type({ n: t.number }) } },
});
