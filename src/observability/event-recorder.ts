import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject } from '../client/objects.js';
import { Resources } from '../client/resources.js';
import type { Logger } from './logger.js';

export type EventType = 'Normal' | 'Warning';

/**
 * Writes Kubernetes Events about a RedisInstance (`kubectl describe ri NAME` shows them).
 * Messages must never carry secrets; callers pass field paths and values from the spec only.
 * A failure to record is logged, never thrown: an Event is a report, not part of the change.
 */
export class EventRecorder {
  constructor(private readonly client: KubeClient, private readonly logger: Logger) {}

  async record(regarding: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    const namespace = regarding.metadata.namespace ?? 'default';
    try {
      await this.client.create(Resources.event, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${regarding.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.metadata.name,
          namespace,
          uid: regarding.metadata.uid,
          resourceVersion: regarding.metadata.resourceVersion,
        },
        type,
        reason,
        // The API server limits an Event message to 1 kB.
        message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
        source: { component: 'redis-operator' },
        reportingComponent: 'redis-operator',
        reportingInstance: process.env.POD_NAME ?? 'redis-operator',
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    } catch (error) {
      this.logger.warn('Could not record an Event', {
        instance: regarding.metadata.name, namespace, reason, error: (error as Error).message,
      });
    }
  }
}
