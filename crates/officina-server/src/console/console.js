// The Officina console: runs GraphQL operations against this server (queries and mutations over
// HTTP, subscriptions over WebSocket with graphql-transport-ws) with no asset from anywhere but
// the server itself, so that it works on a network without internet access.
//
// URL parameters fill it in (`?operation=…&variables=…`; `query=` would make the URL a GraphQL
// request of its own), and `run=1` runs the operation at once:
// links to a prepared operation, and the end-to-end test in a headless browser, use them.
"use strict";

const endpoint = new URL("/graphql", window.location.href);
const $ = (id) => document.getElementById(id);
let socket = null;

function show(value, isError) {
  const result = $("result");
  result.textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  result.classList.toggle("error", Boolean(isError));
}

function status(text) {
  $("status").textContent = text;
}

function headers() {
  const token = $("token").value.trim();
  const all = { "content-type": "application/json", accept: "application/json" };
  if (token) all.authorization = token.startsWith("Bearer ") ? token : `Bearer ${token}`;
  return all;
}

function variables() {
  const text = $("variables").value.trim();
  if (!text) return {};
  const parsed = JSON.parse(text);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("Variables must be a JSON object.");
  return parsed;
}

// The operation's kind, from its first keyword (comments and a leading `{` mean a query).
function kind(query) {
  const text = query.replace(/#[^\n]*/g, "").trim();
  const match = /^(query|mutation|subscription)\b/.exec(text);
  return match ? match[1] : "query";
}

async function post(query, vars) {
  const started = performance.now();
  const response = await fetch(endpoint, { method: "POST", headers: headers(), body: JSON.stringify({ query, variables: vars }) });
  const answer = await response.json();
  const source = response.headers.get("x-officina-read-from");
  status(`${response.status} in ${Math.round(performance.now() - started)} ms${source ? `, read from ${source}` : ""}`);
  show(answer, Boolean(answer.errors));
}

function subscribe(query, vars) {
  stop();
  const url = new URL(endpoint);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(url, "graphql-transport-ws");
  const received = [];
  $("stop").disabled = false;
  status("connecting…");
  socket.onopen = () => {
    const token = $("token").value.trim();
    const payload = token ? { authorization: token.startsWith("Bearer ") ? token : `Bearer ${token}` } : {};
    socket.send(JSON.stringify({ type: "connection_init", payload }));
  };
  socket.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.type === "connection_ack") {
      status("subscribed: waiting for events");
      socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables: vars } }));
    } else if (data.type === "next") {
      received.unshift(data.payload);
      status(`${received.length} received`);
      show(received.slice(0, 50), Boolean(data.payload.errors));
    } else if (data.type === "error") {
      show(data.payload, true);
      stop();
    } else if (data.type === "complete") {
      status(`completed after ${received.length}`);
      stop();
    } else if (data.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    }
  };
  socket.onclose = (event) => {
    if (socket) status(`closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`);
    socket = null;
    $("stop").disabled = true;
  };
}

function stop() {
  if (socket) {
    const closing = socket;
    socket = null;
    closing.close(1000, "Normal closure");
  }
  $("stop").disabled = true;
}

async function run() {
  const query = $("query").value;
  let vars;
  try {
    vars = variables();
  } catch (error) {
    show(`Variables: ${error.message}`, true);
    return;
  }
  localStorage.setItem("officina.query", query);
  localStorage.setItem("officina.variables", $("variables").value);
  try {
    if (kind(query) === "subscription") subscribe(query, vars);
    else await post(query, vars);
  } catch (error) {
    show(`The server could not be reached: ${error.message}`, true);
  }
}

// The root fields, from introspection, as templates to start from.
async function loadSchema() {
  const nav = $("schema");
  const query = `{ __schema {
    queryType { fields { name description } }
    mutationType { fields { name description } }
    subscriptionType { fields { name description } } } }`;
  try {
    const response = await fetch(endpoint, { method: "POST", headers: headers(), body: JSON.stringify({ query }) });
    const answer = await response.json();
    if (answer.errors) throw new Error(answer.errors[0].message);
    nav.textContent = "";
    for (const [title, type, keyword] of [
      ["Queries", answer.data.__schema.queryType, "query"],
      ["Mutations", answer.data.__schema.mutationType, "mutation"],
      ["Subscriptions", answer.data.__schema.subscriptionType, "subscription"],
    ]) {
      if (!type) continue;
      const heading = document.createElement("h2");
      heading.textContent = title;
      nav.append(heading);
      for (const field of [...type.fields].sort((a, b) => a.name.localeCompare(b.name))) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = field.name;
        button.title = field.description || "";
        button.onclick = () => {
          $("query").value = `${keyword} {\n  ${field.name}\n}\n`;
          $("query").focus();
        };
        nav.append(button);
      }
    }
  } catch (error) {
    nav.textContent = `The schema could not be read (${error.message}); operations still run.`;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const params = new URLSearchParams(window.location.search);
  $("token").value = localStorage.getItem("officina.token") || "";
  $("token").addEventListener("change", () => localStorage.setItem("officina.token", $("token").value.trim()));
  const query = params.get("operation") || localStorage.getItem("officina.query");
  if (query) $("query").value = query;
  const vars = params.get("variables") || localStorage.getItem("officina.variables");
  if (vars) $("variables").value = vars;
  $("run").addEventListener("click", run);
  $("stop").addEventListener("click", stop);
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") run();
  });
  loadSchema();
  if (params.get("run") === "1") run();
});
