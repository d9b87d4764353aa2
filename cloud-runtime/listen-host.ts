// Where a service listens: HOST when set; every interface on Cloud Run (K_SERVICE is set there), where
// the platform fronts it; otherwise 127.0.0.1, so a service started by hand is not open to the network.
export function listenHost(host: string | undefined, cloudRunService: string | undefined): string {
  if (host) return host;
  return cloudRunService ? "0.0.0.0" : "127.0.0.1";
}
