// The call page: waveform player synchronised with the transcript, findings that seek,
// the customer-sentiment chart, and the inspector's review actions.
"use strict";
(function () {
  const data = tiexin.pageData("call-data");
  const labels = data.labels;
  const turns = Array.from(document.querySelectorAll(".turn[data-start]"));
  let player = null;

  function highlight(seconds) {
    for (const turn of turns) {
      const inside = seconds >= Number(turn.dataset.start) && seconds < Number(turn.dataset.end);
      turn.classList.toggle("current", inside);
    }
  }

  function seek(seconds) {
    highlight(seconds);
    if (!player) return;
    const duration = player.getDuration();
    player.setTime(duration ? Math.min(seconds, duration) : seconds);
  }

  function setUpPlayer() {
    const container = document.getElementById("waveform");
    if (!container || !window.WaveSurfer) return;
    player = WaveSurfer.create({
      container,
      url: container.dataset.url,
      height: 56,
      splitChannels: [
        { waveColor: "#2563eb", progressColor: "#1e3a8a" },
        { waveColor: "#c2410c", progressColor: "#7c2d12" },
      ],
      cursorColor: "#111827",
      normalize: true,
    });
    window.tiexinPlayer = player; // read by browser tests and handy in the console
    const clock = document.getElementById("player-time");
    player.on("timeupdate", (time) => {
      highlight(time);
      clock.textContent = tiexin.formatTime(time);
    });
    document.getElementById("play").addEventListener("click", () => player.playPause());
  }

  function setUpSeeking() {
    for (const node of document.querySelectorAll(".turn[data-start], .finding[data-start]")) {
      node.addEventListener("click", () => seek(Number(node.dataset.start)));
    }
  }

  function setUpChart() {
    const node = document.getElementById("sentiment-chart");
    if (!node || !window.echarts) return;
    const points = data.call.turns
      .filter((t) => t.role === "customer" && t.sentiment !== null)
      .map((t) => [t.start, t.sentiment]);
    const chart = echarts.init(node);
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 16, bottom: 36 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", name: labels.time, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "value", min: -1, max: 1 },
      series: [{ name: labels.sentiment, type: "line", smooth: true, data: points, areaStyle: { opacity: 0.15 } }],
    });
    chart.on("click", (event) => seek(event.value[0]));
    window.addEventListener("resize", () => chart.resize());
  }

  async function submitReview(form, confirmOnly) {
    const message = form.querySelector(".form-message");
    const reason = form.elements.reason.value.trim();
    if (!reason) {
      message.textContent = labels.reason_required;
      message.className = "form-message small error";
      form.elements.reason.focus();
      return;
    }
    const item = form.closest(".item");
    const body = confirmOnly
      ? { result: item.dataset.result, points: Number(item.dataset.points), reason }
      : { result: form.elements.result.value, points: form.elements.points.value === "" ? null : Number(form.elements.points.value), reason };
    try {
      await tiexin.request(`/api/v1/evaluations/${form.dataset.evaluationId}/items/${encodeURIComponent(form.dataset.itemId)}/review`, { method: "POST", body });
      window.location.reload();
    } catch (error) {
      message.textContent = error.message;
      message.className = "form-message small error";
    }
  }

  function setUpReview() {
    for (const form of document.querySelectorAll("form.review-form")) {
      form.addEventListener("submit", (event) => { event.preventDefault(); submitReview(form, false); });
      form.querySelector("button.confirm").addEventListener("click", () => submitReview(form, true));
      // A new result suggests its usual points; the inspector may still change them.
      form.elements.result.addEventListener("change", () => {
        const max = form.closest(".item").querySelector(".item-points").textContent.split("/")[1];
        if (form.elements.result.value !== "pass") form.elements.points.value = 0;
        else if (max) form.elements.points.value = Number(max);
      });
    }
    for (const button of document.querySelectorAll("button.release")) {
      button.addEventListener("click", async () => {
        try {
          await tiexin.request(`/api/v1/evaluations/${button.dataset.evaluationId}/release`, { method: "POST" });
          window.location.reload();
        } catch (error) {
          button.insertAdjacentText("afterend", ` ${error.message}`);
        }
      });
    }
  }

  // The inspector's judgement of the customer's satisfaction (-2..2): training data for the
  // perception model. Saved at once; the reload shows it with who labelled it. The choices are
  // disabled while a label is saved: a second quick click would send a second PUT that the
  // server may finish first, so the earlier choice would be the one kept.
  function setUpSatisfaction() {
    const group = document.querySelector(".satisfaction-choices");
    if (!group) return;
    const message = document.getElementById("satisfaction-message");
    const buttons = Array.from(group.querySelectorAll("button.satisfaction-choice"));
    function setSaving(saving) {
      group.setAttribute("aria-busy", String(saving));
      for (const button of buttons) button.disabled = saving;
    }
    for (const button of buttons) {
      button.addEventListener("click", async () => {
        setSaving(true);
        try {
          await tiexin.request(`/api/v1/calls/${encodeURIComponent(group.dataset.callId)}/satisfaction`, { method: "PUT", body: { satisfaction: Number(button.dataset.satisfaction) } });
          window.location.reload();
        } catch (error) {
          setSaving(false);
          message.textContent = error.message;
          message.className = "form-message small error";
        }
      });
    }
  }

  setUpPlayer();
  setUpSeeking();
  setUpChart();
  setUpReview();
  setUpSatisfaction();
})();
