import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';

export interface RedisDisruptionBudgetProps {
  readonly metadata: k8s.ObjectMeta;
  readonly selectorLabels: Record<string, string>;
}

/** PodDisruptionBudget `NAME`: node drains take at most one Redis pod at a time. Only made when
 * there is more than one replica; with one, it would block every drain. */
export class RedisDisruptionBudget extends Construct {
  readonly apiObject: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: RedisDisruptionBudgetProps) {
    super(scope, id);
    this.apiObject = new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: props.metadata,
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: props.selectorLabels },
      },
    });
  }
}
