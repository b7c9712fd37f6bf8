import { createHash } from 'node:crypto';
import type { FileHash, HashType } from '../domain/file-hash';
import type { FileInfo, FileStats } from '../domain/file-report';

/**
 * Local-mode demo hashes, so the pre-block warnings can be seen without a tenant:
 * `block 5ea1ed5ea1ed5ea1ed5ea1ed5ea1ed5ea1ed5ea1 <comment>` is a Microsoft-signed file,
 * `block c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff <comment>` runs on 5,000 devices.
 * Every other hash gets made-up details derived from the hash: unsigned or third-party, rare.
 */
export const DEMO_MICROSOFT_SIGNED_SHA1 = '5ea1ed5ea1ed5ea1ed5ea1ed5ea1ed5ea1ed5ea1';
/** Demo hash of a widespread file (orgPrevalence 5000); see DEMO_MICROSOFT_SIGNED_SHA1. */
export const DEMO_WIDESPREAD_SHA1 = 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff';

const NAMES = ['invoice_viewer.exe', 'setup.exe', 'updater.exe', 'scan_tool.exe', 'document.scr', 'helper.dll'];
const PUBLISHERS = ['Contoso Tools Ltd', 'Fabrikam Software', 'Northwind Utilities'];
const DAY = 86_400_000;
const EPOCH = Date.parse('2024-01-01T00:00:00Z');

/** Demo hash of a file seen on no device: containment finds nothing to act on. */
export const DEMO_UNSEEN_SHA1 = 'feedfacefeedfacefeedfacefeedfacefeedface';
/** Demo hash of a file seen on 40 devices: more than containment acts on without asking. */
export const DEMO_MANY_DEVICES_SHA1 = 'da7aba5eda7aba5eda7aba5eda7aba5eda7aba5e';

/** Files remembered (each under its three hashes); a demo shows far fewer, and each costs about 1 KB of heap. */
const CATALOG_SIZE = 1_000;

/**
 * The simulated files shown so far, by each of their hashes: a SHA-256 or MD5 shown as a file's
 * companion resolves to that file's SHA-1 (and back), as in a real tenant. Bounded; oldest forgotten first.
 */
export class SimulatedFileCatalog {
  private readonly known = new Map<string, { info: FileInfo; stats: FileStats }>();

  /** The file's details: those already shown under any of its hashes, else made up from this one. */
  details(hash: FileHash): { info: FileInfo; stats: FileStats } {
    const shown = this.known.get(hash.value);
    if (shown) return shown;
    const made = simulatedFileDetails(hash);
    for (const value of [made.info.sha1, made.info.sha256, made.info.md5]) {
      if (value !== undefined) this.known.set(value, made);
    }
    while (this.known.size > CATALOG_SIZE) this.known.delete(this.known.keys().next().value as string);
    return made;
  }

  /** The SHA-1 of the file with this hash. */
  sha1Of(hash: FileHash): string {
    return hash.type === 'Sha1' ? hash.value : (this.details(hash).info.sha1 as string);
  }
}

/** Deterministic, plausible details for any hash (the same hash always gets the same answer). */
export function simulatedFileDetails(hash: FileHash): { info: FileInfo; stats: FileStats } {
  const seed = createHash('sha256').update(hash.value).digest();
  const pick = <T>(list: readonly T[], byte: number): T => list[seed[byte] % list.length];
  const firstSeen = EPOCH + (seed.readUInt16BE(0) % 365) * DAY;
  const lastSeen = firstSeen + (seed[2] % 90) * DAY;
  const signed = seed[3] % 2 === 0;
  const publisher = signed ? pick(PUBLISHERS, 4) : undefined;
  const name = pick(NAMES, 5);
  const info: FileInfo = {
    ...companions(hash),
    size: 4_096 + (seed.readUInt32BE(6) % 8_000_000),
    fileType: name.endsWith('.dll') ? 'Dll' : 'PortableExecutable',
    isPeFile: true,
    filePublisher: publisher,
    fileProductName: publisher && name.replace(/\.\w+$/, ''),
    signer: publisher,
    issuer: publisher && 'DigiCert SHA2 Assured ID Code Signing CA',
    isValidCertificate: signed,
    globalPrevalence: 1 + (seed.readUInt16BE(10) % 900),
    globalFirstObserved: new Date(firstSeen).toISOString(),
    globalLastObserved: new Date(lastSeen).toISOString(),
    determinationType: 'Unknown',
  };
  const stats: FileStats = {
    orgPrevalence: 1 + (seed[12] % 40),
    orgFirstSeen: new Date(firstSeen + DAY).toISOString(),
    orgLastSeen: new Date(lastSeen).toISOString(),
    globalPrevalence: info.globalPrevalence,
    topFileNames: [name],
  };
  return demo(hash.value, info, stats);
}

function demo(value: string, info: FileInfo, stats: FileStats): { info: FileInfo; stats: FileStats } {
  if (value === DEMO_MICROSOFT_SIGNED_SHA1) {
    return {
      info: {
        ...info,
        filePublisher: 'Microsoft Corporation',
        fileProductName: 'Microsoft Windows Operating System',
        signer: 'Microsoft Windows',
        issuer: 'Microsoft Windows Production PCA 2011',
        isValidCertificate: true,
        globalPrevalence: 2_500_000,
      },
      stats: { ...stats, orgPrevalence: 12, globalPrevalence: 2_500_000, topFileNames: ['notepad.exe'] },
    };
  }
  if (value === DEMO_WIDESPREAD_SHA1) {
    return { info: { ...info, globalPrevalence: 180_000 }, stats: { ...stats, orgPrevalence: 5_000, globalPrevalence: 180_000, topFileNames: ['AcmeAgent.exe'] } };
  }
  return { info, stats };
}

/** The given hash plus made-up companions of the other types. */
function companions(hash: FileHash): Pick<FileInfo, 'sha1' | 'sha256' | 'md5'> {
  const derive = (algorithm: 'sha1' | 'sha256' | 'md5', type: HashType) =>
    hash.type === type ? hash.value : createHash(algorithm).update(`companion:${hash.value}`).digest('hex');
  return { sha1: derive('sha1', 'Sha1'), sha256: derive('sha256', 'Sha256'), md5: derive('md5', 'Md5') };
}
