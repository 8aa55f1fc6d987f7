import { directiveFacts } from '../../src/config/directive-table.js';
import type { RedisVersion } from '../../src/config/redis-version.js';
import type {
  AppliedConfig,
  DialGuard,
  FailoverOptions,
  FailoverOutcome,
  OpenRedisNodeSession,
  RedisAdmin,
  RedisAuth,
  RedisNodeAddress,
} from '../../src/redis/redis-admin.js';
import { formatAddress, RedisOperationError } from '../../src/redis/redis-error.js';
import type { ConnectedReplica, ReplicationInfo } from '../../src/redis/replication-info.js';

/** One simulated Redis node. Tests change these fields to stage a situation. */
export interface FakeRedisNode {
  readonly address: RedisNodeAddress;
  role: 'primary' | 'replica';
  /** Whom a replica follows. */
  primary: RedisNodeAddress | undefined;
  /** Its position in the replication stream (master_repl_offset; slave_repl_offset for a replica). */
  offset: number;
  /** Down nodes refuse connections; sessions already open fail their next command. */
  reachable: boolean;
  /** A stalled replica keeps its link but stops applying the stream, so it falls behind. */
  stalled: boolean;
  priority: number;
  /** Redis keeps no replication backlog until a replica first attaches; until then writes do not
   * move master_repl_offset. */
  backlog: boolean;
  password: string | undefined;
  readonly config: Map<string, string>;
  /** Sessions open right now (a test can check that none is left open). */
  openSessions: number;
  /** Ordinary client connections of others (applications); CLIENT KILL TYPE normal closes them. */
  clients: number;
  /**
   * A pod being deleted whose preStop hook lets Redis stop the moment it is a replica: a FAILOVER
   * from it completes, and the node goes down before the caller has seen the outcome.
   */
  stopsOnceReplica: boolean;
}

export interface FakeRedisCall {
  readonly address: string;
  readonly command: string;
}

/**
 * RedisAdmin in memory, for pure unit tests of what the operator decides and in which order it
 * does it. It keeps Redis's rules where the operator depends on them (the contract test in
 * test/unit/redis runs the same scenarios against real servers):
 * - REPLICAOF makes a node follow another and, unless stalled, catch up at once; a primary's
 *   offset moves only once a replica has attached;
 * - FAILOVER TO needs a connected replica; it completes when the target can catch up and aborts
 *   when it cannot, and afterwards the other replicas still follow the old primary (chained),
 *   exactly as Redis leaves them;
 * - CONFIG SET refuses what the directive table says the version cannot change at run time.
 */
export class FakeRedis implements RedisAdmin {
  readonly calls: FakeRedisCall[] = [];
  private readonly nodes = new Map<string, FakeRedisNode>();

  constructor(private readonly options: { readonly dialGuard?: DialGuard; readonly version?: RedisVersion } = {}) {}

  addNode(address: RedisNodeAddress, init: Partial<Omit<FakeRedisNode, 'address' | 'config'>> & { config?: Record<string, string> } = {}): FakeRedisNode {
    const { config, ...rest } = init;
    const node: FakeRedisNode = {
      address,
      role: 'primary',
      primary: undefined,
      offset: 0,
      reachable: true,
      stalled: false,
      priority: 100,
      backlog: false,
      password: undefined,
      openSessions: 0,
      clients: 0,
      stopsOnceReplica: false,
      ...rest,
      config: new Map(Object.entries({ maxmemory: '0', databases: '16', ...config })),
    };
    this.nodes.set(formatAddress(address), node);
    return node;
  }

  node(address: RedisNodeAddress): FakeRedisNode {
    const node = this.nodes.get(formatAddress(address));
    if (node === undefined) throw new Error(`no fake Redis node at ${formatAddress(address)}`);
    return node;
  }

  /** Writes `bytes` to a primary; linked replicas that are not stalled follow, chained ones too. */
  write(address: RedisNodeAddress, bytes: number): void {
    const node = this.node(address);
    if (node.role !== 'primary') throw new Error(`${formatAddress(address)} is not a primary`);
    if (node.backlog) node.offset += bytes;
    this.propagate(node);
  }

  private propagate(from: FakeRedisNode): void {
    for (const replica of this.nodes.values()) {
      if (replica.role === 'replica' && this.linked(replica) === from && !replica.stalled) {
        replica.offset = from.offset;
        this.propagate(replica);
      }
    }
  }

  private linked(replica: FakeRedisNode): FakeRedisNode | undefined {
    if (replica.primary === undefined || !replica.reachable) return undefined;
    const primary = this.nodes.get(formatAddress(replica.primary));
    return primary?.reachable ? primary : undefined;
  }

  private replicasOf(node: FakeRedisNode): FakeRedisNode[] {
    return [...this.nodes.values()].filter((r) => r.role === 'replica' && this.linked(r) === node);
  }

  checkDial(address: RedisNodeAddress): void {
    const verdict = this.options.dialGuard?.(address) ?? { allowed: true };
    if (!verdict.allowed) throw new RedisOperationError('dial-refused', address, `not dialed: ${verdict.reason}`);
  }

  async open(address: RedisNodeAddress, auth?: RedisAuth): Promise<OpenRedisNodeSession> {
    this.checkDial(address);
    const node = this.nodes.get(formatAddress(address));
    if (node === undefined || !node.reachable) throw new RedisOperationError('unreachable', address, 'connect failed: ECONNREFUSED');
    if (node.password !== undefined && auth?.password !== node.password) {
      throw new RedisOperationError('auth', address, auth === undefined ? 'connect: NOAUTH Authentication required.' : 'connect: WRONGPASS invalid username-password pair or user is disabled.');
    }
    node.openSessions++;
    return new FakeSession(this, node, this.options.version ?? '7.0');
  }

