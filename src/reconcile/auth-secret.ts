/**
 * The password the operator speaks to Redis with: the `password` key of the Secret named by
 * `spec.auth.secretName`, under the same rule the pod's start script applies (one trailing
 * newline removed). Read with one GET when the operator is about to dial; never cached, logged
 * or put in a message.
 */
import type { DefaultedRedisInstance } from '../api/redis-instance.js';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject } from '../client/objects.js';
import { Resources } from '../client/resources.js';
import { readPassword } from '../config/password.js';
import type { RedisAuth } from '../redis/redis-admin.js';
import { PASSWORD_KEY } from '../../constructs/redis-stateful-set.js';

export type AuthReading =
  | { readonly kind: 'none' }
  | { readonly kind: 'password'; readonly auth: RedisAuth }
  /** The Degraded reason and a message that names the Secret and key, never the value. */
  | { readonly kind: 'problem'; readonly reason: string; readonly message: string };

interface SecretObject extends KubeObject {
  readonly data?: Readonly<Record<string, string>>;
}

export async function readAuth(client: Pick<KubeClient, 'get'>, instance: DefaultedRedisInstance): Promise<AuthReading> {
  const secretName = instance.spec.auth.secretName;
  if (secretName === undefined) return { kind: 'none' };
  const namespace = instance.metadata.namespace;
  const where = `Secret ${namespace}/${secretName} (spec.auth.secretName)`;
  const secret = await client.get<SecretObject>(Resources.secret, secretName, namespace);
  if (secret === undefined) {
    return { kind: 'problem', reason: 'AuthSecretNotFound', message: `${where} does not exist: the pods cannot start and the operator cannot speak to Redis; nothing is changed until it does` };
  }
  const encoded = secret.data?.[PASSWORD_KEY];
  if (encoded === undefined) {
    return { kind: 'problem', reason: 'AuthSecretKeyMissing', message: `${where} has no key "${PASSWORD_KEY}"; nothing is changed until it does` };
  }
  const reading = readPassword(new Uint8Array(Buffer.from(encoded, 'base64')));
  if (reading.kind === 'refused') {
    return { kind: 'problem', reason: 'AuthSecretInvalid', message: `the password in ${where}, key "${PASSWORD_KEY}", ${reading.problem}; nothing is changed until it is fixed` };
  }
  const text = Buffer.from(reading.password).toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(Buffer.from(reading.password))) {
    return { kind: 'problem', reason: 'AuthSecretInvalid', message: `the password in ${where}, key "${PASSWORD_KEY}", is not UTF-8 text, which the operator cannot send to Redis; nothing is changed until it is` };
  }
  return { kind: 'password', auth: { password: text } };
}
