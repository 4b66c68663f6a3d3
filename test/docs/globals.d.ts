// The app-specific names that code blocks in README.md and docs/*.md use without
// defining them, for test/docs/snippets.spec.ts. Kept out of tsconfig.json's program:
// nothing else may see these globals.

type DocsCodec<A> = import('io-ts').Type<A, A, unknown>;

/** The smart home's protocol, as docs/getting-started.md defines it with `defineProtocol`. */
declare const smartHome: import('rxwire').Protocol<
  {
    device: {
      readonly params: DocsCodec<{ id: string }>;
      readonly message: DocsCodec<{ id: string; temperature: number }>;
    };
  },
  { alert: DocsCodec<{ device: string; message: string }> },
  {
    setTarget: {
      readonly request: DocsCodec<{ id: string; target: number }>;
      readonly response: DocsCodec<{ ok: boolean }>;
      readonly error: DocsCodec<{ min: number; max: number }>;
    };
  }
>;

/** A client of {@link smartHome}, for blocks that continue an earlier one. */
declare const client: import('rxwire').Client<typeof smartHome>;

/** Where the app keeps its credentials. */
declare const session: { token(options?: { refresh: boolean }): Promise<string> };

/** A user, as the app's `authenticate` returns one. */
interface DocsUser {
  readonly name: string;
  readonly devices: readonly string[];
}
declare const users: { byToken(token: string | undefined): Promise<DocsUser | undefined> };
declare const ovens: { set(id: string, target: number): Promise<{ ok: boolean }> };

/** The app's view. */
declare function render(temperature: number): void;
declare function notify(message: string): void;
declare function showStatus(text: string): void;
declare function refetch(channel: string, params: unknown): void;

/** A server for {@link smartHome}, for blocks that continue an earlier one. */
declare const server: import('rxwire/server').Server<typeof smartHome, DocsUser>;
