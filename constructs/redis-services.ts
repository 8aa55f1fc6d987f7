import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { LABEL_POD_NAME, REDIS_PORT, ownedNames } from '../src/api/names.js';

export interface RedisServicesProps {
  readonly instanceName: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ownerReferences?: k8s.OwnerReference[];
}

const PORTS: k8s.ServicePort[] = [{
  name: 'redis',
  port: REDIS_PORT,
  targetPort: k8s.IntOrString.fromString('redis'),
  protocol: 'TCP',
}];

/**
 * The headless Service `NAME-headless` gives each pod a stable DNS name (the StatefulSet's
 * serviceName); the client Service `NAME` reaches the primary only, so writes never land on a
 * read-only replica.
 */
export class RedisServices extends Construct {
  readonly headless: k8s.KubeService;
  readonly client: k8s.KubeService;

  constructor(scope: Construct, id: string, props: RedisServicesProps) {
    super(scope, id);
    const names = ownedNames(props.instanceName);
    const metadata = (name: string): k8s.ObjectMeta => ({
      name,
      namespace: props.namespace,
      labels: props.labels,
      ...(props.ownerReferences ? { ownerReferences: props.ownerReferences } : {}),
    });
    this.headless = new k8s.KubeService(this, 'Headless', {
      metadata: metadata(names.headlessService),
      spec: {
        clusterIp: 'None',
        // Replicas resolve the primary's name while it starts, before it is Ready.
        publishNotReadyAddresses: true,
        selector: props.labels,
        ports: PORTS,
      },
    });
    this.client = new k8s.KubeService(this, 'Client', {
      metadata: metadata(names.clientService),
      spec: {
        type: 'ClusterIP',
        selector: { ...props.labels, [LABEL_POD_NAME]: names.primaryPod },
        ports: PORTS,
      },
    });
  }
}
