// The /dashboard page: sign in, pick a region of your jurisdiction, watch its figures, trend,
// overdue issues and status changes live (graphql-ws over the API's own websocket). Served
// by the API under a strict Content-Security-Policy: no inline script or style, nothing from
// another origin; the chart is SVG drawn here.
import { createClient } from "./graphql-ws.js";

const TEXT = {
  zh: {
    title: "诉求看板", period: "期间", signOut: "退出", signInTitle: "登录",
    signInHint: "使用干部或代表账号登录，查看辖区内的诉求。", phone: "手机号", password: "密码",
    signIn: "登录", exportIssues: "导出 CSV（按诉求）", exportEvents: "导出 CSV（按事件）",
    trend: "每日趋势", byStatus: "按状态", byCategory: "按类别", byRegion: "按下级地区",
    levels: "逾期与升级（按层级）", overdue: "逾期未办结", stream: "实时动态", close: "关闭",
    streamEmpty: "等待新的状态变化…", other: "English", noJurisdiction: "该账号没有可查看的辖区。",
    allBelow: "下级地区…", asOf: "数据截至", live: "实时连接", offline: "正在重连…",
    reported: "上报", resolved: "办结", closed: "关闭", none: "暂无",
    figReported: "上报诉求", figOpen: "未办结", figOverdue: "逾期未办结",
    figAccept: "受理时长（中位）", figResolve: "办结时长（中位）", figSatisfaction: "满意率",
    figOnTime: "按时办结率", hours: "小时", days: "天", p90: "90% 在", ratings: "条评价",
    onTimeOf: "按时 {a} / 应计 {b}", issues: "条", region: "地区", count: "数量",
    level: "层级", overdueCol: "逾期", escalated: "升级", number: "编号", titleCol: "标题",
    due: "期限", status: "状态", listOf: "{name}：共 {n} 条", more: "仅显示前 {n} 条",
    notSignedIn: "请先登录。", exportFailed: "导出失败：", useDashboard: "统计",
    demands: "共性诉求", demandsHint: "相似的未办结诉求（同类、相邻或相近、措辞相似），可合并办理。",
    demandTitle: "诉求", category: "类别", size: "件数", villages: "涉及村", keywords: "关键词",
  },
  en: {
    title: "Issue dashboard", period: "Period", signOut: "Sign out", signInTitle: "Sign in",
    signInHint: "Sign in with an official's or a deputy's account to see your jurisdiction.",
    phone: "Phone", password: "Password", signIn: "Sign in",
    exportIssues: "Export CSV (issues)", exportEvents: "Export CSV (events)",
    trend: "Daily trend", byStatus: "By status", byCategory: "By category",
    byRegion: "By sub-region", levels: "Overdue and escalations by level",
    overdue: "Overdue and open", stream: "Live status changes", close: "Close",
    streamEmpty: "Waiting for status changes…", other: "中文",
    noJurisdiction: "This account has no jurisdiction to show.", allBelow: "Sub-regions…",
    asOf: "As of", live: "Live", offline: "Reconnecting…", reported: "Reported",
    resolved: "Resolved", closed: "Closed", none: "None",
    figReported: "Reported", figOpen: "Open", figOverdue: "Overdue and open",
    figAccept: "Time to accept (median)", figResolve: "Time to resolve (median)",
    figSatisfaction: "Satisfaction", figOnTime: "Resolved on time", hours: "h", days: "d",
    p90: "90% within", ratings: "ratings", onTimeOf: "{a} on time of {b}", issues: "issues",
    region: "Region", count: "Count", level: "Level", overdueCol: "Overdue",
    escalated: "Escalated", number: "No.", titleCol: "Title", due: "Due", status: "Status",
    listOf: "{name}: {n} issues", more: "first {n} shown", notSignedIn: "Sign in first.",
    exportFailed: "Export failed: ", useDashboard: "Statistics",
    demands: "Common demands",
    demandsHint: "Open issues that look like one problem (same category, nearby, similar wording): merge them to handle them once.",
    demandTitle: "Demand", category: "Category", size: "Issues", villages: "Villages",
    keywords: "Keywords",
  },
};

