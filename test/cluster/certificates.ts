import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its private key, as PEM files on disk. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Everything the components need to trust and authenticate each other. */
export interface ClusterCertificates {
  readonly caCertFile: string;
  readonly caKeyFile: string;
  /** kube-apiserver's serving certificate (127.0.0.1, localhost and the in-cluster names). */
  readonly apiServer: CertificateFiles;
  /** Cluster admin: organisation system:masters, which RBAC lets do anything. */
  readonly admin: CertificateFiles;
  /** The user names the default RBAC policy grants the controller manager's and scheduler's rights to. */
  readonly controllerManager: CertificateFiles;
  readonly scheduler: CertificateFiles;
  /**
   * A second CA and its client certificate for the aggregation layer: the API server proxies to
   * extension API servers with it, and the controller manager and scheduler read this CA from
   * `extension-apiserver-authentication` to trust requests the API server forwards.
   */
  readonly frontProxyCaCertFile: string;
  readonly frontProxyClient: CertificateFiles;
  /**
   * The API server's client certificate towards kubelets (logs, exec, port-forward), so that a
   * kubelet can authenticate it and ask the API server whether it may (webhook authorization).
   */
  readonly apiServerKubeletClient: CertificateFiles;
  /** Key pair that signs and verifies service account tokens. */
  readonly serviceAccountKeyFile: string;
  readonly serviceAccountPublicKeyFile: string;
}

/** The first address of the service range, which the `kubernetes` Service gets. */
export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';
const KUBERNETES_SERVICE_IP = '10.96.0.1';
/** The user name of the API server's client certificate towards kubelets. */
export const API_SERVER_KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';

// A minimal config, so the host's openssl.cnf adds no extensions of its own.
const OPENSSL_CONFIG = '[req]\ndistinguished_name = dn\n[dn]\n';

/** The openssl arguments for a fresh P-256 key, with a minimal config of our own in `dir`. */
async function keyArguments(dir: string): Promise<string[]> {
  const configFile = join(dir, 'openssl.cnf');
  // Written aside and renamed: certificates are issued in parallel, and a reader must never see
  // the file half-written.
  const partial = `${configFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(partial, OPENSSL_CONFIG);
  await rename(partial, configFile);
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-config', configFile];
}

/**
 * Issues a certificate signed by `issuer` into `dir` as NAME.crt and NAME.key.
 * @param subject e.g. `/O=system:nodes/CN=system:node:NAME`
 * @param extensions openssl `-addext` values beyond the basic constraints and key usage
 */
export async function issueCertificate(
  dir: string,
  issuer: CertificateFiles,
  name: string,
  subject: string,
  extensions: readonly string[],
): Promise<CertificateFiles> {
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await run('openssl', [
    'req', '-x509', ...(await keyArguments(dir)), '-days', '365', '-CA', issuer.certFile, '-CAkey', issuer.keyFile,
    '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    ...extensions.flatMap((extension) => ['-addext', extension]),
    '-keyout', keyFile, '-out', certFile,
  ]);
  return { certFile, keyFile };
}

/** A client certificate (`extendedKeyUsage=clientAuth`) signed by `issuer`. */
export function issueClientCertificate(dir: string, issuer: CertificateFiles, name: string, subject: string): Promise<CertificateFiles> {
  return issueCertificate(dir, issuer, name, subject, ['extendedKeyUsage=clientAuth']);
}

/**
 * Generates fresh CAs and the certificates signed by them into `dir` with the openssl CLI
 * (P-256 keys: fast to generate and accepted by every component).
 */
export async function generateCertificates(dir: string): Promise<ClusterCertificates> {
  await mkdir(dir, { recursive: true });
  const keyArgs = await keyArguments(dir);

  const createCa = async (name: string, commonName: string): Promise<CertificateFiles> => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    await run('openssl', [
      'req', '-x509', ...keyArgs, '-days', '3650',
      '-subj', `/CN=${commonName}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      '-keyout', keyFile, '-out', certFile,
    ]);
    return { certFile, keyFile };
  };
  const [ca, frontProxyCa] = await Promise.all([
    createCa('ca', 'redis-operator-local-ca'),
    createCa('front-proxy-ca', 'redis-operator-local-front-proxy-ca'),
  ]);

  const issue = (name: string, subject: string, extensions: readonly string[], issuer = ca) =>
    issueCertificate(dir, issuer, name, subject, extensions);
  const client = (name: string, subject: string, issuer = ca) => issueClientCertificate(dir, issuer, name, subject);

  const serviceAccountKeyFile = join(dir, 'service-account.key');
  const serviceAccountPublicKeyFile = join(dir, 'service-account.pub');
  const serviceAccountKeys = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

  const [apiServer, admin, controllerManager, scheduler, frontProxyClient, apiServerKubeletClient] = await Promise.all([
    issue('kube-apiserver', '/CN=kube-apiserver', [
      'extendedKeyUsage=serverAuth',
      'subjectAltName=' +
        [
          'DNS:localhost',
          'DNS:kubernetes',
          'DNS:kubernetes.default',
          'DNS:kubernetes.default.svc',
          'DNS:kubernetes.default.svc.cluster.local',
          'IP:127.0.0.1',
          `IP:${KUBERNETES_SERVICE_IP}`,
        ].join(','),
    ]),
    client('admin', '/O=system:masters/CN=redis-operator-admin'),
    client('kube-controller-manager', '/CN=system:kube-controller-manager'),
    client('kube-scheduler', '/CN=system:kube-scheduler'),
    client('front-proxy-client', '/CN=front-proxy-client', frontProxyCa),
    // kubeadm's name for it; RBAC binds it to system:kubelet-api-admin where a kubelet runs.
    client('kube-apiserver-kubelet-client', `/CN=${API_SERVER_KUBELET_CLIENT_USER}`),
    writeFile(serviceAccountKeyFile, serviceAccountKeys.privateKey, { mode: 0o600 }),
    writeFile(serviceAccountPublicKeyFile, serviceAccountKeys.publicKey),
  ]);
  return {
    caCertFile: ca.certFile,
    caKeyFile: ca.keyFile,
    frontProxyCaCertFile: frontProxyCa.certFile,
    frontProxyClient,
    apiServerKubeletClient,
    apiServer,
    admin,
    controllerManager,
    scheduler,
    serviceAccountKeyFile,
    serviceAccountPublicKeyFile,
  };
}
