import { API_VERSION, CONFIG_UPDATE_POLICIES, KIND, RECLAIM_POLICIES } from './redis-instance.js';
import type { FieldError } from './field-error.js';
import { isQuantity, parseQuantity } from './quantity.js';
import {
  codePointLength, describeCharacter, findCharacter, isAllowedInImage, isForbiddenInValue,
} from './characters.js';
import {
  DIRECTIVE_NAME,
  KNOWN_DIRECTIVES,
  REFUSED_DIRECTIVES,
} from '../config/directives.js';

/**
 * Client-side validation of a RedisInstance document. It mirrors the CRD's schema and CEL rules
 * (constructs/redis-instance-crd.ts) so synth-only mode refuses exactly what the API server
 * would, plus what only the operator can know (refused redis.conf directives are also CEL rules).
 */
export interface ValidationResult {
  readonly errors: readonly FieldError[];
  /** Suspicious but allowed input, such as a directive this Redis version does not know. */
  readonly warnings: readonly FieldError[];
}

/** Limits shared with the CRD schema. */
export const LIMITS = {
  /** A StatefulSet's pods get the label `controller-revision-hash: NAME-<10 chars>` (63 max). */
  nameLength: 52,
  configEntries: 128,
  configValueLength: 4096,
  imageLength: 512,
  maxReplicas: 100,
} as const;

/** The refusal of a config value's character; the CRD's CEL rule builds the same sentence. */
export function configValueMessage(character: string, position: number): string {
  return `contains ${describeCharacter(character)} at character ${position}: ${CONFIG_VALUE_RULE}`;
}
export const CONFIG_VALUE_RULE =
  'control characters and line breaks are refused (they would end the redis.conf line, or the YAML line for kubectl)';

/** The refusal of an image's character; the CRD's CEL rule builds the same sentence. */
export function imageMessage(character: string, position: number): string {
  return `contains ${describeCharacter(character)} at character ${position}: ${IMAGE_RULE}`;
}
/*
 * The sentences below are shared with the CRD's CEL rules (constructs/redis-instance-crd.ts),
 * which call them with "%s" placeholders and fill them in with format(), so that the API server
 * and synth say the same thing.
 */

export const NAME_KIND = 'a DNS-1035 label (lower-case letters, digits and "-", starting with a letter), since it names Services';

export function nullConfigValueMessage(directive: string): string {
  return `directive "${directive}" has no value: a null value (~, or nothing after the colon) is not a string: quote it, or remove the directive`;
}

export function directiveNameMessage(directive: string): string {
  return `directive "${directive}" is not a lower-case name: directive names are lower-case letters, digits, "-" and "_", starting with a letter (Redis ignores case, so mixed case could hide a refused directive)`;
}

export function refusedDirectiveMessage(directive: string, reason: string): string {
  return `directive "${directive}" cannot be set: it ${reason}`;
}

export function requestAboveLimitMessage(resource: string): string {
  return `the ${resource} request must be less than or equal to the ${resource} limit`;
}

export const IMAGE_RULE = 'an image reference is printable ASCII without spaces, such as redis:7.2';

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RESOURCE_NAME = /^([a-z0-9.-]+\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

const SPEC_FIELDS = new Set(['replicas', 'image', 'resources', 'config', 'storage', 'updatePolicy', 'auth']);
const TOP_LEVEL_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

class Collector {
  readonly errors: FieldError[] = [];
  readonly warnings: FieldError[] = [];
  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }
  unknownFields(path: string, value: Json, allowed: ReadonlySet<string>): void {
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.error(`${path}${path ? '.' : ''}${key}`, 'unknown field');
    }
  }
  object(path: string, value: unknown): value is Json {
    if (isObject(value)) return true;
    this.error(path, `must be an object, got ${describe(value)}`);
    return false;
  }
  string(path: string, value: unknown): value is string {
    if (typeof value === 'string') return true;
    const hint = typeof value === 'boolean'
      ? ' (YAML reads unquoted yes, no, on, off, true and false as booleans: quote the value, e.g. "yes")'
      : typeof value === 'number' ? ` (quote it: "${String(value)}")` : '';
    this.error(path, `must be a string, got ${describe(value)}${hint}`);
    return false;
  }
  name(path: string, value: unknown, pattern: RegExp, kind: string, maxLength: number): void {
    if (!this.string(path, value)) return;
    const length = codePointLength(value);
    if (length > maxLength) this.error(path, `must be at most ${maxLength} characters, got ${length}`);
    if (!pattern.test(value)) this.error(path, `must be ${kind}, got ${JSON.stringify(value)}`);
  }
}

