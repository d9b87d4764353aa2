// Preloaded (node --import) into the Functions Framework's own CLI, which listens on every interface and
// has no option for the address: a listen(port, ...) without a host gets 127.0.0.1, as this machine's rules
// require of servers. Nothing else changes; the test checks the socket really is on loopback only.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  const port = args[0];
  const isPort = typeof port === "number" || (typeof port === "string" && /^[0-9]+$/.test(port));
  if (isPort && typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof listen;
