import type { KubeObject } from '../client/objects.js';
import { readPassword } from '../config/password.js';
import type { RedisAuth } from '../redis/redis-admin.js';
import { PASSWORD_KEY } from '../../constructs/redis-stateful-set.js';

/** Why the auth Secret cannot serve, as the Degraded condition says it: never its value. */
export interface AuthSecretProblem {
  readonly reason: 'AuthSecretNotFound' | 'AuthSecretInvalid';
  readonly message: string;
}

interface Secret extends KubeObject {
  readonly data?: Readonly<Record<string, string>>;
}

/**
 * Whether `secret` (undefined: there is none) can give the instance its password. Pods read the
 * password themselves and refuse to start without a good one (the start script applies the same
 * rule), so any restart would take a pod down: the operator changes nothing while this says no.
 */
export function authSecretProblem(secretName: string, namespace: string, secret: KubeObject | undefined): AuthSecretProblem | undefined {
  const until = 'nothing is changed until then';
  if (!secret) {
    return {
      reason: 'AuthSecretNotFound',
      message: `Secret ${secretName} (spec.auth.secretName) does not exist in namespace ${namespace}: create it with the password under the key ${PASSWORD_KEY} `
        + `(kubectl create secret generic ${secretName} --from-file=${PASSWORD_KEY}=FILE); ${until}`,
    };
  }
  const encoded = (secret as Secret).data?.[PASSWORD_KEY];
  if (encoded === undefined) {
    return {
      reason: 'AuthSecretInvalid',
      message: `Secret ${secretName} (spec.auth.secretName) has no key ${PASSWORD_KEY}: put the password under that key; ${until}`,
    };
  }
  const reading = readPassword(Buffer.from(encoded, 'base64'));
  if (reading.kind === 'accepted') {
    const text = Buffer.from(reading.password).toString('utf8');
    if (Buffer.from(text, 'utf8').equals(Buffer.from(reading.password))) return undefined;
    return {
      reason: 'AuthSecretInvalid',
      message: `the password (Secret ${secretName}, key ${PASSWORD_KEY}) is not UTF-8 text, which the operator cannot send to Redis; ${until}`,
    };
  }
  return {
    reason: 'AuthSecretInvalid',
    message: `the password (Secret ${secretName}, key ${PASSWORD_KEY}) ${reading.problem}; ${until}`,
  };
}

/**
 * The password the operator speaks to Redis with, from a Secret `authSecretProblem` accepted:
 * the same bytes the pods' start script gives Redis (one trailing newline removed). Held only
 * for the reconcile (and by the look at the primary between reconciles); never logged or shown.
 */
export function redisAuthOf(secret: KubeObject | undefined): RedisAuth | undefined {
  const encoded = (secret as Secret | undefined)?.data?.[PASSWORD_KEY];
  if (encoded === undefined) return undefined;
  const reading = readPassword(Buffer.from(encoded, 'base64'));
  return reading.kind === 'accepted' ? { password: Buffer.from(reading.password).toString('utf8') } : undefined;
}
