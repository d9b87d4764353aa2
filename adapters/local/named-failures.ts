// An ObjectStore over files whose failures name the file: Node's fs.promises.writeFile reports a failed
// write (ENOSPC, EIO) without the path, which only its open() carries. Wrapping the port keeps the store
// itself plain (HOUSE-STYLE.md rule 2: wrappers add behaviour around a port, not inside it).
import path from "node:path";
import type { ObjectStore } from "../../core/ports.js";
import { osCondition } from "./os-error.js";

export function namingFailures(store: ObjectStore, root: string): ObjectStore {
  const name = (key: string) => (error: unknown): never => {
    const e = error as { path?: unknown } | null;
    if (typeof e === "object" && e !== null && typeof e.path !== "string" && osCondition(error)) e.path = path.join(root, key);
    throw error;
  };
  return {
    get: (key) => store.get(key).catch(name(key)),
    getRange: (key, offset, length) => store.getRange(key, offset, length).catch(name(key)),
    put: (key, bytes, options) => store.put(key, bytes, options).catch(name(key)),
    list: (prefix) => store.list(prefix).catch(name(prefix)),
    listVersions: (prefix) => store.listVersions(prefix).catch(name(prefix)),
    delete: (key) => store.delete(key).catch(name(key)),
  };
}
