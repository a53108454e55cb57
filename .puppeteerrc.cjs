// Ace by DAISY (a dev dependency) pulls in puppeteer. Its browser download needs a host
// outside the npm registry, so it is skipped; the checks use Debian's chromium instead.
module.exports = { skipDownload: true };
