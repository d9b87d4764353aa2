// Two runs of one stack, locally and in the cloud, write the same bytes, object for object, except where the
// source is named: each volume's `provenance` names its own source (a folder; gs://bucket/prefix).
/** Whether the object `key` of two runs of the same stack is the same, its provenance's "sources" aside. */
export function sameRunObject(key: string, a: Uint8Array, b: Uint8Array | undefined): boolean {
  if (!b) return false;
  if (!key.endsWith("/provenance")) return Buffer.from(a).equals(Buffer.from(b));
  const strip = (bytes: Uint8Array): string => {
    const value = JSON.parse(Buffer.from(bytes).toString("utf8")) as { sources?: unknown };
    return JSON.stringify({ ...value, sources: undefined });
  };
  return strip(a) === strip(b);
}
