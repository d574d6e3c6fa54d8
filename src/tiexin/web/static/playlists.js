// Coaching playlists: editing clips (edit page) and group listening (session page).
"use strict";
(() => {
  const data = tiexin.pageData("playlist-data");
  if (!data) return;
  const base = `/api/v1/playlists/${data.id}`;
  const SKIP_TRANSCRIPT_AFTER_MS = 6000; // time to read a transcript-only clip before moving on
  const END_TOLERANCE_S = 0.05;

  function showError(error) {
    const box = document.getElementById("playlist-error");
    if (!box) return;
    box.textContent = error.message;
    box.hidden = false;
  }

  async function thenReload(action) {
    try {
      await action();
      window.location.reload();
    } catch (error) {
      showError(error);
    }
  }

  // --- edit page
  function setupEditor() {
    const table = document.getElementById("clips-table");
    const clipForm = document.getElementById("clip-form");
    if (!table || !clipForm) return;
    const ids = data.clips.map((clip) => clip.id);

    function move(clipId, step) {
      const order = ids.slice();
      const from = order.indexOf(clipId);
      const to = from + step;
      if (to < 0 || to >= order.length) return;
      [order[from], order[to]] = [order[to], order[from]];
      thenReload(() => tiexin.request(`${base}/clips/order`, { method: "POST", body: { clip_ids: order } }));
    }

    function edit(clip) {
      clipForm.elements.clip_id.value = clip.id;
      for (const name of ["call_id", "start_s", "end_s", "example"]) clipForm.elements[name].value = clip[name];
      clipForm.elements.note.value = clip.note || "";
      const title = document.getElementById("clip-form-title");
      title.textContent = title.dataset.edit;
      document.getElementById("clip-cancel").hidden = false;
      clipForm.scrollIntoView();
    }

    table.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const clipId = Number(button.closest("tr").dataset.clipId);
      const clip = data.clips.find((c) => c.id === clipId);
      const action = button.dataset.action;
      if (action === "up") move(clipId, -1);
      if (action === "down") move(clipId, 1);
      if (action === "edit") edit(clip);
      if (action === "remove") thenReload(() => tiexin.request(`${base}/clips/${clipId}`, { method: "DELETE" }));
    });

    clipForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const form = clipForm.elements;
      const body = {
        call_id: form.call_id.value.trim(),
        start_s: Number(form.start_s.value),
        end_s: Number(form.end_s.value),
        example: form.example.value,
        note: form.note.value.trim() || null,
      };
      const clipId = form.clip_id.value;
      const request = clipId
        ? tiexin.request(`${base}/clips/${clipId}`, { method: "PATCH", body })
        : tiexin.request(`${base}/clips`, { method: "POST", body });
      thenReload(() => request);
    });
    document.getElementById("clip-cancel").addEventListener("click", () => window.location.reload());

    const playlistForm = document.getElementById("playlist-form");
    playlistForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const form = playlistForm.elements;
      const body = {
        title: form.title.value.trim(),
        week: form.week.value.trim() || null,
        notes: form.notes.value.trim() || null,
      };
      thenReload(() => tiexin.request(base, { method: "PATCH", body }));
    });
    const remove = document.getElementById("playlist-delete");
    remove.addEventListener("click", async () => {
      if (!window.confirm(remove.dataset.confirm)) return;
      try {
        await tiexin.request(base, { method: "DELETE" });
        window.location.assign("/playlists");
      } catch (error) {
        showError(error);
      }
    });
  }

  // --- session page: one audio element plays the clips in turn
  function setupSession() {
    const session = document.getElementById("session");
    if (!session || !data.clips.length) return;
    const labels = tiexin.pageData("playlist-labels");
    const audio = document.getElementById("session-audio");
    const status = document.getElementById("clip-status");
    let index = 0;
    let playing = false; // once the group presses play, clips follow one another
    let skipTimer = null;

    function clip() {
      return data.clips[index];
    }

    function renderClip() {
      const current = clip();
      session.dataset.index = String(index);
      document.getElementById("clip-counter").textContent = labels.position
        .replace("{index}", index + 1)
        .replace("{total}", data.clips.length);
      const badge = document.getElementById("clip-example");
      badge.className = `badge ${current.example}`;
      badge.textContent = labels[current.example];
      document.getElementById("clip-source").textContent =
        `${current.call_id} · ${tiexin.formatTime(current.start_s)}–${tiexin.formatTime(current.end_s)}`;
      document.getElementById("clip-note").textContent = current.note || "";
      const turns = document.getElementById("clip-turns");
      turns.replaceChildren(
        ...current.turns.map((turn) => {
          const item = document.createElement("li");
          item.className = `turn ${turn.role}`;
          const who = document.createElement("span");
          who.className = "role";
          who.textContent = `${labels[turn.role] || turn.role} ${tiexin.formatTime(turn.start_s)}`;
          item.append(who, document.createTextNode(` ${turn.text}`));
          return item;
        }),
      );
      for (const item of document.querySelectorAll("#session-list li")) {
        item.classList.toggle("current", Number(item.dataset.index) === index);
      }
      document.getElementById("clip-previous").disabled = index === 0;
      document.getElementById("clip-next").disabled = index === data.clips.length - 1;
    }

    function seekAndPlay() {
      const current = clip();
      audio.currentTime = current.play_from;
      if (playing) audio.play().catch((error) => { status.textContent = error.message; });
    }

    function load() {
      clearTimeout(skipTimer);
      audio.pause();
      renderClip();
      const current = clip();
      status.textContent = "";
      if (!current.audio_url) {
        audio.removeAttribute("src");
        audio.load();
        status.textContent = labels.transcript_only;
        if (playing) skipTimer = setTimeout(advance, SKIP_TRANSCRIPT_AFTER_MS);
        return;
      }
      const url = new URL(current.audio_url, window.location.origin).href;
      if (audio.src === url && audio.readyState >= 1) {
        seekAndPlay();
      } else {
        audio.src = url;
        audio.addEventListener("loadedmetadata", seekAndPlay, { once: true });
      }
    }

    function go(step) {
      const next = index + step;
      if (next < 0 || next >= data.clips.length) return false;
      index = next;
      load();
      return true;
    }

    function advance() {
      if (!go(1)) {
        playing = false;
        audio.pause();
        status.textContent = labels.finished;
      }
    }

    audio.addEventListener("timeupdate", () => {
      const current = clip();
      if (current.audio_url && audio.currentTime >= current.play_to - END_TOLERANCE_S) {
        audio.pause();
        if (playing) advance();
      }
    });
    audio.addEventListener("ended", () => { if (playing) advance(); });
    document.getElementById("clip-play").addEventListener("click", () => {
      playing = true;
      const current = clip();
      if (!current.audio_url) {
        load();
      } else if (audio.readyState >= 1 && audio.currentTime >= current.play_to - END_TOLERANCE_S) {
        seekAndPlay();
      } else {
        audio.play().catch((error) => { status.textContent = error.message; });
      }
    });
    document.getElementById("clip-previous").addEventListener("click", () => go(-1));
    document.getElementById("clip-next").addEventListener("click", () => go(1));
    document.getElementById("session-list").addEventListener("click", (event) => {
      const item = event.target.closest("li[data-index]");
      if (!item) return;
      index = Number(item.dataset.index);
      load();
    });
    load();
  }

  setupEditor();
  setupSession();
})();
