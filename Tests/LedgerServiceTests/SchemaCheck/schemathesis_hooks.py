# Loaded by schemathesis (SCHEMATHESIS_HOOKS) in the OpenAPI check: a body of JSON Lines is text.
import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")