const NAMES = {
  zh: {
    SUBMITTED: "待受理", ACCEPTED: "已受理", IN_PROGRESS: "办理中", RESOLVED: "已办结",
    CLOSED: "已关闭", REJECTED: "已驳回", DUPLICATE: "重复", CANCELLED: "已撤销",
    ROADS: "道路", WATER: "供水", HEATING: "供暖", ENVIRONMENT: "环境", DISPUTE: "纠纷",
    AGRICULTURE: "农业", LEGAL_AID: "法律援助", CONSULTATION: "咨询", HOME_SERVICE: "上门服务",
    OTHER: "其他", COURTYARD: "院落", VILLAGE: "村", TOWNSHIP: "乡镇", COUNTY: "县",
    REPORTED: "上报", ASSIGNED: "指派", STARTED: "开始办理", UPDATED: "进展",
    ESCALATED: "升级", MARKED_DUPLICATE: "标为重复", RATED: "评价", REOPENED: "重新打开",
  },
  en: {
    SUBMITTED: "Submitted", ACCEPTED: "Accepted", IN_PROGRESS: "In progress",
    RESOLVED: "Resolved", CLOSED: "Closed", REJECTED: "Rejected", DUPLICATE: "Duplicate",
    CANCELLED: "Cancelled", ROADS: "Roads", WATER: "Water", HEATING: "Heating",
    ENVIRONMENT: "Environment", DISPUTE: "Disputes", AGRICULTURE: "Agriculture",
    LEGAL_AID: "Legal aid", CONSULTATION: "Consultation", HOME_SERVICE: "Home service",
    OTHER: "Other", COURTYARD: "Courtyard", VILLAGE: "Village", TOWNSHIP: "Township",
    COUNTY: "County", REPORTED: "Reported", ASSIGNED: "Assigned", STARTED: "Started",
    UPDATED: "Update", ESCALATED: "Escalated", MARKED_DUPLICATE: "Duplicate",
    RATED: "Rated", REOPENED: "Reopened",
  },
};
NAMES.zh.ACCEPTED_EVENT = "受理";
const WATCHING_ROLES = new Set([
  "GRID_HEAD", "VILLAGE_OFFICIAL", "TOWNSHIP_OFFICIAL", "COUNTY_OFFICIAL", "DEPUTY", "ADMIN",
]);
const OPEN = ["SUBMITTED", "ACCEPTED", "IN_PROGRESS"];
const LIST_SIZE = 20;
const STREAM_SIZE = 30;

const $ = (id) => document.getElementById(id);
const state = {
  lang: initialLanguage(),
  token: sessionStorage.getItem("dashboard.token"),
  viewer: null,
  roots: [],
  path: [],
  client: null,
  stops: [],
  refreshTimer: null,
  lastCursor: null,
  figureStop: null,
  trend: null,
  loads: 0,
};

function initialLanguage() {
  const chosen = localStorage.getItem("dashboard.lang");
  if (chosen === "zh" || chosen === "en") return chosen;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const tag of wanted) {
    const base = String(tag || "").toLowerCase().slice(0, 2);
    if (base === "zh" || base === "en") return base;
  }
  return "zh";
}

function t(key, params = {}) {
  const text = TEXT[state.lang][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

function name(code) {
  return NAMES[state.lang][code] ?? code;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- the API --------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
  }
  get code() {
    return this.errors[0]?.extensions?.code;
  }
}

async function gql(query, variables = {}) {
  const headers = {
    "content-type": "application/json",
    accept: "application/json",
    "accept-language": state.lang === "en" ? "en" : "zh-CN",
  };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors && body.errors.length) {
    const error = new ApiError(body.errors);
    if (error.code === "UNAUTHENTICATED") signOut(false);
    throw error;
  }
  return body.data;
}

const LOGIN = `mutation($phone: String!, $password: String!) {
  login(phone: $phone, password: $password) { token errors { code field message } } }`;
const VIEWER = `{ viewer { id displayName roles { role region { id name level } } } }`;
const CHILDREN = `query($id: ID!) { region(id: $id) {
  id name level children(first: 100) { edges { node { id name level } } } } }`;
