import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  API_VERSION, CONFIG_UPDATE_POLICIES, GROUP, KIND, PLURAL, RECLAIM_POLICIES, SHORT_NAME, VERSION,
} from '../src/api/redis-instance.js';
import { DEFAULT_IMAGE, DEFAULT_REPLICAS, DEFAULT_STORAGE_SIZE } from '../src/api/defaults.js';
import {
  CONFIG_VALUE_RULE, IMAGE_RULE, LIMITS, NAME_KIND, directiveNameMessage, nullConfigValueMessage, refusedDirectiveMessage,
  requestAboveLimitMessage,
} from '../src/api/validate.js';
import {
  FORBIDDEN_IN_IMAGE, FORBIDDEN_IN_VALUE, NAMED_CHARACTERS, type RegExpClass, describeCharacter,
} from '../src/api/characters.js';
import { REFUSED_DIRECTIVES } from '../src/config/directives.js';

export const CRD_NAME = `${PLURAL}.${GROUP}`;

// The quantity grammar as the Kubernetes OpenAPI spells it (see src/api/quantity.ts).
const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const DNS_1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** A CEL string literal of any text (escapes for everything but printable ASCII). */
function celString(text: string): string {
  let literal = '';
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    if (character === '"' || character === '\\') literal += `\\${character}`;
    else if (codePoint >= 0x20 && codePoint <= 0x7e) literal += character;
    else if (codePoint <= 0xffff) literal += `\\u${codePoint.toString(16).padStart(4, '0')}`;
    else literal += `\\U${codePoint.toString(16).padStart(8, '0')}`;
  }
  return `"${literal}"`;
}

// Invisible characters by name, so the API server's messages say which one as synth does.
const CHARACTER_NAMES = `{${NAMED_CHARACTERS.map((c) => `${celString(c)}: ${celString(describeCharacter(c))}`).join(', ')}}`;

/**
 * A rule on a string that refuses the characters of an RE2 class and, like the offline
 * validation, says which one and where (CEL counts code points, as characters.ts does).
 */
function characterRule(forbidden: RegExpClass, why: string): Schema {
  const found = `self.find(r'${forbidden.re2}')`;
  // size() of the clean prefix, not indexOf(), and format(), not "+": the API server's cost
  // estimate of both with an operand of unknown length is far over its budget.
  const position = `size(self.find(r'^${forbidden.complementRe2}*')) + 1`;
  const name = `${CHARACTER_NAMES}[?${found}].orValue(strings.quote(${found}))`;
  return {
    rule: `!self.matches(r'${forbidden.re2}')`,
    messageExpression: `${celString(`contains %s at character %d: ${why}`)}.format([${name}, ${position}])`,
    reason: 'FieldValueInvalid',
  };
}

type Schema = Record<string, unknown>;

// Every map, list and string reached by a CEL rule has a bound, so the API server's cost
// estimate stays within its budget and the rules are accepted.
const quantity: Schema = {
  description: 'A quantity such as 500m (CPU) or 512Mi (memory).',
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  pattern: QUANTITY_PATTERN,
  maxLength: 64,
  'x-kubernetes-int-or-string': true,
};

/**
 * A messageExpression that fills a sentence of src/api/validate.ts, built with "%s" for each
 * argument, with CEL expressions: the API server then says what synth says.
 */
function sentence(template: string, ...args: string[]): string {
  if (template.split('%').length - 1 !== args.length) throw new Error(`"${template}" needs ${args.length} %s and no other %`);
  return `${celString(template)}.format([${args.join(', ')}])`;
}

// The refused directives and why, as a CEL map, so the message names the key and the reason.
const REFUSED = `{${[...REFUSED_DIRECTIVES].map(([d, why]) => `${celString(d)}: ${celString(why)}`).join(', ')}}`;
const DIRECTIVE_NAME_RE2 = '^[a-z][a-z0-9_-]*$';
// One offending key (which one, when there are several, depends on the API server's map order:
// sorting them is over the cost budget, since key lengths are unbounded); synth names each.
const firstKey = (condition: string, map = 'self') => `${map}.filter(k, ${condition})[0]`;
// Quantities are checked by their pattern first; these rules must not add a second, confusing
// error for a malformed one, so each parse is guarded by isQuantity().
const bothQuantities = (a: string, b: string) => `isQuantity(string(${a})) && isQuantity(string(${b}))`;
const requestAboveLimit = 'k in self.limits && ' + bothQuantities('self.requests[k]', 'self.limits[k]') +
  ' && quantity(string(self.requests[k])).compareTo(quantity(string(self.limits[k]))) > 0';

