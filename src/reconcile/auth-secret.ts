import type { KubeObject } from '../client/objects.js';
import { readPassword } from '../config/password.js';
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
  if (reading.kind === 'accepted') return undefined;
  return {
    reason: 'AuthSecretInvalid',
    message: `the password (Secret ${secretName}, key ${PASSWORD_KEY}) ${reading.problem}; ${until}`,
  };
}
