import type { RedisNodeAddress } from './redis-admin.js';

/**
 * What went wrong talking to one Redis node:
 * - `dial-refused`: the dial guard (or a host that is not an IP address) ruled the address out;
 *   no socket was opened, and retrying cannot help until the pod moves;
 * - `unreachable`: connecting failed or timed out;
 * - `timeout`: a command got no reply in time;
 * - `auth`: the server refused the password (or wants one);
 * - `command`: the server answered with an error;
 * - `verification`: CONFIG GET does not show what CONFIG SET was given.
 */
export type RedisErrorKind = 'dial-refused' | 'unreachable' | 'timeout' | 'auth' | 'command' | 'verification';

const RETRYABLE: Readonly<Record<RedisErrorKind, boolean>> = {
  'dial-refused': false,
  unreachable: true,
  timeout: true,
  auth: false,
  command: false,
  verification: false,
};

/**
 * A failed operation on one node. The message is built by this module from the address, the
 * command name and the server's reply with every secret the operation carried cut out, so it
 * may be logged or shown in an Event as it is. It never carries the client library's error as
 * `cause`: that object may hold the connection's options, password included.
 */
export class RedisOperationError extends Error {
  readonly kind: RedisErrorKind;
  readonly address: string;
  /** Worth trying again later (the pod may be starting, the network may recover). */
  readonly retryable: boolean;

  constructor(kind: RedisErrorKind, address: RedisNodeAddress, message: string) {
    const where = formatAddress(address);
    super(`Redis at ${where}: ${message}`);
    this.name = 'RedisOperationError';
    this.kind = kind;
    this.address = where;
    this.retryable = RETRYABLE[kind];
  }
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatAddress(address: RedisNodeAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** `text` with every non-empty secret replaced, so that no reply or library message leaks one. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== '') result = result.split(secret).join('[redacted]');
  }
  return result;
}
