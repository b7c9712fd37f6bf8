import { createHash } from 'node:crypto';
import type { DeviceSighting } from '../domain/containment-ports';
import { DEMO_MANY_DEVICES_SHA1, DEMO_UNSEEN_SHA1, DEMO_WIDESPREAD_SHA1 } from './simulated-file-details';

/** What a simulated device does with a stop & quarantine. */
export type DeviceFate =
  /** Pending, then InProgress, then Succeeded. */
  | 'succeeds'
  /** Pending, then InProgress, then Failed. */
  | 'fails'
  /** Offline: stays Pending until the action times out. */
  | 'offline'
  /** A Linux device: refused, stop & quarantine is Windows only. */
  | 'linux';

/** A simulated device where a file was seen, and how it will behave. */
export interface SimulatedDevice extends DeviceSighting {
  readonly id: string;
  readonly name: string;
  readonly osPlatform: string;
  readonly index: number;
  readonly fate: DeviceFate;
  /** 1 to 1.75: how much slower than the base timings this device is. */
  readonly pace: number;
  /** Hours before "now" the file was last seen there. */
  readonly lastSeenHoursAgo: number;
}

const PREFIXES = ['FIN-LT', 'HR-LT', 'ENG-WS', 'SALES-LT', 'OPS-SRV', 'DEV-WS', 'LEGAL-LT', 'MKT-LT'];
const WINDOWS = ['Windows11', 'Windows10', 'WindowsServer2022'];

/** How many devices saw each demo file; any other file is on 3 to 7 devices. */
const DEMO_COUNTS: Readonly<Record<string, number>> = { [DEMO_UNSEEN_SHA1]: 0, [DEMO_MANY_DEVICES_SHA1]: 40, [DEMO_WIDESPREAD_SHA1]: 5_000 };

/**
 * The devices on which a file was seen, the same for the same SHA-1: names like FIN-LT-042, one Linux
 * device, one offline device, a few that fail (one in small lists of four or more), the rest succeed.
 */
export function simulatedDevices(sha1: string): SimulatedDevice[] {
  const seed = digest(`devices:${sha1}`);
  const count = DEMO_COUNTS[sha1] ?? 3 + (seed[0] % 5);
  if (count === 0) return [];
  const linux = seed[1] % count;
  const offline = (linux + 1 + (seed[2] % (count - 1))) % count;
  const failing = count >= 4 && count <= 7 ? [0, 1, 2].map((k) => (offline + 1 + k) % count).find((i) => i !== linux) : undefined;
  const wide = count > 999;
  const base = seed.readUInt16BE(3);
  return Array.from({ length: count }, (_, index) => {
    const own = digest(`device:${sha1}:${index}`);
    const fate: DeviceFate = index === linux ? 'linux' : index === offline ? 'offline' : index === failing || (count > 7 && own[0] % 10 === 0) ? 'fails' : 'succeeds';
    const number = wide ? String((base + index * 1309) % 10_000).padStart(4, '0') : String((base + index * 131) % 1_000).padStart(3, '0');
    const name = fate === 'linux' ? `BUILD-LNX-${number}` : `${PREFIXES[own[1] % PREFIXES.length]}-${number}`;
    return {
      id: own.subarray(0, 20).toString('hex'),
      name,
      osPlatform: fate === 'linux' ? 'Linux' : WINDOWS[own[2] % WINDOWS.length],
      index,
      fate,
      pace: 1 + (own[3] % 4) / 4,
      lastSeenHoursAgo: fate === 'offline' ? 24 * 6 + (own[4] % 24) : 1 + (own[4] % 72),
    };
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