const FILTER = "filter { regionId statuses categories levels overdue search reportedFrom reportedTo everAccepted everResolved latestRatings escalatedTo deadlineOutcomes }";
const DASHBOARD_SELECTION = `{
    region { id name } from to asOf
    reported { count ${FILTER} }
    byStatus { status count ${FILTER} }
    byCategory { category count ${FILTER} }
    byRegion { region { id name level } count ${FILTER} }
    timeToAccept { count medianHours p90Hours ${FILTER} }
    timeToResolve { count medianHours p90Hours ${FILTER} }
    satisfaction { ratings satisfied rate ${FILTER} }
    onTime { closedOnTime closed overdueOpen rate ${FILTER} }
    overdueByLevel { level count ${FILTER} }
    escalationsByLevel { level count ${FILTER} }
    trend { day reported resolved closed }
  }`;
const DASHBOARD = `query($regionId: ID!, $from: DateTime, $to: DateTime) {
  dashboard(regionId: $regionId, from: $from, to: $to) ${DASHBOARD_SELECTION} }`;
// Fresh figures pushed by the server when an issue in scope changes (at most one a second).
const DASHBOARD_UPDATED = `subscription($regionId: ID!, $from: DateTime, $to: DateTime) {
  dashboardUpdated(regionId: $regionId, from: $from, to: $to) ${DASHBOARD_SELECTION} }`;
const ISSUE_FIELDS = "id number title status level dueAt createdAt region { name }";
const ISSUES = `query($filter: IssueFilter, $first: Int) {
  issues(filter: $filter, first: $first) { totalCount edges { node { ${ISSUE_FIELDS} } } } }`;
// Groups of similar open issues (officials only: others get FORBIDDEN and no card).
const DEMANDS = `query($regionId: ID!, $first: Int) {
  commonDemands(regionId: $regionId, first: $first) { totalCount edges { node {
    category size suggestedTitle keywords villages { name }
    issues(first: ${LIST_SIZE}) { totalCount edges { node { ${ISSUE_FIELDS} } } } } } } }`;
const EXPORT_URL = `query($regionId: ID!, $from: DateTime!, $to: DateTime!, $layout: IssueExportLayout) {
  issueExportUrl(regionId: $regionId, from: $from, to: $to, layout: $layout) }`;
const STATUS_CHANGED = `subscription($regionId: ID!, $after: String) {
  issueStatusChanged(regionId: $regionId, after: $after) {
  id cursor kind fromStatus toStatus level at
  issue { id number title category region { name } } } }`;

// --- sign-in --------------------------------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  $("signin-submit").disabled = true;
  try {
    const data = await gql(LOGIN, { phone: $("phone").value.trim(), password: $("password").value });
    const errors = data.login.errors;
    if (errors.length) {
      $("signin-error").textContent = errors.map((e) => e.message).join(" ");
      return;
    }
    state.token = data.login.token;
    sessionStorage.setItem("dashboard.token", state.token);
    $("password").value = "";
    await start();
  } catch (error) {
    $("signin-error").textContent = error.message;
  } finally {
    $("signin-submit").disabled = false;
  }
}

function signOut(tellServer = true) {
  if (tellServer && state.token) {
    gql("mutation { logout }").catch(() => {});
  }
  state.token = null;
  sessionStorage.removeItem("dashboard.token");
  stopLive();
  if (state.client) state.client.dispose();
  state.client = null;
  showSignIn();
}

function showSignIn() {
  $("signin").hidden = false;
  $("board").hidden = true;
  $("places").hidden = true;
  $("period").hidden = true;
  $("who").hidden = true;
  $("signout").hidden = true;
  document.body.dataset.state = "signin";
}

async function start() {
  const data = await gql(VIEWER);
  if (!data.viewer) return showSignIn();
  state.viewer = data.viewer;
  const seen = new Map();
  for (const grant of data.viewer.roles) {
    if (WATCHING_ROLES.has(grant.role) && !seen.has(grant.region.id)) {
      seen.set(grant.region.id, grant.region);
    }
  }
  state.roots = [...seen.values()];
  $("signin").hidden = true;
  $("who").hidden = false;
  $("who").textContent = data.viewer.displayName;
  $("signout").hidden = false;
  if (!state.roots.length) {
    $("board").hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = t("noJurisdiction");
    document.body.dataset.state = "signin";
    return;
  }
  $("places").hidden = false;
  $("period").hidden = false;
  $("board").hidden = false;
  connect();
  await choose([state.roots[0]]);
}

// --- region and period -------------------------------------------------------------------------

