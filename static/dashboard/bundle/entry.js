// What the dashboard page takes from graphql-ws: its client (graphql-transport-ws protocol).
export { createClient } from "graphql-ws";
