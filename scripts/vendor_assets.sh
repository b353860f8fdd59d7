#!/usr/bin/env bash
# Copy the front-end packages pinned in package.json (and package-lock.json)
# from npm into static/vendor/, with their licences. The result is committed,
# so neither the demo nor CI needs npm; run this only to upgrade.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund
out=static/vendor
rm -rf "$out/bootstrap" "$out/htmx"
mkdir -p "$out/bootstrap/css" "$out/bootstrap/js" "$out/htmx"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$out/bootstrap/css/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$out/bootstrap/js/"
cp node_modules/bootstrap/LICENSE "$out/bootstrap/LICENSE"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx/"
cp node_modules/htmx.org/LICENSE "$out/htmx/LICENSE"
# The minified files name source maps we do not ship; the manifest storage of
# production would refuse the dangling reference, so the comment goes.
sed -i '/sourceMappingURL=/d' "$out/bootstrap/css/bootstrap.min.css" "$out/bootstrap/js/bootstrap.bundle.min.js"
# axe-core is for the accessibility checks of the browser tests only: it lives
# beside them, not in static/, so it is never served to users.
axe=tests/browser/vendor/axe-core
rm -rf "$axe" && mkdir -p "$axe"
cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE "$axe/"
node -e "const p=require('./node_modules/axe-core/package.json'); console.log(p.name + ' ' + p.version + ' (' + p.license + ')')" > "$axe/VERSION.txt"
for pkg in bootstrap htmx.org; do
  node -e "const p=require('./node_modules/$pkg/package.json'); console.log(p.name + ' ' + p.version + ' (' + p.license + ')')"
done > "$out/VERSIONS.txt"
cat "$out/VERSIONS.txt"
