/**
 * Where temperament profiles live. A profile is numbers only (no text, audio or frames), keyed by a hash of the
 * caller id the user passes; it is read or written only when the caller consented (`cx.profile.consent: true`).
 * Users can bring their own store (a database, a KV service) by implementing `ProfileStore`; the default is a
 * JSON file (`jsonFileStore(path)`), written atomically. `deleteProfile` removes a caller's data persona.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { EmosigError } from '../errors.js';

/** One interaction's contribution to a profile. */
export interface TemperamentObservation {
  /** ISO date of the analysis. */
  at: string;
  arousal: number;
  volatility: number;
  /** Mean seconds (timed) or turns (chat without a clock) until the customer calmed after a negative moment. */
  recovery?: number;
  recoveryUnit?: 'seconds' | 'turns';
  /** Negative moments after which the customer did not calm down before the end. */
  unrecovered: number;
  negativeMoments: number;
  /** Median seconds before the customer replies. */
  replyLatencySec?: number;
  escalation: number;
  satisfaction?: number;
}

export interface TemperamentProfile {
  version: 1;
  interactions: number;
  updatedAt: string;
  /** The most recent observations (at most 20), oldest first. */
  history: TemperamentObservation[];
}

/** A store for temperament profiles. Keys are hashes of caller ids, never the ids themselves. */
export interface ProfileStore {
  get(key: string): Promise<TemperamentProfile | undefined> | TemperamentProfile | undefined;
  set(key: string, profile: TemperamentProfile): Promise<void> | void;
  /** Remove the profile; true when there was one. */
  delete(key: string): Promise<boolean> | boolean;
}

/** The store key of a caller id: sha-256 of it, so the store never holds the id itself. */
export function profileKey(callerId: string): string {
  if (typeof callerId !== 'string' || !callerId.trim()) throw new EmosigError('INVALID_OPTIONS', 'cx.profile.callerId must be a non-empty string (your own id for the customer).');
  return createHash('sha256').update(`emosig-caller\u0000${callerId.trim()}`).digest('hex');
}

interface FileShape {
  format: 'emosig-profiles';
  version: 1;
  profiles: Record<string, TemperamentProfile>;
}

const MAX_FILE = 64 * 1024 * 1024;

/** The default store: one JSON file holding every consented profile (created on first write). */
export function jsonFileStore(path: string): ProfileStore {
  if (typeof path !== 'string' || !path.trim()) throw new EmosigError('INVALID_OPTIONS', 'the profile store needs a file path, e.g. "profiles.json".');
  const read = (): FileShape => {
    if (!existsSync(path)) return { format: 'emosig-profiles', version: 1, profiles: {} };
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      throw new EmosigError('INPUT_UNREADABLE', `cannot read the profile store: ${(e as Error).message}`, { input: path, cause: e });
    }
    if (st.isDirectory()) throw new EmosigError('INPUT_IS_DIRECTORY', 'the profile store is a folder; give a JSON file path.', { input: path });
    if (st.size > MAX_FILE) throw new EmosigError('INPUT_UNREADABLE', `the profile store is over ${MAX_FILE >> 20} MB; use your own ProfileStore for this many callers.`, { input: path });
    let x: FileShape;
    try {
      x = JSON.parse(readFileSync(path, 'utf8')) as FileShape;
    } catch (e) {
      throw new EmosigError('INPUT_UNREADABLE', `the profile store is not valid JSON (${(e as Error).message}); fix or delete it.`, { input: path, cause: e });
    }
    if (!x || x.format !== 'emosig-profiles' || typeof x.profiles !== 'object' || x.profiles === null)
      throw new EmosigError('INPUT_UNREADABLE', 'the file is not an emosig profile store (format "emosig-profiles"); give another path.', { input: path });
    return x;
  };
  const write = (x: FileShape) => {
    try {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(x) + '\n', { mode: 0o600 });
      renameSync(tmp, path);
    } catch (e) {
      throw new EmosigError('OUTPUT_WRITE_FAILED', `cannot write the profile store: ${(e as Error).message}`, { input: path, cause: e });
    }
  };
  return {
    get: (key) => read().profiles[key],
    set: (key, profile) => {
      const x = read();
      x.profiles[key] = profile;
      write(x);
    },
    delete: (key) => {
      if (!existsSync(path)) return false;
      const x = read();
      if (!(key in x.profiles)) return false;
      delete x.profiles[key];
      if (Object.keys(x.profiles).length === 0) {
        try {
          unlinkSync(path);
        } catch (e) {
          throw new EmosigError('OUTPUT_WRITE_FAILED', `cannot delete the profile store: ${(e as Error).message}`, { input: path, cause: e });
        }
      } else write(x);
      return true;
    },
  };
}

/** `store` as given (a path → the JSON file store). */
export function resolveStore(store: string | ProfileStore | undefined): ProfileStore | undefined {
  if (store === undefined) return undefined;
  if (typeof store === 'string') return jsonFileStore(store);
  if (store && typeof store.get === 'function' && typeof store.set === 'function' && typeof store.delete === 'function') return store;
  throw new EmosigError('INVALID_OPTIONS', 'cx.profile.store must be a file path or an object with get(key), set(key, profile) and delete(key).');
}

/** Delete a caller's temperament profile (their "data persona"); true when one was stored. */
export async function deleteProfile(callerId: string, store: string | ProfileStore): Promise<boolean> {
  return await resolveStore(store)!.delete(profileKey(callerId));
}

/** A caller's stored profile (numbers only), or undefined. */
export async function readProfile(callerId: string, store: string | ProfileStore): Promise<TemperamentProfile | undefined> {
  return await resolveStore(store)!.get(profileKey(callerId));
}