export function validateRedisInstance(document: unknown): ValidationResult {
  const c = new Collector();
  if (!c.object('', document)) return c;
  c.unknownFields('', document, TOP_LEVEL_FIELDS);
  if (document.apiVersion !== API_VERSION) {
    c.error('apiVersion', `must be "${API_VERSION}", got ${describe(document.apiVersion)}`);
  }
  if (document.kind !== KIND) c.error('kind', `must be "${KIND}", got ${describe(document.kind)}`);
  validateMetadata(c, document.metadata);
  if (document.spec === undefined || document.spec === null) {
    c.error('spec', 'is required (an empty object takes every default)');
  } else if (c.object('spec', document.spec)) {
    validateSpec(c, document.spec);
  }
  return c;
}

function validateMetadata(c: Collector, metadata: unknown): void {
  if (!c.object('metadata', metadata)) return;
  if (metadata.name === undefined) c.error('metadata.name', 'is required');
  else {
    c.name('metadata.name', metadata.name, DNS_1035_LABEL, NAME_KIND, LIMITS.nameLength);
  }
  if (metadata.namespace !== undefined) {
    c.name('metadata.namespace', metadata.namespace, DNS_1123_LABEL, 'a DNS-1123 label', 63);
  }
}

function validateSpec(c: Collector, spec: Json): void {
  c.unknownFields('spec', spec, SPEC_FIELDS);
  const { replicas, image, resources, config, storage, updatePolicy, auth } = spec;
  if (replicas !== undefined) {
    if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
      c.error('spec.replicas', `must be an integer, got ${describe(replicas)}`);
    } else if (replicas < 0) {
      c.error('spec.replicas', `must be greater than or equal to 0, got ${replicas}`);
    } else if (replicas > LIMITS.maxReplicas) {
      c.error('spec.replicas', `must be at most ${LIMITS.maxReplicas}, got ${replicas}`);
    }
  }
  if (image !== undefined && c.string('spec.image', image)) {
    const refused = findCharacter(image, (codePoint) => !isAllowedInImage(codePoint));
    if (image.length === 0) c.error('spec.image', 'must not be empty');
    else if (refused) c.error('spec.image', imageMessage(refused.character, refused.position));
    else if (image.length > LIMITS.imageLength) c.error('spec.image', `must be at most ${LIMITS.imageLength} characters`);
  }
  if (resources !== undefined) validateResources(c, resources);
  if (config !== undefined) validateConfig(c, config);
  if (storage !== undefined && c.object('spec.storage', storage)) {
    c.unknownFields('spec.storage', storage, new Set(['size', 'storageClassName', 'reclaimPolicy']));
    if (storage.reclaimPolicy !== undefined && !RECLAIM_POLICIES.includes(storage.reclaimPolicy as never)) {
      c.error('spec.storage.reclaimPolicy', `must be one of ${RECLAIM_POLICIES.map((p) => `"${p}"`).join(', ')}, got ${describe(storage.reclaimPolicy)}`);
    }
    if (storage.size !== undefined) {
      const ok = validateQuantity(c, 'spec.storage.size', storage.size);
      if (ok && parseQuantity(String(storage.size)) <= 0n) c.error('spec.storage.size', 'must be greater than zero');
    }
    if (storage.storageClassName !== undefined) {
      c.name('spec.storage.storageClassName', storage.storageClassName, DNS_1123_SUBDOMAIN, 'a DNS-1123 subdomain', 253);
    }
  }
  if (updatePolicy !== undefined && c.object('spec.updatePolicy', updatePolicy)) {
    c.unknownFields('spec.updatePolicy', updatePolicy, new Set(['config']));
    const policy = updatePolicy.config;
    if (policy !== undefined && !CONFIG_UPDATE_POLICIES.includes(policy as never)) {
      c.error('spec.updatePolicy.config', `must be one of ${CONFIG_UPDATE_POLICIES.map((p) => `"${p}"`).join(', ')}, got ${describe(policy)}`);
    }
  }
  if (auth !== undefined && c.object('spec.auth', auth)) {
    c.unknownFields('spec.auth', auth, new Set(['secretName']));
    if (auth.secretName !== undefined) {
      c.name('spec.auth.secretName', auth.secretName, DNS_1123_SUBDOMAIN, 'a DNS-1123 subdomain (a Secret name)', 253);
    }
  }
}

