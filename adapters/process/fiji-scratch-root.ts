// The folder every job's scratch folder is made in. Outputs are read relative to a handle of the job's own
// folder (fiji-sandbox.ts), and the job runs in a mount namespace where this root is an empty tmpfs, so a job
// cannot move its folder anyway; this check makes the same hold for the real path on the host, so that
// removing a folder by its path removes the folder the service made and nothing else:
//  - the root is owned by the service and writable by nobody else (mode 0711 when created here);
//  - no component of its path is a symbolic link;
//  - no ancestor can be written by the job user, unless it is sticky and the next component is not the job
//    user's (the OS temp dir, 1777, may hold the root; it may not be the root: a job could rename its folder
//    there and put a symbolic link in its place).
// Refused with one line naming the folder and the cause, at start-up, before any job runs.
import { lstat, mkdir } from "node:fs/promises";
import type { Stats } from "node:fs";
import path from "node:path";

export class ScratchRootError extends Error {
  override readonly name = "ScratchRootError";
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, "0");

/** Creates `root` (mode 0711) when missing, then checks it as above; throws ScratchRootError. */
export async function prepareScratchRoot(root: string, jobUser: { uid: number; gid: number }, serviceUid: number): Promise<void> {
  const refuse = (why: string) => new ScratchRootError(`scratch root ${root}: ${why}`);
  if (!path.isAbsolute(root) || path.normalize(root) !== root || root === "/") throw refuse("must be an absolute, normalised folder path other than /");
  if (!(await statOrUndefined(root))) {
    await mkdir(path.dirname(root), { recursive: true });
    // 0711 & ~umask: the usual umasks (022, 077) clear no bit of 0711 but 077's x bits, which jobs do not need.
    await mkdir(root, { mode: 0o711 });
  }
  const parts = root.split("/").filter(Boolean);
  const chain: Array<{ at: string; stat: Stats }> = [];
  for (let i = 0; i <= parts.length; i++) {
    const at = `/${parts.slice(0, i).join("/")}`;
    const stat = await lstat(at);
    if (stat.isSymbolicLink()) throw refuse(`${at} is a symbolic link (name the real folder)`);
    if (!stat.isDirectory()) throw refuse(`${at} is not a folder`);
    chain.push({ at, stat });
  }
  const own = chain[chain.length - 1].stat;
  if (own.uid !== serviceUid) throw refuse(`owned by uid ${own.uid}, not by the service (uid ${serviceUid}); use a folder the service owns with mode 0711`);
  if (own.mode & 0o022) throw refuse(`mode ${octal(own.mode)} lets others write in it; use mode 0711`);
  for (let i = 0; i < chain.length - 1; i++) {
    const { at, stat } = chain[i];
    const next = chain[i + 1].stat;
    const writable = stat.uid === jobUser.uid || (stat.gid === jobUser.gid && stat.mode & 0o020) || stat.mode & 0o002;
    const sticky = (stat.mode & 0o1000) !== 0 && stat.uid !== jobUser.uid && next.uid !== jobUser.uid;
    if (writable && !sticky) {
      throw refuse(`${at} (mode ${octal(stat.mode)}, owner ${stat.uid}:${stat.gid}) can be changed by the job user ${jobUser.uid}:${jobUser.gid}, who could then swap the scratch root`);
    }
  }
}

async function statOrUndefined(at: string): Promise<Stats | undefined> {
  try {
    return await lstat(at);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
