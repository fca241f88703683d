// Subscribe with the reference graphql-ws client and print every message as a JSON line.
// usage: node subscribe.mjs <ws-url> <token> <query> <variables-json> <count>
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, token, query, variables, count] = process.argv.slice(2);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
  lazy: false,
  on: { connected: () => console.log(JSON.stringify({ connected: true })) },
});
let seen = 0;
client.subscribe(
  { query, variables: JSON.parse(variables) },
  {
    next: (result) => {
      console.log(JSON.stringify({ next: result }));
      if (++seen >= Number(count)) client.dispose().then(() => process.exit(0));
    },
    error: (error) => {
      console.log(JSON.stringify({ error: error.message ?? error.reason ?? String(error) }));
      process.exit(1);
    },
    complete: () => process.exit(0),
  },
);