/** Resource quantities may be numbers as in a core ResourceRequirements; storage.size is a string. */
function validateQuantity(c: Collector, path: string, value: unknown, allowNumber = false): boolean {
  if (allowNumber && typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string' || !isQuantity(value)) {
    c.error(path, `must be a quantity such as 1Gi, 512Mi or 500m, got ${describe(value)}`);
    return false;
  }
  return true;
}

function validateResources(c: Collector, resources: unknown): void {
  if (!c.object('spec.resources', resources)) return;
  c.unknownFields('spec.resources', resources, new Set(['limits', 'requests']));
  const values: Record<'limits' | 'requests', Record<string, bigint>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    const map = resources[kind];
    if (map === undefined || !c.object(`spec.resources.${kind}`, map)) continue;
    for (const [name, quantity] of Object.entries(map)) {
      const path = `spec.resources.${kind}.${name}`;
      if (!RESOURCE_NAME.test(name)) c.error(path, 'is not a valid resource name');
      if (!validateQuantity(c, path, quantity, true)) continue;
      const value = parseQuantity(String(quantity));
      if (value < 0n) c.error(path, 'must not be negative');
      values[kind][name] = value;
    }
  }
  for (const [name, request] of Object.entries(values.requests)) {
    const limit = values.limits[name];
    if (limit !== undefined && request > limit) {
      c.error(`spec.resources.requests.${name}`, requestAboveLimitMessage(name));
    }
  }
}

function validateConfig(c: Collector, config: unknown): void {
  if (!c.object('spec.config', config)) return;
  const entries = Object.entries(config);
  if (entries.length > LIMITS.configEntries) {
    c.error('spec.config', `must have at most ${LIMITS.configEntries} entries, got ${entries.length}`);
  }
  for (const [directive, value] of entries) {
    const path = `spec.config.${directive}`;
    if (!DIRECTIVE_NAME.test(directive)) {
      c.error(path, directiveNameMessage(directive));
      continue;
    }
    const refusal = REFUSED_DIRECTIVES.get(directive);
    if (refusal !== undefined) {
      c.error(path, refusedDirectiveMessage(directive, refusal));
      continue;
    }
    if (value === null) {
      c.error(path, nullConfigValueMessage(directive));
      continue;
    }
    if (!c.string(path, value)) continue;
    const refused = findCharacter(value, isForbiddenInValue);
    if (refused) {
      c.error(path, configValueMessage(refused.character, refused.position));
    } else if (codePointLength(value) > LIMITS.configValueLength) {
      c.error(path, `must be at most ${LIMITS.configValueLength} characters, got ${codePointLength(value)}`);
    }
    if (!KNOWN_DIRECTIVES.has(directive)) c.warn(path, `"${directive}" is not a redis.conf directive Redis 7 knows`);
  }
}

