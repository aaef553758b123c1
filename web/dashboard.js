// PayKit revenue dashboard: reads the public API of this page's own origin with the developer's bearer token.
// The token comes from the form only (kept in sessionStorage: this tab, until it closes or "Sign out"); it is never
// read from or written to the URL, and requests go to this origin only (the page's CSP says connect-src 'self').
"use strict";
(() => {
  const TOKEN_KEY = "paykit.dashboard.token";
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const MOVEMENTS = [
    {key: "new", sign: 1, label: "New"}, {key: "expansion", sign: 1, label: "Expansion"},
    {key: "reactivation", sign: 1, label: "Reactivation"}, {key: "contraction", sign: -1, label: "Contraction"},
    {key: "churn", sign: -1, label: "Churn"}];
  const REVENUE = [{key: "gross_revenue", sign: 1, label: "Gross revenue"}, {key: "refunds", sign: -1, label: "Refunds"}];
  const FAILED = [{key: "failed_payments", sign: 1, label: "Failed payments"}];
  const $ = (id) => document.getElementById(id);
  const esc = (v) => String(v ?? "").replace(/[&<>"']/g,
    (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const state = {mode: "test", currency: "", range: 183, interval: "week", data: null, loading: 0};

  // --- the token: from the form, into this tab's sessionStorage; never from the URL --------------------------------
  function scrubUrl() {
    const query = new URLSearchParams(location.search);
    const risky = query.has("token") || query.has("api") || /token|api/i.test(location.hash);
    if (location.search || location.hash) history.replaceState(null, "", location.pathname);
    if (risky) {
      status("A link carried a token or an API address: it was removed from the address bar and not used. " +
             "Paste your token in the field above instead.", "notice");
    }
  }
  const token = () => sessionStorage.getItem(TOKEN_KEY);

  function subjectOf(jwt) {
    try {
      const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part)).sub || null;
    } catch (_) {
      return null;
    }
  }

  function showSession() {
    const connected = Boolean(token());
    $("signin").hidden = connected;
    $("session").hidden = !connected;
    const sub = connected ? subjectOf(token()) : null;
    $("who").textContent = sub ? "Connected as " + sub : "Connected";
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.data = null;
    showSession();
    for (const id of ["kpis", "chart-mrr", "chart-movements", "chart-revenue", "chart-failed", "projects",
      "subscriptions", "payments"]) $(id).replaceChildren();
    status(message || "Signed out. Paste a developer token above to see your revenue.", message ? "error" : "");
  }

  class AuthError extends Error {}

  // Every request: this origin, a fixed /api/v1/ path, the token in the Authorization header and nowhere else.
  async function api(path, params) {
    const url = new URL(path, location.origin);
    if (url.origin !== location.origin || !url.pathname.startsWith("/api/v1/")) throw new Error("refused " + path);
    for (const [name, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
    }
    const reply = await fetch(url, {headers: {Authorization: "Bearer " + token()}, credentials: "omit",
      cache: "no-store", redirect: "error", referrerPolicy: "no-referrer"});
    if (reply.status === 401) throw new AuthError("The token was refused (expired or not a developer token).");
    if (!reply.ok) throw new Error(url.pathname + " answered " + reply.status);
    return reply.json();
  }

  function status(text, kind) {
    const el = $("status");
    el.textContent = text;
    el.className = "status" + (kind ? " " + kind : "");
  }

  // --- formatting ----------------------------------------------------------------------------------------------
  // Stripe's amounts are in the currency's smallest unit: decimals per currency, as paykit/currency.py lists them
  // (a unit test keeps this literal equal to it); every other currency has 2.
  const EXPONENTS = {"bif": 0, "clp": 0, "djf": 0, "gnf": 0, "jpy": 0, "kmf": 0, "krw": 0, "mga": 0, "pyg": 0,
    "rwf": 0, "ugx": 0, "vnd": 0, "vuv": 0, "xaf": 0, "xof": 0, "xpf": 0, "bhd": 3, "jod": 3, "kwd": 3, "omr": 3,
    "tnd": 3};
  const exponent = (currency) => EXPONENTS[String(currency).toLowerCase()] ?? 2;
  const formatters = {};
  function money(amount, currency, compact) {
    const key = currency + (compact ? ":c" : "");
    if (!formatters[key]) {
      try {
        formatters[key] = new Intl.NumberFormat("en-US", {style: "currency", currency: currency.toUpperCase(),
          ...(compact ? {notation: "compact", maximumFractionDigits: 1} : {})});
      } catch (_) {
        formatters[key] = {format: (v) => v.toFixed(exponent(currency)) + " " + currency.toUpperCase()};
      }
    }
    return formatters[key].format(amount / 10 ** exponent(currency));
  }
  const count = (v) => new Intl.NumberFormat("en-US").format(v);
  const percent = (v) => (v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%");
  const signed = (text, v) => (v > 0 ? "+" : v < 0 ? "−" : "") + text;

  function dayLabel(iso, interval) {
    const [y, m, d] = iso.split("-").map(Number);
    if (interval === "month") return MONTHS[m - 1] + " " + String(y).slice(2);
    return MONTHS[m - 1] + " " + d;
  }
  function isoDay(date) { return date.toISOString().slice(0, 10); }

  // --- charts: hand-written SVG drawn at the panel's pixel width (text keeps its size at any width) -------------
  function niceStep(span, ticks) {
    const raw = span / Math.max(1, ticks);
    const power = 10 ** Math.floor(Math.log10(raw || 1));
    const unit = raw / power;
    return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
  }

  function scaleY(min, max, height, integer) {
    min = min || 0;  // never -0 (it would print as "-0")
    if (min === max) max = min + (integer ? 4 : 100);
    let step = niceStep(max - min, 4);
    if (integer) step = Math.max(1, Math.round(step));
    const lo = Math.floor(min / step) * step;
    const hi = Math.ceil(max / step) * step;
    const ticks = [];
    for (let v = lo; v <= hi + step / 2; v += step) ticks.push(v || 0);
    return {ticks, y: (v) => height - ((v - lo) / (hi - lo)) * height};
  }

  // The frame every chart shares: y grid with labels, x labels under evenly spaced bands (one per point).
  function frame(el, points, lo, hi, options) {
    const width = Math.max(240, Math.floor(el.clientWidth));
    const height = options.height || (width < 500 ? 190 : 230);
    const yScale = scaleY(lo, hi, 1, options.integer);
    const labels = yScale.ticks.map(options.yLabel);
    const left = Math.min(90, 10 + Math.max(...labels.map((t) => t.length)) * 6.4);
    const top = 8, bottom = 22, right = 6;
    const plotW = width - left - right, plotH = height - top - bottom;
    const y = (v) => top + yScale.y(v) * plotH;
    const band = plotW / Math.max(1, points.length);
    const x = (i) => left + band * (i + 0.5);
    const parts = [];
    yScale.ticks.forEach((tick, i) => {
      parts.push(`<line class="${tick === 0 ? "zero" : "gridline"}" x1="${left}" x2="${width - right}" ` +
        `y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}"></line>`,
      `<text x="${left - 8}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${esc(labels[i])}</text>`);
    });
    const every = Math.max(1, Math.ceil(points.length / Math.max(2, Math.floor(plotW / 64))));
    points.forEach((p, i) => {
      if (i % every === 0) {
        parts.push(`<text x="${x(i).toFixed(1)}" y="${height - 6}" text-anchor="middle">` +
          `${esc(dayLabel(p.date, options.interval))}</text>`);
      }
    });
    return {width, height, left, right, top, plotW, plotH, band, x, y, parts};
  }

  // The chart's query (data-*) is on the <svg>, each point's date and value on its mark: what the tests compare.
  function svgOpen(f, ctx, attrs) {
    attrs = {"data-currency": ctx.currency, "data-mode": ctx.mode, "data-interval": ctx.interval,
      "data-from": ctx.from, "data-to": ctx.to, ...attrs};
    const extra = Object.entries(attrs).map(([k, v]) => ` ${k}="${esc(v)}"`).join("");
    return `<svg width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" role="img"${extra}>`;
  }

  function lineChart(el, series, ctx) {
    const points = series.points;
    const values = points.map((p) => p.value);
    const f = frame(el, points, Math.min(0, ...values), Math.max(0, ...values),
      {interval: ctx.interval, yLabel: (v) => money(v, ctx.currency, true)});
    const coords = points.map((p, i) => [f.x(i), f.y(p.value)]);
    const line = coords.map(([cx, cy], i) => (i ? "L" : "M") + cx.toFixed(1) + "," + cy.toFixed(1)).join("");
    const base = f.y(0).toFixed(1);
    const area = coords.length ? `${line}L${coords[coords.length - 1][0].toFixed(1)},${base}` +
      `L${coords[0][0].toFixed(1)},${base}Z` : "";
    const radius = points.length <= 40 ? 3 : points.length <= 100 ? 2 : 1.2;
    const dots = points.map((p, i) => `<circle class="pt" data-testid="point" data-date="${esc(p.date)}" ` +
      `data-value="${p.value}" cx="${coords[i][0].toFixed(1)}" cy="${coords[i][1].toFixed(1)}" r="${radius}"></circle>`);
    el.innerHTML = svgOpen(f, ctx, {"data-metric": series.metric, "aria-label": "MRR over time"}) +
      `<defs><linearGradient id="mrr-fill" x1="0" x2="0" y1="0" y2="1"><stop offset="0" stop-color="#4f46e5" ` +
      `stop-opacity=".22"></stop><stop offset="1" stop-color="#4f46e5" stop-opacity="0"></stop></linearGradient></defs>` +
      f.parts.join("") + `<path class="area" d="${area}"></path><path class="line" d="${line}"></path>` +
      `<line class="cursor" x1="0" x2="0" y1="${f.top}" y2="${f.top + f.plotH}" visibility="hidden"></line>` +
      dots.join("") + "</svg>";
    hover(el, f, points, (p) => [[dayLabel(p.date, "day"), ""], ["MRR", money(p.value, ctx.currency)]]);
  }

  // Stacked bars: `sign` 1 stacks above zero, -1 below; every (date, kind) gets a rect, 0 high when 0.
  function barChart(el, points, kinds, ctx, options) {
    let hi = 0, lo = 0;
    for (const p of points) {
      hi = Math.max(hi, kinds.filter((k) => k.sign > 0).reduce((s, k) => s + p[k.key], 0));
      lo = Math.min(lo, -kinds.filter((k) => k.sign < 0).reduce((s, k) => s + p[k.key], 0));
    }
    const label = options.integer ? (v) => count(v) : (v) => money(v, ctx.currency, true);
    const f = frame(el, points, lo, hi, {interval: ctx.interval, yLabel: label, integer: options.integer});
    const barW = Math.max(1, Math.min(28, f.band * 0.72));
    const bars = [];
    points.forEach((p, i) => {
      let up = 0, down = 0;
      for (const k of kinds) {
        const value = p[k.key];
        const from = k.sign > 0 ? up : -down;
        const to = k.sign > 0 ? up + value : -(down + value);
        if (k.sign > 0) up += value; else down += value;
        const top = Math.min(f.y(from), f.y(to)), h = Math.abs(f.y(from) - f.y(to));
        bars.push(`<rect class="bar-${k.key}" data-testid="bar" data-date="${esc(p.date)}" data-kind="${k.key}" ` +
          `data-value="${value}" x="${(f.x(i) - barW / 2).toFixed(1)}" y="${top.toFixed(1)}" ` +
          `width="${barW.toFixed(1)}" height="${h.toFixed(1)}" rx="${barW > 6 ? 2 : 0}"></rect>`);
      }
      if (options.net) {
        bars.push(`<rect class="net" data-testid="bar" data-date="${esc(p.date)}" data-kind="net" ` +
          `data-value="${p.value}" x="${(f.x(i) - barW / 2).toFixed(1)}" y="${(f.y(p.value) - 1).toFixed(1)}" ` +
          `width="${barW.toFixed(1)}" height="2"></rect>`);
      }
    });
    el.innerHTML = svgOpen(f, ctx, {"data-metric": options.metric, "aria-label": options.title}) + f.parts.join("") +
      `<line class="cursor" x1="0" x2="0" y1="${f.top}" y2="${f.top + f.plotH}" visibility="hidden"></line>` +
      bars.join("") + "</svg>";
    const show = options.integer ? count : (v) => money(v, ctx.currency);
    hover(el, f, points, (p) => [[dayLabel(p.date, "day"), ""],
      ...kinds.map((k) => [k.label, (k.sign < 0 && p[k.key] ? "−" : "") + show(p[k.key])]),
      ...(options.net ? [["Net new MRR", show(p.value)]] : [])]);
  }

  function hover(el, f, points, rows) {
    const svg = el.querySelector("svg");
    const cursor = svg.querySelector(".cursor");
    const tip = $("tip");
    const move = (event) => {
      const box = svg.getBoundingClientRect();
      const i = Math.floor((event.clientX - box.left - f.left) / f.band);
      if (i < 0 || i >= points.length) return leave();
      cursor.setAttribute("x1", f.x(i)); cursor.setAttribute("x2", f.x(i));
      cursor.setAttribute("visibility", "visible");
      const lines = rows(points[i]);
      tip.innerHTML = `<b>${esc(lines[0][0])}</b>` + lines.slice(1).map(([name, value]) =>
        `<div class="row"><span>${esc(name)}</span><span>${esc(value)}</span></div>`).join("");
      tip.hidden = false;
      const x = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
      tip.style.left = Math.max(8, x) + "px";
      tip.style.top = Math.max(8, event.clientY - tip.offsetHeight - 12) + "px";
    };
    const leave = () => { tip.hidden = true; cursor.setAttribute("visibility", "hidden"); };
    svg.addEventListener("pointermove", move);
    svg.addEventListener("pointerleave", leave);
  }

  function sparkline(points) {
    const w = 96, h = 26;
    if (!points.length) return "";
    const values = points.map((p) => p.value);
    const lo = Math.min(...values), hi = Math.max(...values);
    const y = (v) => (hi === lo ? h / 2 : h - 2 - ((v - lo) / (hi - lo)) * (h - 4));
    const step = points.length > 1 ? (w - 2) / (points.length - 1) : 0;
    const d = points.map((p, i) => (i ? "L" : "M") + (1 + i * step).toFixed(1) + "," + y(p.value).toFixed(1)).join("");
    return `<svg class="sparkline" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" aria-hidden="true">` +
      `<path class="spark" d="${d}"></path></svg>`;
  }

  // --- figures and tables --------------------------------------------------------------------------------------
  function kpis(s, ctx) {
    const m = (v) => money(v, ctx.currency);
    const tiles = [
      ["mrr", "MRR", m(s.mrr_end_cents), s.mrr_end_cents,
        signed(m(Math.abs(s.mrr_end_cents - s.mrr_start_cents)), s.mrr_end_cents - s.mrr_start_cents) + " in range"],
      ["net_new_mrr", "Net new MRR", signed(m(Math.abs(s.net_new_mrr_cents)), s.net_new_mrr_cents),
        s.net_new_mrr_cents, "new " + m(s.new_mrr_cents) + " · churn " + m(s.churned_mrr_cents)],
      ["customers", "Paying customers", count(s.customers_end), s.customers_end,
        `+${s.new_customers} new · −${s.churned_customers} churned`],
      ["arpu", "ARPU", m(s.arpu_cents), s.arpu_cents, "LTV " + (s.ltv_cents === null ? "–" : m(s.ltv_cents))],
      ["gross_revenue", "Gross revenue", m(s.gross_revenue_cents), s.gross_revenue_cents,
        "net " + m(s.net_revenue_cents) + (s.usage_revenue_cents ? " · usage " + m(s.usage_revenue_cents) : "")],
      ["refunds", "Refunds", m(s.refunded_cents), s.refunded_cents,
        s.gross_revenue_cents ? (100 * s.refunded_cents / s.gross_revenue_cents).toFixed(1) + "% of gross" : "–"],
      ["failed_payments", "Failed payments", count(s.failed_payments), s.failed_payments, "still unpaid"],
      ["churn_rate", "Churn per 30 days", percent(s.customer_churn_rate), s.customer_churn_rate ?? "",
        "of customers · revenue " + percent(s.revenue_churn_rate)]];
    $("kpis").innerHTML = tiles.map(([id, label, value, raw, sub]) =>
      `<div class="kpi" data-testid="kpi-${id}" data-value="${esc(raw)}"><div class="label">${esc(label)}</div>` +
      `<div class="value">${esc(value)}</div><div class="sub">${esc(sub)}</div></div>`).join("");
  }

  function table(el, columns, rows, empty) {
    const head = "<colgroup>" + columns.map((c) => `<col class="${c.cls || ""} ${c.col || ""}">`).join("") +
      "</colgroup>";
    const th = "<thead><tr>" + columns.map((c) => `<th class="${c.cls || ""}">${esc(c.title)}</th>`).join("") +
      "</tr></thead>";
    const body = rows.length ? rows.map((r) => `<tr${r._attrs || ""}>` +
      columns.map((c) => `<td class="${c.cls || ""}">${c.cell(r)}</td>`).join("") + "</tr>").join("")
      : `<tr><td class="empty" colspan="${columns.length}">${esc(empty)}</td></tr>`;
    el.innerHTML = head + th + "<tbody>" + body + "</tbody>";
  }

  // A link to the object in Stripe's dashboard (test objects live under /test/); ids are checked, never trusted.
  function stripeLink(kind, id, testMode) {
    if (!/^[A-Za-z0-9_]+$/.test(String(id || ""))) return esc(id || "–");
    const href = `https://dashboard.stripe.com/${testMode ? "test/" : ""}${kind}/${encodeURIComponent(id)}`;
    return `<a href="${esc(href)}" target="_blank" rel="noopener noreferrer" title="Open in Stripe">${esc(id)}</a>`;
  }
  const when = (iso) => esc(String(iso || "").slice(0, 10));
  const pill = (s) => `<span class="pill ${esc(s)}">${esc(String(s).replace(/_/g, " "))}</span>`;

  // Each project's figures in its own main currency (the API's choice when no currency is asked for).
  function projectsTable(projects, perProject) {
    const rows = projects.map((p) => ({...p, fig: perProject[p.id], _attrs: ` data-project-id="${esc(p.id)}"`}));
    const m = (v, r) => money(v, r.fig.currency);
    const fig = (r, name, fmt) => (r.fig ? `<span data-field="${name}" data-value="${r.fig.summary[name]}" ` +
      `data-currency="${esc(r.fig.currency)}">${esc(fmt(r.fig.summary[name], r))}</span>` : "–");
    table($("projects"), [
      {title: "Project", col: "w-name", cell: (r) => `<span class="project-name">${esc(r.name)}</span>`},
      {title: "MRR trend", cls: "opt", col: "w-trend", cell: (r) => (r.fig ? sparkline(r.fig.points) : "")},
      {title: "MRR", cls: "num", cell: (r) => fig(r, "mrr_end_cents", m)},
      {title: "Net new", cls: "num opt", cell: (r) => fig(r, "net_new_mrr_cents", m)},
      {title: "Paying", cls: "num opt", cell: (r) => fig(r, "customers_end", (v) => count(v))},
      {title: "Revenue", cls: "num", cell: (r) => fig(r, "gross_revenue_cents", m)},
      {title: "Refunds", cls: "num opt", cell: (r) => fig(r, "refunded_cents", m)}],
    rows, "No projects yet");
  }

  function listTables(subs, pays) {
    table($("subscriptions"), [
      {title: "Subscription", col: "w-id", cell: (s) => stripeLink("subscriptions", s.subscription_id, s.is_test_mode)},
      {title: "Plan", cell: (s) => esc(s.plan_name || "–") + (s.quantity > 1 ? ` × ${esc(s.quantity)}` : "")},
      {title: "Status", cell: (s) => pill(s.status)},
      {title: "Project", cls: "opt", cell: (s) => esc(s.project_name)},
      {title: "Created", cls: "opt", cell: (s) => when(s.created_at)}], subs.subscriptions, "No subscriptions yet");
    table($("payments"), [
      {title: "Payment", col: "w-id", cell: (p) => stripeLink("payments", p.payment_intent_id, p.is_test_mode)},
      {title: "Amount", cls: "num", cell: (p) => esc(money(p.amount_cents, p.currency))},
      {title: "Status", cell: (p) => pill(p.status)},
      {title: "Project", cls: "opt", cell: (p) => esc(p.project_name)},
      {title: "Created", cls: "opt", cell: (p) => when(p.created_at)}], pays.payments, "No payments yet");
  }

  // --- loading -------------------------------------------------------------------------------------------------
  function currencies(stats, mode) {
    return Object.entries(stats.by_currency || {}).filter(([, modes]) => modes[mode])
      .sort(([, a], [, b]) => (b[mode].mrr_cents - a[mode].mrr_cents) ||
        (b[mode].gross_revenue_cents - a[mode].gross_revenue_cents)).map(([cur]) => cur);
  }

  async function load() {
    if (!token()) return;
    const ticket = ++state.loading;
    $("status").removeAttribute("data-ready");
    status("Loading…");
    try {
      const testMode = state.mode === "test";
      const [stats, projects, subs, pays] = await Promise.all([
        api("/api/v1/payments/stats", {test_mode: testMode}), api("/api/v1/payments/projects"),
        api("/api/v1/payments/subscriptions", {test_mode: testMode, page_size: 8}),
        api("/api/v1/payments/transactions", {test_mode: testMode, page_size: 8})]);
      const available = currencies(stats, state.mode);
      if (!available.includes(state.currency)) state.currency = available[0] || "usd";
      $("currency").innerHTML = (available.length ? available : [state.currency]).map((c) =>
        `<option value="${esc(c)}"${c === state.currency ? " selected" : ""}>${esc(c.toUpperCase())}</option>`).join("");
      const today = new Date();
      const from = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - state.range + 1));
      const common = {interval: state.interval, from: isoDay(from), to: isoDay(today), test_mode: testMode,
        currency: state.currency};
      const series = (metric, extra) => api("/api/v1/payments/stats/timeseries", {...common, metric, ...extra});
      const configured = projects.projects.filter((p) => (testMode ? p.has_test_credentials : p.has_live_credentials));
      const [mrr, movements, gross, refunds, failed, ...perProject] = await Promise.all([
        series("mrr"), series("mrr_movements"), series("gross_revenue"), series("refunds"), series("failed_payments"),
        ...configured.map((p) => series("mrr", {project_id: p.id, currency: undefined}))]);
      if (ticket !== state.loading) return;  // a newer load started meanwhile
      state.data = {stats, projects, subs, pays, mrr, movements, gross, refunds, failed,
        perProject: Object.fromEntries(configured.map((p, i) => [p.id, perProject[i]]))};
      render();
      status(`${stats.by_mode[state.mode]?.total_subscriptions ?? 0} subscriptions and ` +
        `${stats.by_mode[state.mode]?.total_payments ?? 0} payments in ${state.mode} mode across ` +
        `${stats.total_projects} projects · ${common.from} to ${common.to} · amounts in ${state.currency.toUpperCase()}`);
      $("status").dataset.ready = "true";
    } catch (err) {
      if (ticket !== state.loading) return;
      if (err instanceof AuthError) signOut(err.message);
      else status(err.message, "error");
    }
  }

  function render() {
    const d = state.data;
    if (!d) return;
    const ctx = {currency: d.mrr.currency, mode: d.mrr.mode, interval: d.mrr.interval, from: d.mrr.from_date,
      to: d.mrr.to_date};
    kpis(d.mrr.summary, ctx);
    lineChart($("chart-mrr"), d.mrr, ctx);
    barChart($("chart-movements"), d.movements.points, MOVEMENTS, ctx,
      {metric: "mrr_movements", title: "MRR movements", net: true});
    const revenue = d.gross.points.map((p, i) => ({date: p.date, gross_revenue: p.value,
      refunds: d.refunds.points[i] ? d.refunds.points[i].value : 0}));
    barChart($("chart-revenue"), revenue, REVENUE, ctx, {metric: "revenue", title: "Revenue and refunds"});
    barChart($("chart-failed"), d.failed.points.map((p) => ({date: p.date, failed_payments: p.value})), FAILED, ctx,
      {metric: "failed_payments", title: "Failed payments", integer: true});
    projectsTable(d.projects.projects, d.perProject);
    listTables(d.subs, d.pays);
  }

  // --- wiring --------------------------------------------------------------------------------------------------
  function segmented(id, key) {
    $(id).addEventListener("click", (event) => {
      const button = event.target.closest("button[data-value]");
      if (!button || state[key] === button.dataset.value) return;
      state[key] = button.dataset.value;
      for (const b of $(id).querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === button));
      load();
    });
  }

  $("signin").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token").value.trim().replace(/^Bearer\s+/i, "");
    $("token").value = "";
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    showSession();
    load();
  });
  $("signout").addEventListener("click", () => signOut());
  segmented("mode", "mode");
  segmented("interval", "interval");
  $("currency").addEventListener("change", (e) => { state.currency = e.target.value; load(); });
  $("range").addEventListener("change", (e) => { state.range = Number(e.target.value); load(); });
  let lastWidth = 0, frameRequest = 0;
  new ResizeObserver(() => {
    const width = document.querySelector("main").clientWidth;
    if (width === lastWidth) return;
    lastWidth = width;
    cancelAnimationFrame(frameRequest);
    frameRequest = requestAnimationFrame(render);
  }).observe(document.querySelector("main"));

  scrubUrl();
  showSession();
  load();
})();
