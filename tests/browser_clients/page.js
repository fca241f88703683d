// A page on another origin than the API, using it as a frontend team would: Apollo Client
// (automatic persisted queries hashed with the browser's crypto, BatchHttpLink, GraphQLWsLink)
// and urql (fetchExchange, subscriptionExchange over graphql-ws). Each signs in, runs queries
// and mutations, and receives one subscription event; the results land in <pre id="result">
// and the title says "done" (or "failed"). Bundled with esbuild by tests/test_browser_clients.py.
import { ApolloClient, ApolloLink, InMemoryCache, gql } from "@apollo/client";
import { BatchHttpLink } from "@apollo/client/link/batch-http";
import { SetContextLink } from "@apollo/client/link/context";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { Client, fetchExchange, subscriptionExchange } from "@urql/core";
import { createClient } from "graphql-ws";

const params = new URLSearchParams(location.search);
const API = params.get("api"); // http://127.0.0.1:<port>/graphql, another origin than ours
const WS = API.replace(/^http/, "ws");
const PASSWORD = "demo-password";

const LOGIN = `mutation Login($phone: String!, $password: String!) {
  login(phone: $phone, password: $password) { token errors { code message } } }`;
const VIEWER = `query Viewer { viewer { displayName roles { role region { id name } } } }`;
const VILLAGES = `query Villages { villages(first: 1) { totalCount } }`;
const REPORT = `mutation Report($input: ReportIssueInput!) {
  reportIssue(input: $input) { issue { id number title } event { cursor } errors { code message } } }`;
const NOTE = `mutation Note($input: AddIssueUpdateInput!) {
  addIssueUpdate(input: $input) { event { cursor kind note } errors { code message } } }`;
const WATCH = `subscription Watch($id: ID!, $after: String) {
  issueUpdated(id: $id, after: $after) { cursor kind note } }`;

// SHA-256 from the browser's own crypto (a secure context: 127.0.0.1 is one).
async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Every HTTP request a client makes, as the server saw it: the test reads batching and
// persisted queries off these.
const requests = [];
function recordingFetch(label) {
  return async (url, init = {}) => {
    const response = await fetch(url, init);
    const text = await response.clone().text();
    let sent = null;
    try {
      sent = init.body ? JSON.parse(init.body) : null;
    } catch {
      sent = "unreadable";
    }
    requests.push({
      client: label,
      method: init.method || "GET",
      url: String(url).slice(0, 300),
      status: response.status,
      sent,
      answer: JSON.parse(text),
    });
    return response;
  };
}

function unwrap(result, field) {
  if (result.error) throw new Error(`${field}: ${result.error.message}`);
  const payload = result.data[field];
  if (payload && payload.errors && payload.errors.length) {
    throw new Error(`${field}: ${JSON.stringify(payload.errors)}`);
  }
  return payload;
}

function firstEvent(subscribe, timeoutMs, wanted) {
  // The first event the predicate accepts; `subscribe(next, error)` returns an unsubscriber.
  return new Promise((resolve, reject) => {
    let stop = () => {};
    const timer = setTimeout(() => {
      stop();
      reject(new Error("no subscription event"));
    }, timeoutMs);
    stop = subscribe(
      (event) => {
        if (wanted(event)) {
          clearTimeout(timer);
          stop();
          resolve(event);
        }
      },
      (error) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
      },
    );
  });
}

