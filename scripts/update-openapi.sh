#!/usr/bin/env bash
# Rewrites docs/openapi.json from the OpenAPI document the service serves (run after an intended API change, then
# commit docs/openapi.json). The test OpenApiDocumentTests fails while the two differ.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build tests/UserAuth.Tests -c Release -v q -nologo >/dev/null
USERAUTH_UPDATE_OPENAPI=1 dotnet test tests/UserAuth.Tests -c Release --no-build \
  --filter "FullyQualifiedName~UserAuth.Tests.Hosting.OpenApiDocumentTests.The_served_document_equals_docs_openapi_json" >/dev/null
git diff --stat -- docs/openapi.json
echo "docs/openapi.json updated"
