#!/bin/sh
# Refresh the vendored Apache ECharts build of the dashboard from the npm registry.
#
# The version is the one web/package-lock.json pins (change it with `npm install echarts@X.Y.Z` in web/,
# then run this script and commit src/junshi/web/static/vendor/). npm checks the package's integrity
# hash against the lock file; the copied files are the package's own minified build and licences.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
vendor=../src/junshi/web/static/vendor
mkdir -p "$vendor"
cp node_modules/echarts/dist/echarts.min.js "$vendor/echarts.min.js"
cp node_modules/echarts/LICENSE "$vendor/echarts.LICENSE"
cp node_modules/echarts/NOTICE "$vendor/echarts.NOTICE"
cp node_modules/echarts/licenses/LICENSE-d3 "$vendor/d3.LICENSE"
cp node_modules/zrender/LICENSE "$vendor/zrender.LICENSE"  # zrender is bundled in echarts.min.js
node -e '
const lock = require("./package-lock.json").packages;
const pick = (n) => ({ version: lock["node_modules/" + n].version, integrity: lock["node_modules/" + n].integrity });
const out = { "echarts.min.js": { from: "npm", package: "echarts", ...pick("echarts"), bundles: { zrender: pick("zrender"), tslib: pick("tslib") } } };
require("fs").writeFileSync(process.argv[1], JSON.stringify(out, null, 2) + "\n");
' "$vendor/VERSIONS.json"
echo "vendored echarts $(node -p 'require("./node_modules/echarts/package.json").version') into $vendor"