async function withApollo(phone) {
  let token = null;
  const auth = new SetContextLink((previous) => ({
    headers: { ...previous.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  }));
  const http = ApolloLink.from([
    auth,
    createPersistedQueryLink({ sha256 }),
    new BatchHttpLink({ uri: API, batchMax: 10, batchInterval: 30, fetch: recordingFetch("apollo") }),
  ]);
  const sockets = createClient({
    url: WS,
    lazy: true,
    connectionParams: () => ({ authorization: `Bearer ${token}` }),
  });
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    new GraphQLWsLink(sockets),
    http,
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  try {
    const login = unwrap(
      await client.mutate({ mutation: gql(LOGIN), variables: { phone, password: PASSWORD } }),
      "login",
    );
    token = login.token;
    // Two queries at once: one batch (BatchHttpLink), each first by hash alone (APQ).
    const [viewer, villages] = await Promise.all([
      client.query({ query: gql(VIEWER), fetchPolicy: "network-only" }),
      client.query({ query: gql(VILLAGES), fetchPolicy: "network-only" }),
    ]);
    // Again: now the server knows the hash, and the hash alone is answered.
    const again = await client.query({ query: gql(VIEWER), fetchPolicy: "network-only" });
    const me = unwrap(viewer, "viewer");
    const region = me.roles[0].region;
    const reported = unwrap(
      await client.mutate({
        mutation: gql(REPORT),
        variables: {
          input: { regionId: region.id, category: "ROADS", title: "Apollo 报告", description: "从另一个源" },
        },
      }),
      "reportIssue",
    );
    const issue = reported.issue;
    // From the report on: the note arrives live, or replayed if it came first; once either way.
    const watched = firstEvent(
      (next, error) => {
        const subscription = client
          .subscribe({ query: gql(WATCH), variables: { id: issue.id, after: reported.event.cursor } })
          .subscribe({
            next: (result) => (result.error ? error(result.error) : next(result.data.issueUpdated)),
            error,
          });
        return () => subscription.unsubscribe();
      },
      20000,
      (event) => event.kind === "UPDATED",
    );
    const noted = unwrap(
      await client.mutate({
        mutation: gql(NOTE),
        variables: { input: { id: issue.id, note: "Apollo 的进展" } },
      }),
      "addIssueUpdate",
    );
    const event = await watched;
    return {
      viewer: me.displayName,
      region: region.name,
      villages: unwrap(villages, "villages").totalCount,
      againSame: unwrap(again, "viewer").displayName === me.displayName,
      issue: issue.number,
      event,
      noted: noted.event,
    };
  } finally {
    await sockets.dispose();
    client.stop();
  }
}

async function withUrql(phone) {
  let token = null;
  const sockets = createClient({
    url: WS,
    lazy: true,
    connectionParams: () => ({ authorization: `Bearer ${token}` }),
  });
  const client = new Client({
    url: API,
    fetch: recordingFetch("urql"),
    fetchOptions: () => ({ headers: token ? { authorization: `Bearer ${token}` } : {} }),
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || "" };
          return {
            subscribe(sink) {
              return { unsubscribe: sockets.subscribe(input, sink) };
            },
          };
        },
      }),
    ],
  });
  try {
    const login = unwrap(
      await client.mutation(LOGIN, { phone, password: PASSWORD }).toPromise(),
      "login",
    );
    token = login.token;
    const viewer = await client.query(VIEWER, {}, { requestPolicy: "network-only" }).toPromise();
    const me = unwrap(viewer, "viewer");
    const region = me.roles[0].region;
    const reported = unwrap(
      await client
        .mutation(REPORT, {
          input: { regionId: region.id, category: "ROADS", title: "urql 报告", description: "从另一个源" },
        })
        .toPromise(),
      "reportIssue",
    );
    const issue = reported.issue;
    const watched = firstEvent(
      (next, error) => {
        const { unsubscribe } = client
          .subscription(WATCH, { id: issue.id, after: reported.event.cursor })
          .subscribe((result) => (result.error ? error(result.error) : next(result.data.issueUpdated)));
        return unsubscribe;
      },
      20000,
      (event) => event.kind === "UPDATED",
    );
    const noted = unwrap(
      await client.mutation(NOTE, { input: { id: issue.id, note: "urql 的进展" } }).toPromise(),
      "addIssueUpdate",
    );
    const event = await watched;
    return { viewer: me.displayName, region: region.name, issue: issue.number, event, noted: noted.event };
  } finally {
    await sockets.dispose();
  }
}

async function main() {
  const result = { origin: location.origin, api: API };
  try {
    result.apollo = await withApollo(params.get("apollo"));
    result.urql = await withUrql(params.get("urql"));
    result.requests = requests;
    document.title = "done";
  } catch (error) {
    result.error = String(error && error.stack ? error.stack : error);
    result.requests = requests;
    document.title = "failed";
  }
  document.getElementById("result").textContent = JSON.stringify(result);
}

main();