// Days are the county's (`TIME_ZONE`, which the server writes into the page), as the
// dashboard's trend counts them, wherever the browser is.
const ZONE = document.body.dataset.timeZone || "Asia/Shanghai";

function day(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

// The date (as a UTC midnight) a day `shift` days from today in the zone.
function zoneDay(shift = 0) {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date());
  const [y, m, d] = today.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + shift));
}

// The zone's offset on that day (read at noon), as "+08:00".
function zoneOffset(date) {
  const noon = new Date(date.getTime() + 12 * 3600 * 1000);
  const local = new Date(noon.toLocaleString("en-US", { timeZone: ZONE }));
  const utc = new Date(noon.toLocaleString("en-US", { timeZone: "UTC" }));
  const minutes = Math.round((local - utc) / 60000);
  const abs = Math.abs(minutes);
  const pad = (n) => String(n).padStart(2, "0");
  return `${minutes >= 0 ? "+" : "-"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function defaultPeriod() {
  $("from").value = day(zoneDay(-29));
  $("to").value = day(zoneDay(0));
}

// The period's instants: [from's midnight, the day after `to`), midnights of the zone.
function period() {
  const [fy, fm, fd] = $("from").value.split("-").map(Number);
  const [ty, tm, td] = $("to").value.split("-").map(Number);
  const start = new Date(Date.UTC(fy, fm - 1, fd));
  const end = new Date(Date.UTC(ty, tm - 1, td + 1));
  return {
    from: `${day(start)}T00:00:00${zoneOffset(start)}`,
    to: `${day(end)}T00:00:00${zoneOffset(end)}`,
  };
}

function current() {
  return state.path[state.path.length - 1];
}

async function choose(path) {
  state.path = path;
  renderPlaces();
  await Promise.all([loadChildren(), reload(), watch()]);
}

function renderPlaces() {
  const select = $("region");
  select.replaceChildren(
    ...state.roots.map((r) =>
      el("option", { value: r.id, selected: r.id === state.path[0].id }, `${r.name}（${name(r.level)}）`),
    ),
  );
  select.hidden = state.roots.length < 2;
  $("crumbs").replaceChildren(
    ...state.path.map((r, i) =>
      el(
        "li",
        {},
        i === state.path.length - 1
          ? el("strong", {}, r.name)
          : el("a", { href: "#", onclick: (e) => { e.preventDefault(); choose(state.path.slice(0, i + 1)); } }, r.name),
      ),
    ),
  );
}

async function loadChildren() {
  const here = current();
  const data = await gql(CHILDREN, { id: here.id });
  const kids = data.region ? data.region.children.edges.map((e) => e.node) : [];
  here.children = kids;
  const select = $("subregion");
  select.replaceChildren(
    el("option", { value: "" }, t("allBelow")),
    ...kids.map((k) => el("option", { value: k.id }, k.name)),
  );
  select.hidden = kids.length === 0;
}

function drill(region) {
  choose([...state.path, region]);
}

// --- figures --------------------------------------------------------------------------------

function hours(value) {
  if (value === null || value === undefined) return "—";
  if (value >= 48) return `${(value / 24).toFixed(1)} ${t("days")}`;
  return `${value.toFixed(1)} ${t("hours")}`;
}

function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

function figure(key, label, value, note, filter, tone = "") {
  const clickable = Boolean(filter);
  return el(
    clickable ? "button" : "div",
    {
      type: clickable ? "button" : undefined,
      class: `figure ${tone}`,
      dataset: { figure: key },
      onclick: clickable ? () => openList(label, filter) : undefined,
    },
    el("span", { class: "label" }, label),
    el("span", { class: "value" }, value),
    el("span", { class: "note" }, note || "\u00a0"),
  );
}

// A figure's `filter` (IssueFilterValue) as `issues(filter:)` takes it: unset fields left out
// (false is a value, e.g. `everAccepted: false`, bar the viewer's own two switches).
function cleanFilter(filter) {
  const out = {};
  for (const [key, value] of Object.entries(filter || {})) {
    if (value === null || value === undefined) continue;
    if ((key === "assignedToMe" || key === "reportedByMe") && value === false) continue;
    out[key] = value;
  }
  return out;
}

async function reload() {
  const ticket = ++state.loads;
  $("board-error").textContent = "";
  document.body.dataset.state = "loading";
  document.body.dataset.period = JSON.stringify(period());
  try {
    await Promise.all([loadFigures(ticket), loadOverdue(ticket), loadDemands(ticket)]);
    if (ticket === state.loads) document.body.dataset.state = "ready";
  } catch (error) {
    $("board-error").textContent = error.message;
    document.body.dataset.state = "error";
  }
}

async function loadFigures(ticket) {
  const here = current();
  const data = await gql(DASHBOARD, { regionId: here.id, ...period() });
  if (ticket !== state.loads) return;
  renderDashboard(data.dashboard);
}

function renderDashboard(d) {
  $("region-name").textContent = d.region.name;
  $("asof").textContent = `${t("asOf")} ${new Date(d.asOf).toLocaleString(state.lang === "en" ? "en-GB" : "zh-CN", { timeZone: ZONE })}`;
  const open = d.byStatus.filter((s) => OPEN.includes(s.status));
  const openCount = open.reduce((sum, s) => sum + s.count, 0);
  const openFilter = { ...cleanFilter(d.reported.filter), statuses: OPEN };
  $("figures").replaceChildren(
    figure("reported", t("figReported"), d.reported.count, "", d.reported.filter, "primary"),
    figure("open", t("figOpen"), openCount, "", openFilter),
    figure("overdue", t("figOverdue"), d.onTime.overdueOpen, "", d.onTime.overdueOpenFilter, d.onTime.overdueOpen ? "alarm" : ""),
    figure("accept", t("figAccept"), hours(d.timeToAccept.medianHours),
      `${t("p90")} ${hours(d.timeToAccept.p90Hours)}`, d.timeToAccept.filter),
    figure("resolve", t("figResolve"), hours(d.timeToResolve.medianHours),
      `${t("p90")} ${hours(d.timeToResolve.p90Hours)}`, d.timeToResolve.filter),
    figure("satisfaction", t("figSatisfaction"), percent(d.satisfaction.rate),
      `${d.satisfaction.satisfied} / ${d.satisfaction.ratings} ${t("ratings")}`, d.satisfaction.filter, "good"),
    figure("ontime", t("figOnTime"), percent(d.onTime.rate),
      t("onTimeOf", { a: d.onTime.closedOnTime, b: d.onTime.closed + d.onTime.overdueOpen }), d.onTime.filter),
  );
  bars($("by-status"), d.byStatus.map((s) => [s.status, s.count, s.filter]));
  bars($("by-category"), d.byCategory.filter((c) => c.count > 0).map((c) => [c.category, c.count, c.filter]));
  regionTable(d.byRegion);
  levelTable(d.overdueByLevel, d.escalationsByLevel);
  state.trend = d.trend;
  trendChart($("trend"), d.trend);
}

function bars(box, items) {
  const top = Math.max(1, ...items.map(([, count]) => count));
  box.replaceChildren(
    ...(items.length
      ? items.map(([code, count, filter]) => {
          const fill = el("span", { class: "fill" });
          fill.style.width = `${(100 * count) / top}%`; // CSSOM, which the CSP allows
          return el(
            "button",
            { type: "button", class: "bar", dataset: { code }, onclick: () => openList(name(code), filter) },
            el("span", { class: "name" }, name(code)),
            el("span", { class: "track" }, fill),
            el("span", { class: "n" }, count),
          );
        })
      : [el("p", { class: "hint" }, t("none"))]),
  );
}

function regionTable(rows) {
  const table = $("by-region");
  table.replaceChildren(
    el("thead", {}, el("tr", {}, el("th", {}, t("region")), el("th", { class: "num" }, t("count")))),
    el(
      "tbody",
      {},
      rows.map((r) =>
        el(
          "tr",
          {},
          el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); drill(r.region); } }, r.region.name)),
          el("td", { class: "num" }, el("a", { href: "#", onclick: (e) => { e.preventDefault(); openList(r.region.name, r.filter); } }, r.count)),
        ),
      ),
    ),
  );
}

function levelTable(overdue, escalations) {
  const levels = ["COURTYARD", "VILLAGE", "TOWNSHIP", "COUNTY"];
  const find = (list, level) => list.find((x) => x.level === level);
  const link = (item, label) =>
    item && item.count
      ? el("a", { href: "#", onclick: (e) => { e.preventDefault(); openList(label, item.filter); } }, item.count)
      : String(item ? item.count : 0);
  $("by-level").replaceChildren(
    el("thead", {}, el("tr", {}, el("th", {}, t("level")), el("th", { class: "num" }, t("overdueCol")), el("th", { class: "num" }, t("escalated")))),
    el(
      "tbody",
      {},
      levels.map((level) =>
        el(
          "tr",
          {},
          el("td", {}, name(level)),
          el("td", { class: "num alarm-text" }, link(find(overdue, level), `${t("overdueCol")} · ${name(level)}`)),
          el("td", { class: "num" }, link(find(escalations, level), `${t("escalated")} · ${name(level)}`)),
        ),
      ),
    ),
  );
}

function trendChart(box, days) {
  // Drawn at the box's own width, so the text keeps its size whatever the screen.
  const width = Math.max(320, Math.round(box.clientWidth || 760));
  const height = 230;
  const pad = { left: 36, right: 12, top: 14, bottom: 28 };
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "trend", role: "img" });
  const series = [
    ["reported", t("reported"), "line-reported"],
    ["resolved", t("resolved"), "line-resolved"],
    ["closed", t("closed"), "line-closed"],
  ];
  const top = Math.max(1, ...days.flatMap((d) => [d.reported, d.resolved, d.closed]));
  const step = Math.max(1, Math.ceil(top / 4));
  const ceiling = step * 4;
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const x = (i) => pad.left + (days.length < 2 ? innerW / 2 : (innerW * i) / (days.length - 1));
  const y = (v) => pad.top + innerH - (innerH * v) / ceiling;
  for (let v = 0; v <= ceiling; v += step) {
    chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: "grid" }));
    chart.append(svg("text", { x: pad.left - 6, y: y(v) + 4, class: "tick", "text-anchor": "end" }, String(v)));
  }
  const every = Math.max(1, Math.ceil(days.length / 8));
  days.forEach((d, i) => {
    // Every `every`-th day and the last, but no regular label crowding the last one.
    if ((i % every === 0 && days.length - 1 - i >= every / 2) || i === days.length - 1) {
      const anchor = i === 0 ? "start" : i === days.length - 1 ? "end" : "middle";
      chart.append(svg("text", { x: x(i), y: height - 8, class: "tick", "text-anchor": anchor }, d.day.slice(5)));
    }
  });
  for (const [key, , cls] of series) {
    const points = days.map((d, i) => `${x(i).toFixed(1)},${y(d[key]).toFixed(1)}`).join(" ");
    chart.append(svg("polyline", { points, class: cls, fill: "none" }));
    days.forEach((d, i) => {
      if (d[key]) chart.append(svg("circle", { cx: x(i), cy: y(d[key]), r: 2.5, class: cls }));
    });
  }
  const legend = el(
    "div",
    { class: "legend" },
    series.map(([, label, cls]) => el("span", { class: `key ${cls}` }, label)),
  );
  box.replaceChildren(chart, legend);
}

// --- lists ----------------------------------------------------------------------------------

function issueRows(table, edges) {
  const when = (iso) => (iso ? new Date(iso).toLocaleString(state.lang === "en" ? "en-GB" : "zh-CN", { timeZone: ZONE, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }) : "—");
  table.replaceChildren(
    el("thead", {}, el("tr", {}, el("th", {}, t("number")), el("th", {}, t("titleCol")), el("th", {}, t("region")), el("th", {}, t("status")), el("th", {}, t("due")))),
    el(
      "tbody",
      {},
      edges.map(({ node }) =>
        el(
          "tr",
          { dataset: { issue: node.id } },
          el("td", { class: "mono" }, node.number || ""),
          el("td", {}, node.title),
          el("td", {}, node.region.name),
          el("td", {}, el("span", { class: `pill s-${node.status}` }, name(node.status)), " ", el("span", { class: "lvl" }, name(node.level))),
          el("td", { class: "mono" }, when(node.dueAt)),
        ),
      ),
    ),
  );
}

// The lists that move with status changes (the figures come by `dashboardUpdated`).
async function reloadLists() {
  try {
    await Promise.all([loadOverdue(state.loads), loadDemands(state.loads)]);
  } catch (error) {
    $("board-error").textContent = error.message;
  }
}

async function loadOverdue(ticket) {
  const data = await gql(ISSUES, { filter: { regionId: current().id, overdue: true }, first: LIST_SIZE });
  if (ticket !== state.loads) return;
  $("overdue-count").textContent = String(data.issues.totalCount);
  issueRows($("overdue"), data.issues.edges);
}

async function loadDemands(ticket) {
  let data;
  try {
    data = await gql(DEMANDS, { regionId: current().id, first: 5 });
  } catch (error) {
    if (error.code !== "FORBIDDEN") throw error;
    if (ticket === state.loads) $("demands-card").hidden = true;
    return;
  }
  if (ticket !== state.loads) return;
  const demands = data.commonDemands;
  $("demands-card").hidden = false;
  $("demands-count").textContent = String(demands.totalCount);
  $("demands").replaceChildren(
    el("thead", {}, el("tr", {}, ...["demandTitle", "category", "size", "villages", "keywords"].map((k) => el("th", k === "size" ? { class: "num" } : {}, t(k))))),
    el(
      "tbody",
      {},
      demands.edges.map(({ node }) =>
        el(
          "tr",
          { class: "clickable", dataset: { size: String(node.size) }, onclick: () => showList(node.suggestedTitle, node.issues) },
          el("td", {}, node.suggestedTitle),
          el("td", {}, name(node.category)),
          el("td", { class: "num" }, String(node.size)),
          el("td", {}, node.villages.map((v) => v.name).join("、")),
          el("td", {}, node.keywords.join(" · ")),
        ),
      ),
    ),
  );
}

async function openList(label, filter) {
  const data = await gql(ISSUES, { filter: cleanFilter(filter), first: LIST_SIZE });
  showList(label, data.issues);
}

function showList(label, issues) {
  const n = issues.totalCount;
  let title = t("listOf", { name: label, n });
  if (n > LIST_SIZE) title += `（${t("more", { n: LIST_SIZE })}）`;
  $("list-title").textContent = title;
  issueRows($("list"), issues.edges);
  $("list-card").hidden = false;
  $("list-card").scrollIntoView({ block: "nearest" });
}

// --- live -----------------------------------------------------------------------------------

function connect() {
  if (state.client) state.client.dispose();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  state.client = createClient({
    url: `${scheme}://${location.host}/graphql`,
    connectionParams: () => ({
      authorization: `Bearer ${state.token}`,
      acceptLanguage: state.lang === "en" ? "en" : "zh-CN",
    }),
    retryAttempts: Infinity,
    shouldRetry: () => true,
    keepAlive: 15000,
  });
  let dropped = false;
  state.client.on("connected", () => {
    setLive(true);
    // Back after a drop: subscribe again from the last event shown, so what happened
    // meanwhile is delivered first, without a gap (the server replays it).
    if (dropped && state.path.length) watch(state.lastCursor);
    dropped = false;
  });
  state.client.on("closed", () => {
    setLive(false);
    dropped = true;
  });
}

