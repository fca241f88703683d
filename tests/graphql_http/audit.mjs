// Run the graphql-http package's server audit (the GraphQL-over-HTTP spec) against a URL and
// print one JSON object: every result, with the reason and response body of those that failed.
// usage: node audit.mjs <graphql-url>
import { auditServer } from "graphql-http";

const [url] = process.argv.slice(2);
const results = await auditServer({ url });
const out = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    entry.reason = result.reason;
    entry.httpStatus = result.response.status;
    entry.contentType = result.response.headers.get("content-type");
    entry.body = (await result.response.text()).slice(0, 500);
  }
  out.push(entry);
}
console.log(JSON.stringify(out));
