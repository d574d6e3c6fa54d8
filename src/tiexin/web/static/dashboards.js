// Dashboards: fetch the figures for the page's filters and draw them with ECharts.
"use strict";
(() => {
  const labels = tiexin.pageData("dashboard-labels");
  const query = window.location.search;

  function cell(content) {
    const td = document.createElement("td");
    if (content instanceof Node) td.append(content);
    else td.textContent = content;
    return td;
  }

  function callLinks(callIds) {
    const td = cell("");
    td.className = "examples";
    for (const callId of callIds) {
      const link = document.createElement("a");
      link.href = `/calls/${encodeURIComponent(callId)}`;
      link.textContent = callId;
      td.append(link);
    }
    return td;
  }

  function fill(tableId, rows) {
    const body = document.querySelector(`#${tableId} tbody`);
    if (!rows.length) {
      const empty = document.createElement("tr");
      const td = cell(labels.none);
      td.colSpan = document.querySelectorAll(`#${tableId} thead th`).length;
      td.className = "muted";
      empty.append(td);
      body.replaceChildren(empty);
      return;
    }
    body.replaceChildren(...rows.map((cells) => {
      const tr = document.createElement("tr");
      tr.append(...cells);
      return tr;
    }));
  }

  function period(p) {
    return labels.period.replace("{from}", p.from).replace("{to}", p.to);
  }

  function drawTrend(trend) {
    const chart = echarts.init(document.getElementById("trend-chart"));
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [labels.average, labels.calls] },
      xAxis: { type: "category", data: trend.map((w) => w.key) },
      yAxis: [{ type: "value", min: 0, max: 100 }, { type: "value", minInterval: 1 }],
      series: [
        { name: labels.average, type: "line", data: trend.map((w) => Number(w.average.toFixed(1))) },
        { name: labels.calls, type: "bar", yAxisIndex: 1, data: trend.map((w) => w.calls), barMaxWidth: 24 },
      ],
    });
    return chart;
  }

  function drawRadar(dimensions) {
    const chart = echarts.init(document.getElementById("radar-chart"));
    chart.setOption({
      tooltip: {},
      radar: { indicator: dimensions.map((d) => ({ name: d.name, max: 100 })) },
      series: [{
        type: "radar",
        data: [{ name: labels.average, value: dimensions.map((d) => Number(d.average.toFixed(1))) }],
      }],
    });
    return chart;
  }

  function averageRows(rows, emptyKey) {
    return rows.map((r) => [cell(r.key || emptyKey), cell(r.average.toFixed(1)), cell(String(r.calls))]);
  }

  function changeCell(change) {
    const td = cell(change > 0 ? `+${change}` : String(change));
    if (change) td.className = change > 0 ? "change-up" : "change-down";
    return td;
  }

  function topicRows(topics) {
    return topics.map((t) => [
      cell(t.name), cell(String(t.calls)), cell(String(t.previous_calls)), changeCell(t.change), callLinks(t.examples),
    ]);
  }

  async function load() {
    const [scores, failed, spots] = await Promise.all([
      tiexin.request(`/api/v1/dashboards/scores${query}`),
      tiexin.request(`/api/v1/dashboards/failed-items${query}`),
      tiexin.request(`/api/v1/dashboards/blind-spots${query}`),
    ]);
    document.getElementById("dashboard-period").textContent = period(scores.period);
    const charts = [drawTrend(scores.trend), drawRadar(scores.dimensions)];
    window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
    fill("by-agent", averageRows(scores.agents, "—"));
    fill("by-team", averageRows(scores.teams, labels.no_team));
    fill("failed-items", failed.items.map((item) => [
      cell(item.name), cell(`${item.failed} / ${item.applicable}`), cell(`${(item.rate * 100).toFixed(0)}%`),
      callLinks(item.examples),
    ]));
    document.getElementById("blind-spots-period").textContent =
      `${period(spots.period)} · ${labels.previous_period.replace("{from}", spots.previous_period.from).replace("{to}", spots.previous_period.to)}`;
    fill("blind-spots", topicRows(spots.topics));
    fill("blind-keywords", topicRows(spots.keywords));
  }

  load().catch((error) => {
    const box = document.getElementById("dashboard-error");
    box.textContent = error.message;
    box.hidden = false;
  });
})();