function setLive(on) {
  $("live").classList.toggle("on", on);
  $("live-text").textContent = on ? t("live") : t("offline");
}

function stopLive() {
  for (const stop of state.stops) stop();
  state.stops = [];
  if (state.figureStop) state.figureStop();
  state.figureStop = null;
}

// The figures, live: `dashboardUpdated` for the region and period (at most one push a second).
function watchFigures() {
  if (state.figureStop) state.figureStop();
  const variables = { regionId: current().id, ...period() };
  const key = JSON.stringify(variables);
  state.figureStop = state.client.subscribe(
    { query: DASHBOARD_UPDATED, variables },
    {
      next: ({ data, errors }) => {
        if (errors && errors.length) {
          $("board-error").textContent = errors.map((e) => e.message).join("; ");
          return;
        }
        if (data && data.dashboardUpdated && key === JSON.stringify({ regionId: current().id, ...period() })) {
          renderDashboard(data.dashboardUpdated);
          document.body.dataset.pushes = String(Number(document.body.dataset.pushes || 0) + 1);
        }
      },
      error: (error) => {
        $("board-error").textContent = error.message || String(error);
      },
      complete: () => {},
    },
  );
}

function watch(after = null) {
  stopLive();
  watchFigures();
  const regionId = current().id;
  if (!after) {
    $("stream").replaceChildren();
    $("stream-empty").hidden = false;
    state.lastCursor = null;
  }
  state.stops.push(
    state.client.subscribe(
      { query: STATUS_CHANGED, variables: { regionId, after } },
      {
        next: ({ data, errors }) => {
          if (errors && errors.length) $("board-error").textContent = errors.map((e) => e.message).join("; ");
          if (data && data.issueStatusChanged) onStatusChange(data.issueStatusChanged);
        },
        error: (error) => {
          $("board-error").textContent = error.message || String(error);
        },
        complete: () => {},
      },
    ),
  );
}

