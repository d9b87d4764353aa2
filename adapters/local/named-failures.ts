// An ObjectStore over files whose failures name the file (os-error.ts nameFailure). Wrapping the port keeps the store
// itself plain (HOUSE-STYLE.md rule 2: wrappers add behaviour around a port, not inside it).
import path from "node:path";
import type { ObjectStore } from "../../core/ports.js";
import { nameFailure } from "./os-error.js";

export function namingFailures(store: ObjectStore, root: string): ObjectStore {
  const name = (key: string) => (error: unknown): never => {
    throw nameFailure(error, path.join(root, key));
  };
  return {
    get: (key) => store.get(key).catch(name(key)),
    getVersioned: (key) => store.getVersioned(key).catch(name(key)),
    getRange: (key, offset, length) => store.getRange(key, offset, length).catch(name(key)),
    put: (key, bytes, options) => store.put(key, bytes, options).catch(name(key)),
    list: (prefix) => store.list(prefix).catch(name(prefix)),
    listVersions: (prefix) => store.listVersions(prefix).catch(name(prefix)),
    delete: (key) => store.delete(key).catch(name(key)),
  };
}
