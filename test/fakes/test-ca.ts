import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

/** A throwaway certificate authority generated at runtime. */
export interface TestCa {
  caPem: string;
  issue(hostnames?: string[]): IssuedCert;
  /** Writes the CA PEM to `<dir>/test-ca.pem` (for NODE_EXTRA_CA_CERTS in child processes); returns the path. */
  writeCaFile(dir: string): string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

function newRsaKeyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicPem: publicKey, privatePem: privateKey };
}

function serialNumber(): string {
  return `01${randomBytes(15).toString('hex')}`;
}

function validity(cert: forge.pki.Certificate): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 2 * DAY_MS);
}

function altName(host: string): { type: number; ip?: string; value?: string } {
  return isIP(host) ? { type: 7, ip: host } : { type: 2, value: host };
}

/** Creates a self-signed CA whose `issue` signs server/client certificates (default SANs: IP 127.0.0.1, DNS localhost). */
export function createTestCa(): TestCa {
  const caKeys = newRsaKeyPair();
  const caPrivate = forge.pki.privateKeyFromPem(caKeys.privatePem);
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = forge.pki.publicKeyFromPem(caKeys.publicPem);
  caCert.serialNumber = serialNumber();
  validity(caCert);
  const caSubject = [{ name: 'commonName', value: `defender-block-bot test CA ${randomBytes(4).toString('hex')}` }];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(caPrivate, forge.md.sha256.create());
  const caPem = forge.pki.certificateToPem(caCert);

  const issue = (hostnames: string[] = ['127.0.0.1', 'localhost']): IssuedCert => {
    const keys = newRsaKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
    cert.serialNumber = serialNumber();
    validity(cert);
    cert.setSubject([{ name: 'commonName', value: hostnames[0] ?? 'localhost' }]);
    cert.setIssuer(caCert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: hostnames.map(altName) },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(caPrivate, forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
  };

  const writeCaFile = (dir: string): string => {
    const path = join(dir, 'test-ca.pem');
    writeFileSync(path, caPem);
    return path;
  };

  return { caPem, issue, writeCaFile };
}

const trustedCas = new Map<string, number>();
let installed: { readonly original: typeof tls.connect; readonly wrapper: typeof tls.connect } | undefined;

function isLoopbackOptions(value: unknown): value is tls.ConnectionOptions {
  if (typeof value !== 'object' || value === null) return false;
  const options = value as tls.ConnectionOptions;
  return options.ca === undefined && options.secureContext === undefined && LOOPBACK_HOSTS.has(options.host ?? 'localhost');
}

/** A tls.connect that adds the trusted test CAs for loopback hosts; it keeps its own original, so a stale copy still works. */
function trustingConnect(original: typeof tls.connect): typeof tls.connect {
  return function (this: unknown, ...args: unknown[]): tls.TLSSocket {
    if (isLoopbackOptions(args[0])) args[0] = { ...args[0], ca: [...trustedCas.keys()] };
    return (original as (...a: unknown[]) => tls.TLSSocket).apply(this, args);
  };
}

/**
 * Makes this process trust `caPem` for TLS connections to 127.0.0.1/localhost only; returns an undo function.
 *
 * Every Node HTTPS client funnels into `tls.connect(options)` looked up on the shared `node:tls` module at call time:
 * https.Agent#createConnection (used by @azure/identity's core-rest-pipeline client, which builds its own keep-alive
 * agent, MSAL-node's HttpClient, botframework-connector's node-fetch) and undici/fetch. Wrapping it to add `ca` for
 * loopback hosts that did not choose their own trust store keeps certificate and hostname verification on, and leaves
 * every non-loopback connection untouched.
 */
export function trustTestCa(caPem: string): () => void {
  trustedCas.set(caPem, (trustedCas.get(caPem) ?? 0) + 1);
  if (!installed) {
    const original = tls.connect;
    installed = { original, wrapper: trustingConnect(original) };
    tls.connect = installed.wrapper;
  }
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    const remaining = (trustedCas.get(caPem) ?? 1) - 1;
    if (remaining > 0) trustedCas.set(caPem, remaining);
    else trustedCas.delete(caPem);
    if (trustedCas.size === 0 && installed) {
      // tls is shared by every test file of a worker: take away only our own wrapper.
      if (tls.connect === installed.wrapper) tls.connect = installed.original;
      installed = undefined;
    }
  };
}
