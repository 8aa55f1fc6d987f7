/** Injection tokens: the one place dependencies are named (see di/container.ts). */
export const TOKENS = {
  KubeClient: Symbol.for('redis-operator.KubeClient'),
  Logger: Symbol.for('redis-operator.Logger'),
  Metrics: Symbol.for('redis-operator.Metrics'),
  EventRecorder: Symbol.for('redis-operator.EventRecorder'),
  /** Multi-injection: every strategy the registry may choose, in the order they are asked. */
  UpdateStrategy: Symbol.for('redis-operator.UpdateStrategy'),
  StrategyRegistry: Symbol.for('redis-operator.StrategyRegistry'),
  LifecycleService: Symbol.for('redis-operator.LifecycleService'),
  Reconciler: Symbol.for('redis-operator.Reconciler'),
  /** Read access to live objects (the controller's informer stores). */
  ObjectCache: Symbol.for('redis-operator.ObjectCache'),
  Clock: Symbol.for('redis-operator.Clock'),
  /** The only way to speak to Redis (src/redis/redis-admin.ts). */
  RedisAdmin: Symbol.for('redis-operator.RedisAdmin'),
  /** Which addresses RedisAdmin may dial (src/reconcile/real-node-guard.ts). */
  DialGuard: Symbol.for('redis-operator.DialGuard'),
  ReplicationReconciler: Symbol.for('redis-operator.ReplicationReconciler'),
  PrimaryMonitor: Symbol.for('redis-operator.PrimaryMonitor'),
} as const;
