import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { REDIS_PORT, ROLE_LABEL, ownedNames } from '../src/api/names.js';

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
 * serviceName). The client Service `NAME` reaches the pod the operator labelled primary, so
 * writes never land on a read-only replica and follow the primary when it moves; `NAME-replicas`
 * reaches the pods it labelled replica, for reads. A pod without a role label (new, or not yet
 * looked at by the operator) is in neither.
 */
export class RedisServices extends Construct {
  readonly headless: k8s.KubeService;
  readonly client: k8s.KubeService;
  readonly replicas: k8s.KubeService;

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
        selector: { ...props.labels, [ROLE_LABEL]: 'primary' },
        ports: PORTS,
      },
    });
    this.replicas = new k8s.KubeService(this, 'Replicas', {
      metadata: metadata(names.replicasService),
      spec: {
        type: 'ClusterIP',
        selector: { ...props.labels, [ROLE_LABEL]: 'replica' },
        ports: PORTS,
      },
    });
  }
}
