// Prints the reference implementation's full introspection query, exactly as graphql-js writes
// it for GraphiQL, graphql-codegen and IDE plugins, with every option a current tool turns on.
// Its output is kept at tests/e2e/introspection-query.graphql, which the end-to-end suite sends
// to the real server; CI checks that the kept copy is still what graphql-js writes.
import { getIntrospectionQuery } from "graphql";

process.stdout.write(
  getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
  }),
);