const specSchema: Schema = {
  type: 'object',
  description: 'The desired Redis deployment. Every field has a default; `spec: {}` is a standalone Redis.',
  properties: {
    replicas: {
      type: 'integer', format: 'int32', minimum: 0, maximum: LIMITS.maxReplicas, default: DEFAULT_REPLICAS,
      description: '1 is a standalone Redis; more is a primary (ordinal 0) with read replicas. Rolled in place.',
    },
    image: {
      type: 'string', minLength: 1, maxLength: LIMITS.imageLength, default: DEFAULT_IMAGE,
      description: 'The Redis container image. Rolled in place.',
      'x-kubernetes-validations': [characterRule(FORBIDDEN_IN_IMAGE, IMAGE_RULE)],
    },
    resources: {
      type: 'object',
      description: 'CPU and memory requests and limits of the Redis container. Rolled in place.',
      properties: {
        limits: {
          type: 'object', maxProperties: 16, additionalProperties: quantity,
          description: 'The most the container may use, by resource name (cpu, memory).',
        },
        requests: {
          type: 'object', maxProperties: 16, additionalProperties: quantity,
          description: 'What the scheduler reserves for the container, by resource name; each at most its limit.',
        },
      },
      'x-kubernetes-validations': [{
        rule: `!has(self.limits) || !has(self.requests) || !self.requests.exists(k, ${requestAboveLimit})`,
        messageExpression: sentence(requestAboveLimitMessage('%s'), firstKey(requestAboveLimit, 'self.requests'), firstKey(requestAboveLimit, 'self.requests')),
        reason: 'FieldValueInvalid',
      }],
    },
    config: {
      type: 'object',
      description: 'redis.conf directives and their values, e.g. maxmemory: 400mb. Values are strings: quote yes, no and numbers. ' +
        'Directive names are lower case; values hold no control characters or line breaks. ' +
        `Refused, because the operator owns them or they load code or touch files: ${[...REFUSED_DIRECTIVES.keys()].join(', ')}. ` +
        'By default a change recreates the StatefulSet without downtime (see updatePolicy).',
      maxProperties: LIMITS.configEntries,
      additionalProperties: {
        // Nullable so that `maxmemory: ~` reaches the rule below instead of being dropped.
        type: 'string', nullable: true, maxLength: LIMITS.configValueLength,
        description: `The directive's value as redis.conf would hold it, at most ${LIMITS.configValueLength} characters; several words for save, client-output-buffer-limit and the like.`,
        'x-kubernetes-validations': [characterRule(FORBIDDEN_IN_VALUE, CONFIG_VALUE_RULE)],
      },
      'x-kubernetes-validations': [
        {
          rule: `self.all(k, k.matches('${DIRECTIVE_NAME_RE2}'))`,
          messageExpression: sentence(directiveNameMessage('%s'), firstKey(`!k.matches('${DIRECTIVE_NAME_RE2}')`)),
          reason: 'FieldValueInvalid',
        },
        {
          rule: 'self.all(k, type(self[k]) == string)',
          messageExpression: sentence(nullConfigValueMessage('%s'), firstKey('type(self[k]) != string')),
          reason: 'FieldValueRequired',
        },
        {
          rule: `self.all(k, !(k in ${REFUSED}))`,
          messageExpression: sentence(refusedDirectiveMessage('%s', '%s'), firstKey(`k in ${REFUSED}`), `${REFUSED}[${firstKey(`k in ${REFUSED}`)}]`),
          reason: 'FieldValueForbidden',
        },
      ],
    },
    storage: {
      type: 'object',
      description: 'The data volume of each pod (a PersistentVolumeClaim from the StatefulSet).',
      // Defaults are checked against the rules below without nested defaults applied.
      default: { size: DEFAULT_STORAGE_SIZE, reclaimPolicy: 'Retain' },
      properties: {
        size: {
          type: 'string', default: DEFAULT_STORAGE_SIZE, pattern: QUANTITY_PATTERN, maxLength: 64,
          description: 'Size of each pod\'s data volume. May grow (PVCs are expanded), never shrink.',
        },
        storageClassName: {
          type: 'string', maxLength: 253, pattern: DNS_1123_SUBDOMAIN,
          description: 'StorageClass of new data volumes. Existing PVCs keep theirs.',
        },
        reclaimPolicy: {
          type: 'string', enum: [...RECLAIM_POLICIES], default: 'Retain',
          description: 'Retain (the default) keeps the PersistentVolumeClaims when the instance is deleted; Delete lets Kubernetes delete them with it. Scaling down always keeps them.',
        },
      },
      'x-kubernetes-validations': [
        {
          rule: "!has(self.size) || !isQuantity(self.size) || quantity(self.size).isGreaterThan(quantity('0'))",
          message: 'must be greater than zero',
          fieldPath: '.size',
        },
        {
          rule: '!has(self.size) || !has(oldSelf.size) || !isQuantity(self.size) || !isQuantity(oldSelf.size) || quantity(self.size).compareTo(quantity(oldSelf.size)) >= 0',
          message: 'may grow but never shrink: a PersistentVolumeClaim cannot be made smaller',
          fieldPath: '.size',
        },
      ],
    },
    updatePolicy: {
      type: 'object',
      description: 'Which strategy carries which change.',
      default: {},
      properties: {
        config: {
          type: 'string', enum: [...CONFIG_UPDATE_POLICIES], default: 'Recreate',
          description: 'Recreate (the default) recreates the StatefulSet on a config change, keeping pods and PVCs; Rolling rolls the pods in place.',
        },
      },
    },
    auth: {
      type: 'object',
      description: 'Password authentication. Without it Redis accepts every client that reaches it.',
      properties: {
        secretName: {
          type: 'string', minLength: 1, maxLength: 253, pattern: DNS_1123_SUBDOMAIN,
          description: 'A Secret in the same namespace whose `password` key becomes requirepass and masterauth. ' +
            'One trailing newline is removed; a password that is empty, holds another line break or is longer than 16384 bytes stops the pod.',
        },
      },
    },
  },
};

