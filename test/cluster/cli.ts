/**
 * `npm run cluster -- up|down [--dir DIR]`: starts or stops the local control plane outside of
 * the test runner, for trying the operator, benchmarks or debugging a test by hand.
 */
import { parseArgs } from 'node:util';
import { startCluster, stopCluster } from './cluster.js';
import { loadKubeConfig } from './kubeconfig.js';
import { installRedisInstanceCrd } from '../support/crd.js';
import { IMAGES } from './real-node/node-config.js';

const USAGE = `Usage: npm run cluster -- <up|down> [--dir DIR] [--real-node]

  up     Start etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on
         127.0.0.1 with state and logs under DIR, write DIR/kubeconfig (cluster admin) and
         return once the cluster is usable, with the RedisInstance CRD installed. The
         components keep running after this command.
  down   Stop every component started in DIR, undo what it changed on the host and remove
         its state.

Options:
  --dir DIR              State directory (default: .cluster)
  --real-node            (up) Instead of kwok's simulated node, run one real node: a kubelet
                         with containerd, CNI, kube-proxy, CoreDNS and local-path volumes, whose
                         pods really run (image ${IMAGES.redis}, built locally). Needs root;
                         one per machine (a second waits for the first to stop)
  --stop-with-pid PID    (up) Stop the cluster by itself once process PID has exited, for
                         scripts that must not leave a cluster behind when they are killed
  -h, --help             Show this help

Binaries are built on first use (see test/cluster/build-binaries.sh); set KUBEBUILDER_ASSETS to
use existing ones.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string', default: '.cluster' },
      'stop-with-pid': { type: 'string' },
      'real-node': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...extra] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (extra.length > 0 || (command !== 'up' && command !== 'down')) {
    console.error(USAGE);
    return 2;
  }
  const dir = values.dir;
  if (command === 'down') {
    const stopped = await stopCluster(dir);
    console.log(stopped ? `Stopped the local control plane in ${dir}.` : `No local control plane was running in ${dir}.`);
    return 0;
  }
  const owner = values['stop-with-pid'];
  if (owner !== undefined && !/^[1-9][0-9]*$/.test(owner)) {
    console.error(`--stop-with-pid takes a process id, not ${owner}`);
    return 2;
  }
  // An interrupted `up` must not leave half a cluster running detached.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`Interrupted; stopping what was started in ${dir}.`);
      void stopCluster(dir).finally(() => process.exit(130));
    });
  }
  const started = Date.now();
  const cluster = await startCluster({
    dir,
    detached: true,
    realNode: values['real-node'],
    ...(owner === undefined ? {} : { stopWhenProcessExits: Number(owner) }),
    log: (message) => console.error(message),
  });
  // Ready for `redis-operator run --kubeconfig DIR/kubeconfig` straight away.
  await installRedisInstanceCrd(loadKubeConfig(cluster.kubeconfigPath));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const node = cluster.realNode
    ? `real node ${cluster.nodeName}: pods run ${IMAGES.redis} (imagePullPolicy IfNotPresent or Never; nothing is pulled)`
    : `simulated node ${cluster.nodeName}`;
  console.log(`Local control plane up in ${seconds} s at ${cluster.server} with the ${node} (RedisInstance CRD installed).
  export KUBECONFIG=${cluster.kubeconfigPath}
Stop it with: npm run cluster -- down --dir ${dir}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
