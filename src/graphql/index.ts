/**
 * GraphQL over WebSocket for rxwire's client: {@link graphqlTransportWs} is a
 * {@link rxwire!WireAdapter | WireAdapter} for the `graphql-transport-ws` protocol (the
 * graphql-ws server, and the servers that speak it), so that the same typed client,
 * with its reconnection, heartbeat, resubscription and offline queue, talks to a
 * GraphQL server. Documents are strings: nothing of `graphql` is imported, so the
 * browser bundle stays small.
 *
 * @packageDocumentation
 * @module rxwire/graphql
 */
export { graphqlTransportWs } from './graphqlTransportWs';
export type { GraphqlDocuments, GraphqlError, GraphqlLocation, GraphqlTransportWsOptions } from './graphqlTransportWs';