function onStatusChange(event) {
  if (document.querySelector(`#stream li[data-event="${CSS.escape(event.id)}"]`)) return; // replayed
  state.lastCursor = event.cursor;
  $("stream-empty").hidden = true;
  const time = new Date(event.at).toLocaleTimeString(state.lang === "en" ? "en-GB" : "zh-CN", { timeZone: ZONE });
  const change = event.fromStatus && event.fromStatus !== event.toStatus
    ? `${name(event.fromStatus)} → ${name(event.toStatus)}`
    : name(event.toStatus);
  const kind = event.kind === "ACCEPTED" && state.lang === "zh" ? NAMES.zh.ACCEPTED_EVENT : name(event.kind);
  const item = el(
    "li",
    { class: `new k-${event.kind}`, dataset: { issue: event.issue.id, event: event.id, cursor: event.cursor } },
    el("time", {}, time),
    el("span", { class: "kind" }, kind),
    el("span", { class: "what" }, el("span", { class: "mono" }, event.issue.number || ""), " ", event.issue.title),
    el("span", { class: "where" }, `${event.issue.region.name} · ${name(event.level)} · ${change}`),
  );
  const list = $("stream");
  list.prepend(item);
  while (list.children.length > STREAM_SIZE) list.lastElementChild.remove();
  setTimeout(() => item.classList.remove("new"), 2500);
  // The overdue list and the common demands move with the stream (the figures come by `dashboardUpdated`): one
  // reload for a burst of changes.
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(reloadLists, 700);
}