  /** @internal used by FakeSession */
  record(node: FakeRedisNode, command: string): void {
    this.calls.push({ address: formatAddress(node.address), command });
    if (!node.reachable) throw new RedisOperationError('unreachable', node.address, `${command} failed: Socket closed unexpectedly`);
  }

  /** @internal */
  info(node: FakeRedisNode): ReplicationInfo {
    const connectedReplicas: ConnectedReplica[] = this.replicasOf(node).map((r) => ({ host: r.address.host, port: r.address.port, state: 'online', offset: r.offset, lag: 0 }));
    const common = { replicationOffset: node.offset, replicationId: 'fake', failoverState: 'no-failover', connectedReplicas };
    if (node.role === 'primary') return { role: 'primary', ...common };
    const primary = this.linked(node);
    return {
      role: 'replica',
      ...common,
      primaryHost: node.primary!.host,
      primaryPort: node.primary!.port,
      linkUp: primary !== undefined,
      syncInProgress: false,
      replicaOffset: node.offset,
      lastIoSecondsAgo: primary === undefined ? undefined : 0,
      priority: node.priority,
    };
  }

  /** @internal */
  follow(node: FakeRedisNode, primary: RedisNodeAddress): void {
    node.role = 'replica';
    node.primary = primary;
    node.backlog = true;
    const linked = this.linked(node);
    if (linked !== undefined) linked.backlog = true;
    if (linked !== undefined && !node.stalled) {
      node.offset = linked.offset;
      this.propagate(node);
    }
  }

  /** @internal */
  failover(node: FakeRedisNode, target: RedisNodeAddress): FailoverOutcome {
    const replica = this.replicasOf(node).find((r) => formatAddress(r.address) === formatAddress(target));
    if (node.role !== 'primary') throw new RedisOperationError('command', node.address, 'FAILOVER: ERR FAILOVER is not valid when server is a replica.');
    if (replica === undefined) throw new RedisOperationError('command', node.address, 'FAILOVER: ERR FAILOVER target HOST and PORT is not a replica.');
    if (replica.stalled && replica.offset < node.offset) return { kind: 'aborted' };
    replica.offset = node.offset;
    replica.role = 'primary';
    replica.primary = undefined;
    this.follow(node, replica.address);
    return { kind: 'completed' };
  }
}

class FakeSession implements OpenRedisNodeSession {
  readonly address: RedisNodeAddress;
  private closed = false;

  constructor(private readonly fake: FakeRedis, private readonly node: FakeRedisNode, private readonly version: RedisVersion) {
    this.address = node.address;
  }

  private record(command: string): void {
    if (this.closed) throw new Error(`session to ${formatAddress(this.address)} used after close`);
    this.fake.record(this.node, command);
  }

  async ping(): Promise<void> {
    this.record('PING');
  }

  async replicationInfo(): Promise<ReplicationInfo> {
    this.record('INFO replication');
    return this.fake.info(this.node);
  }

  async replicaOf(primary: RedisNodeAddress): Promise<void> {
    this.fake.checkDial(primary);
    this.record(`REPLICAOF ${primary.host} ${primary.port}`);
    this.fake.follow(this.node, primary);
  }

  async promote(): Promise<void> {
    this.record('REPLICAOF NO ONE');
    this.node.role = 'primary';
    this.node.primary = undefined;
  }

  async failover(target: RedisNodeAddress, options: FailoverOptions): Promise<FailoverOutcome> {
    this.fake.checkDial(target);
    this.record(`FAILOVER TO ${target.host} ${target.port} TIMEOUT ${options.timeoutMs}`);
    const outcome = this.fake.failover(this.node, target);
    if (outcome.kind === 'completed' && this.node.stopsOnceReplica) {
      this.node.reachable = false;
      throw new RedisOperationError('unreachable', this.address, 'INFO replication failed: Socket closed unexpectedly');
    }
    return outcome;
  }

  async abortFailover(): Promise<void> {
    this.record('FAILOVER ABORT');
  }

  async disconnectClients(): Promise<number> {
    this.record('CLIENT KILL TYPE normal');
    const closed = this.node.clients;
    this.node.clients = 0;
    return closed;
  }

  async configSet(settings: Readonly<Record<string, string>>): Promise<readonly AppliedConfig[]> {
    const applied: AppliedConfig[] = [];
    for (const [name, value] of Object.entries(settings)) {
      this.record(`CONFIG SET ${name}`);
      const facts = directiveFacts(this.version, name);
      if (facts === undefined || facts.mutability === 'file-only') {
        throw new RedisOperationError('command', this.address, `CONFIG SET ${name}: ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
      }
      if (facts.mutability !== 'live') {
        const why = facts.mutability === 'protected' ? "can't set protected config" : "can't set immutable config";
        throw new RedisOperationError('command', this.address, `CONFIG SET ${name}: ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`);
      }
      this.node.config.set(facts.name, value);
      applied.push({ name, requested: value, observed: value });
    }
    return applied;
  }

  async configGet(names: readonly string[]): Promise<Readonly<Record<string, string>>> {
    const values: Record<string, string> = {};
    for (const name of names) {
      this.record(`CONFIG GET ${name}`);
      const facts = directiveFacts(this.version, name);
      const value = facts === undefined ? undefined : this.node.config.get(facts.name);
      if (value !== undefined) values[name] = value;
    }
    return values;
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.node.openSessions--;
    }
  }
}