const conditionSchema: Schema = {
  type: 'object',
  description: 'One aspect of the instance\'s state, as Kubernetes conditions are.',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: { type: 'string', maxLength: 316, description: 'Ready, Progressing or Degraded.' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'], description: 'Whether the condition holds: True, False or Unknown.' },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'The metadata.generation the condition was computed from.' },
    lastTransitionTime: { type: 'string', format: 'date-time', description: 'When status last changed.' },
    reason: { type: 'string', maxLength: 1024, description: 'Why, as one CamelCase word a script can match.' },
    message: { type: 'string', maxLength: 32768, description: 'Why, as a sentence for a person.' },
  },
};

const statusSchema: Schema = {
  type: 'object',
  description: 'What the operator observed and did; written by the operator only.',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64', description: 'The metadata.generation this status describes.' },
    phase: {
      type: 'string', enum: ['Pending', 'Creating', 'Updating', 'Ready', 'Degraded', 'Terminating'],
      description: 'A summary: Pending, Creating, Updating, Ready, Degraded or Terminating. The conditions say why.',
    },
    replicas: { type: 'integer', format: 'int32', description: 'Pods the StatefulSet has (for kubectl scale).' },
    readyReplicas: { type: 'integer', format: 'int32', description: 'Pods that are Ready.' },
    selector: { type: 'string', description: 'Label selector of the pods (for kubectl scale and autoscalers).' },
    lastUpdate: {
      type: 'object',
      description: 'The last change the operator carried out.',
      properties: {
        strategy: { type: 'string', description: 'The strategy that carried it: Rolling, Recreate or a custom one.' },
        time: { type: 'string', format: 'date-time', description: 'When it started.' },
        changes: {
          type: 'array',
          description: 'What changed.',
          items: {
            type: 'object',
            description: 'One changed field.',
            properties: {
              path: { type: 'string', description: 'The field, e.g. spec.image.' },
              from: { type: 'string', description: 'Its value before.' },
              to: { type: 'string', description: 'Its value after.' },
            },
          },
        },
      },
    },
    conditions: {
      type: 'array',
      description: 'Ready, Progressing and Degraded, with reasons.',
      items: conditionSchema,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
  },
};

/** The whole CustomResourceDefinition spec, as the API server receives it. */
export const CRD_SPEC = {
  group: GROUP,
  scope: 'Namespaced',
  names: {
    kind: KIND,
    listKind: `${KIND}List`,
    plural: PLURAL,
    singular: KIND.toLowerCase(),
    shortNames: [SHORT_NAME],
    categories: ['redis'],
  },
  versions: [{
    name: VERSION,
    served: true,
    storage: true,
    subresources: {
      status: {},
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.status.selector',
      },
    },
    additionalPrinterColumns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Image', type: 'string', jsonPath: '.spec.image' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    schema: {
      openAPIV3Schema: {
        type: 'object',
        description: `${KIND} (${API_VERSION}) describes one Redis deployment managed by redis-operator.`,
        required: ['spec'],
        properties: {
          apiVersion: { type: 'string', description: `${API_VERSION}.` },
          kind: { type: 'string', description: `${KIND}.` },
          // Declared so that the rules below can point at metadata.name (fieldPath). Nothing else
          // is allowed here, not even a description: kubectl explain shows ObjectMeta's own.
          metadata: { type: 'object', properties: { name: { type: 'string' } } },
          spec: specSchema,
          status: statusSchema,
        },
        'x-kubernetes-validations': [
          {
            rule: `self.metadata.name.size() <= ${LIMITS.nameLength}`,
            messageExpression: `${celString(`must be at most ${LIMITS.nameLength} characters (pods of the StatefulSet carry it in a 63-character label), got %d`)}.format([size(self.metadata.name)])`,
            fieldPath: '.metadata.name',
            reason: 'FieldValueInvalid',
          },
          {
            rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
            message: `must be ${NAME_KIND}`,
            fieldPath: '.metadata.name',
            reason: 'FieldValueInvalid',
          },
        ],
      },
    },
  }],
};

export interface RedisInstanceCrdProps {
  /** @default no extra labels */
  readonly labels?: Record<string, string>;
}

/** The CustomResourceDefinition `redisinstances.redis.github.com`. Built on a bare ApiObject
 * because the typed k8s 1.27 classes drop newer ValidationRule fields. */
export class RedisInstanceCrd extends Construct {
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: RedisInstanceCrdProps = {}) {
    super(scope, id);
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: CRD_NAME, ...(props.labels ? { labels: props.labels } : {}) },
      spec: CRD_SPEC,
    });
  }
}
