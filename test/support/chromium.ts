import { existsSync } from 'node:fs';

/** Debian's Chromium (or BASELINER_TEST_CHROMIUM): the browser the page tests drive with playwright-core. */
export const CHROMIUM_PATH = process.env.BASELINER_TEST_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

export const chromiumMissing = CHROMIUM_PATH ? undefined : 'no Chromium at /usr/bin/chromium (apt-get install chromium) and BASELINER_TEST_CHROMIUM is not set';
