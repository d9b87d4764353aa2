// The JSON body of a request, bounded in size; a body that is too large or not JSON is a BadRequestError (400).
import type { IncomingMessage } from "node:http";
import { BadRequestError } from "./push.js";

/** `emptyAs`: what an empty body means (the workflow's steps post none); undefined = an empty body is refused. */
export async function readJsonBody(req: IncomingMessage, limit: number, emptyAs?: unknown): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BadRequestError(`request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "" && emptyAs !== undefined) return emptyAs;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError("request body is not JSON");
  }
}
