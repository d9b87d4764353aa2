// The one rule for object keys, the same in every ObjectStore (files, GCS, the tests' memory store): a key
// is a plain relative path, so no key can name anything outside the store's root or prefix.

/** Not empty, no leading "/", no empty, "." or ".." segment. */
export function isPlainKey(key: string): boolean {
  return key !== "" && !key.startsWith("/") && !key.split("/").some((part) => part === "" || part === "." || part === "..");
}

/** The key itself, or a RangeError naming it. */
export function plainKey(key: string): string {
  if (!isPlainKey(key)) throw new RangeError(`object key "${key}" is not a plain relative path`);
  return key;
}
