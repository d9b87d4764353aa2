// Debian's chromium, installed by scripts/setup.sh: the browser tests drive it with playwright-core and
// never download one.
export const CHROMIUM = "/usr/bin/chromium";