// --- exports --------------------------------------------------------------------------------

async function download(layout) {
  try {
    const data = await gql(EXPORT_URL, { regionId: current().id, ...period(), layout });
    const link = el("a", { href: data.issueExportUrl, download: "", class: "hidden-link" });
    document.body.append(link);
    link.click();
    link.remove();
    document.body.dataset.lastExport = data.issueExportUrl;
  } catch (error) {
    $("board-error").textContent = t("exportFailed") + error.message;
  }
}

// --- language -------------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang === "en" ? "en" : "zh-CN";
  document.title = `${t("title")} · ${state.lang === "en" ? "诉求看板" : "Issue dashboard"}`;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  $("lang").textContent = t("other");
}

async function switchLanguage() {
  state.lang = state.lang === "en" ? "zh" : "en";
  localStorage.setItem("dashboard.lang", state.lang);
  applyLanguage();
  if (state.token && state.path.length) {
    connect(); // the socket's messages follow its language
    await choose(state.path);
  }
}

// --- start ----------------------------------------------------------------------------------

function init() {
  applyLanguage();
  defaultPeriod();
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", () => signOut(true));
  $("lang").addEventListener("click", switchLanguage);
  $("region").addEventListener("change", (e) => {
    const root = state.roots.find((r) => r.id === e.target.value);
    if (root) choose([root]);
  });
  $("subregion").addEventListener("change", (e) => {
    const kid = (current().children || []).find((k) => k.id === e.target.value);
    if (kid) drill(kid);
  });
  for (const id of ["from", "to"]) {
    $(id).addEventListener("change", () => {
      reload();
      if (state.client && state.path.length) watchFigures();
    });
  }
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => state.trend && trendChart($("trend"), state.trend), 150);
  });
  $("export-issues").addEventListener("click", () => download("ISSUES"));
  $("export-events").addEventListener("click", () => download("EVENTS"));
  $("list-close").addEventListener("click", () => { $("list-card").hidden = true; });
  if (state.token) {
    start().catch(() => signOut(false));
  } else {
    showSignIn();
  }
}

init();
